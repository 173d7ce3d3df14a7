-- +goose Up
-- A person's authenticator-app secret. Until confirmed_at is set the secret
-- is only being set up and is not asked for at sign-in.
CREATE TABLE identity_totp (
	user_id      TEXT PRIMARY KEY REFERENCES identity_users(id) ON DELETE CASCADE,
	secret       TEXT NOT NULL,
	last_step    INTEGER NOT NULL DEFAULT 0,
	created_at   TIMESTAMP NOT NULL,
	confirmed_at TIMESTAMP
);

-- One-time recovery codes, stored as SHA-256 hashes.
CREATE TABLE identity_recovery_codes (
	user_id   TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	code_hash TEXT NOT NULL,
	used_at   TIMESTAMP,
	PRIMARY KEY (user_id, code_hash)
);

-- A sign-in whose password was right and that waits for the second factor;
-- id is the SHA-256 of the token in the browser's cookie.
CREATE TABLE identity_login_challenges (
	id         TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	next       TEXT NOT NULL,
	attempts   INTEGER NOT NULL DEFAULT 0,
	expires_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE identity_login_challenges;
DROP TABLE identity_recovery_codes;
DROP TABLE identity_totp;
