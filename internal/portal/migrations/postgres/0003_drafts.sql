-- +goose Up
-- An applicant's unfinished application for a service, one per applicant
-- and service: answers saved page by page (JSON), against form_version.
-- prefilled holds what registries gave for the fields the state fills in:
-- {"field": {"source": "birth-record", "value": …}}.
CREATE TABLE portal_drafts (
	id           TEXT PRIMARY KEY,
	applicant_id TEXT NOT NULL,
	service_code TEXT NOT NULL,
	form_version INTEGER NOT NULL,
	answers      TEXT NOT NULL,
	prefilled    TEXT NOT NULL,
	org_id       TEXT NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL,
	updated_at   TIMESTAMPTZ NOT NULL,
	UNIQUE (applicant_id, service_code, org_id)
);

-- An application keeps what the registries gave (and whether the
-- applicant changed it) for the officer, the organisation a representative
-- applied for ('' for a person's own), and the date the passport's term
-- promises a decision by.
ALTER TABLE portal_applications ADD COLUMN prefilled TEXT NOT NULL DEFAULT '{}';
ALTER TABLE portal_applications ADD COLUMN org_id TEXT NOT NULL DEFAULT '';
ALTER TABLE portal_applications ADD COLUMN org_name TEXT NOT NULL DEFAULT '';
ALTER TABLE portal_applications ADD COLUMN due_at TIMESTAMPTZ;

-- +goose Down
ALTER TABLE portal_applications DROP COLUMN due_at;
ALTER TABLE portal_applications DROP COLUMN org_name;
ALTER TABLE portal_applications DROP COLUMN org_id;
ALTER TABLE portal_applications DROP COLUMN prefilled;
DROP TABLE portal_drafts;
