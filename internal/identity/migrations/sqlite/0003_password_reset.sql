-- +goose Up
-- A pending password reset: a one-time code sent by SMS, stored as a hash.
CREATE TABLE identity_reset_codes (
	user_id    TEXT PRIMARY KEY REFERENCES identity_users(id) ON DELETE CASCADE,
	code_hash  TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE identity_reset_codes;
