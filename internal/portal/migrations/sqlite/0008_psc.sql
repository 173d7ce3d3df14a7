-- +goose Up
-- A public service centre operator identifies a citizen with a one-time
-- code sent to the citizen's phone: the code's hash, per operator, with
-- the wrong attempts and its expiry.
CREATE TABLE portal_psc_codes (
	operator_id TEXT PRIMARY KEY,
	citizen_id  TEXT NOT NULL,
	citizen_pinfl TEXT NOT NULL,
	citizen_name  TEXT NOT NULL,
	code_hash   TEXT NOT NULL,
	attempts    INTEGER NOT NULL,
	expires_at  TIMESTAMP NOT NULL
);

-- Once identified, the operator serves the citizen in their own browser
-- session (operator_session) until the service ends or expires.
CREATE TABLE portal_psc_sessions (
	id               TEXT PRIMARY KEY,
	operator_id      TEXT NOT NULL,
	operator_session TEXT NOT NULL,
	citizen_id       TEXT NOT NULL,
	citizen_pinfl    TEXT NOT NULL,
	citizen_name     TEXT NOT NULL,
	started_at       TIMESTAMP NOT NULL,
	expires_at       TIMESTAMP NOT NULL,
	ended_at         TIMESTAMP
);
CREATE INDEX portal_psc_sessions_operator ON portal_psc_sessions (operator_id, operator_session);

-- +goose Down
DROP TABLE portal_psc_sessions;
DROP TABLE portal_psc_codes;
