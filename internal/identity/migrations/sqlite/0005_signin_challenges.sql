-- +goose Up
-- One-time challenges of e-signature sign-in, stored as hashes: a
-- challenge signs in once, within its few minutes.
CREATE TABLE identity_signin_challenges (
	id         TEXT PRIMARY KEY,
	expires_at TIMESTAMP NOT NULL
);
CREATE INDEX identity_signin_challenges_expiry ON identity_signin_challenges (expires_at);

-- +goose Down
DROP TABLE identity_signin_challenges;
