-- +goose Up
-- Applications for state services (portal.Applications). An application
-- is found by its ID (a UUIDv7, not guessable) and, once submitted, by its
-- human-readable number (YYYY-NNNNNNN). Submission is idempotent per
-- applicant and idempotency key. answers is the JSON of the validated
-- answers to the form version it was sent with; process_key the process
-- it starts (process_instance once started).
CREATE TABLE portal_applications (
	id               TEXT PRIMARY KEY,
	number           TEXT NOT NULL UNIQUE,
	applicant_id     TEXT NOT NULL,
	applicant_pinfl  TEXT NOT NULL,
	service_code     TEXT NOT NULL,
	agency_id        TEXT NOT NULL,
	form_version     INTEGER NOT NULL,
	answers          TEXT NOT NULL,
	status           TEXT NOT NULL,
	channel          TEXT NOT NULL,
	operator_id      TEXT NOT NULL,
	idempotency_key  TEXT NOT NULL,
	process_key      TEXT NOT NULL,
	process_instance TEXT NOT NULL,
	submitted_at     TIMESTAMPTZ NOT NULL,
	updated_at       TIMESTAMPTZ NOT NULL,
	UNIQUE (applicant_id, idempotency_key)
);
-- The applicant's cabinet, newest first.
CREATE INDEX portal_applications_applicant ON portal_applications (applicant_id, submitted_at DESC, id DESC);

-- The last number given out per year.
CREATE TABLE portal_application_numbers (
	year INTEGER PRIMARY KEY,
	last BIGINT NOT NULL
);

-- What happened to an application and when: its timeline.
CREATE TABLE portal_application_events (
	application_id TEXT NOT NULL REFERENCES portal_applications(id),
	seq            INTEGER NOT NULL,
	at             TIMESTAMPTZ NOT NULL,
	kind           TEXT NOT NULL,
	detail         TEXT NOT NULL,
	PRIMARY KEY (application_id, seq)
);

-- +goose Down
DROP TABLE portal_application_events;
DROP TABLE portal_application_numbers;
DROP TABLE portal_applications;
