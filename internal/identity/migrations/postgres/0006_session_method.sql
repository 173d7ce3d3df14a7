-- +goose Up
-- How a session was signed in: a password alone, a password and a second
-- factor, or an e-signature certificate; enrolling for a certificate asks
-- for more than a password.
ALTER TABLE identity_sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';

-- +goose Down
ALTER TABLE identity_sessions DROP COLUMN method;
