-- +goose Up
-- An operator's request that a citizen confirm with their e-signature,
-- on their own device, that the operator may serve them: the citizen signs
-- the challenge; once confirmed, the operator's browser session serves
-- them.
CREATE TABLE portal_psc_requests (
	id               TEXT PRIMARY KEY,
	operator_id      TEXT NOT NULL,
	operator_name    TEXT NOT NULL,
	operator_session TEXT NOT NULL,
	citizen_id       TEXT NOT NULL,
	citizen_pinfl    TEXT NOT NULL,
	citizen_name     TEXT NOT NULL,
	challenge        TEXT NOT NULL,
	expires_at       TIMESTAMP NOT NULL,
	confirmed_at     TIMESTAMP
);
CREATE INDEX portal_psc_requests_citizen ON portal_psc_requests (citizen_id, expires_at);

-- +goose Down
DROP TABLE portal_psc_requests;
