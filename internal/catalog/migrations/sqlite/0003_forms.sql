-- +goose Up
-- Application forms of services, one row per published version; the
-- current form is the highest version. Versions are never changed, so an
-- application can always be shown with the form it was submitted with.
CREATE TABLE catalog_forms (
	service_id   TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
	version      INTEGER NOT NULL CHECK (version > 0),
	document     TEXT NOT NULL, -- the form: JSON Schema 2020-12 with x-egov
	published_by TEXT NOT NULL,
	published_at TIMESTAMP NOT NULL,
	reason       TEXT NOT NULL,
	PRIMARY KEY (service_id, version)
);

-- +goose Down
DROP TABLE catalog_forms;
