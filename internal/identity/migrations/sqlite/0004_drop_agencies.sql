-- +goose Up
-- Agencies are the catalog's register now (identity.AgencyDirectory); grants
-- in agencies of the old table point at nothing and go with it.
DELETE FROM identity_grants WHERE agency_id IN (SELECT id FROM identity_agencies);
DROP TABLE identity_agencies;

-- +goose Down
CREATE TABLE identity_agencies (
	id      TEXT PRIMARY KEY,
	code    TEXT NOT NULL UNIQUE,
	name_uz TEXT NOT NULL,
	name_ru TEXT NOT NULL,
	name_en TEXT NOT NULL
);
