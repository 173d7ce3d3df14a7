-- +goose Up
-- Relying parties registered by the platform administrator. Lists are kept
-- space-separated: redirect URIs are validated URLs, which hold no spaces.
CREATE TABLE oidc_clients (
	id                        TEXT PRIMARY KEY,
	secret_hash               TEXT NOT NULL DEFAULT '',
	name                      TEXT NOT NULL,
	type                      TEXT NOT NULL CHECK (type IN ('confidential', 'public')),
	redirect_uris             TEXT NOT NULL DEFAULT '',
	post_logout_redirect_uris TEXT NOT NULL DEFAULT '',
	grant_types               TEXT NOT NULL,
	scopes                    TEXT NOT NULL,
	created_at                TIMESTAMPTZ NOT NULL,
	updated_at                TIMESTAMPTZ NOT NULL
);

-- Authorization requests from /oidc/authorize until their code is exchanged.
-- Rows outlive the exchange so that a replayed code is recognised.
CREATE TABLE oidc_auth_requests (
	id                    TEXT PRIMARY KEY,
	client_id             TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
	redirect_uri          TEXT NOT NULL,
	scopes                TEXT NOT NULL,
	state                 TEXT NOT NULL DEFAULT '',
	nonce                 TEXT NOT NULL DEFAULT '',
	response_type         TEXT NOT NULL,
	response_mode         TEXT NOT NULL DEFAULT '',
	prompt                TEXT NOT NULL DEFAULT '',
	code_challenge        TEXT NOT NULL DEFAULT '',
	code_challenge_method TEXT NOT NULL DEFAULT '',
	user_id               TEXT NOT NULL DEFAULT '',
	session_id            TEXT NOT NULL DEFAULT '',
	auth_time             TIMESTAMPTZ,
	consented_at          TIMESTAMPTZ,
	code_hash             TEXT UNIQUE,
	code_expires_at       TIMESTAMPTZ,
	code_used_at          TIMESTAMPTZ,
	tokens_issued_at      TIMESTAMPTZ,
	replayed_at           TIMESTAMPTZ,
	created_at            TIMESTAMPTZ NOT NULL,
	expires_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX oidc_auth_requests_expires ON oidc_auth_requests (expires_at);

-- Opaque access tokens: the token given out is an encrypted reference to a row.
CREATE TABLE oidc_access_tokens (
	id              TEXT PRIMARY KEY,
	client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
	subject         TEXT NOT NULL,
	user_id         TEXT NOT NULL DEFAULT '',
	scopes          TEXT NOT NULL,
	auth_request_id TEXT NOT NULL DEFAULT '',
	family_id       TEXT NOT NULL DEFAULT '',
	session_id      TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL,
	revoked_at      TIMESTAMPTZ
);
CREATE INDEX oidc_access_tokens_auth_request ON oidc_access_tokens (auth_request_id);
CREATE INDEX oidc_access_tokens_family ON oidc_access_tokens (family_id);
CREATE INDEX oidc_access_tokens_user ON oidc_access_tokens (user_id, client_id);
CREATE INDEX oidc_access_tokens_expires ON oidc_access_tokens (expires_at);

-- Refresh tokens, rotated on every use; token_hash is the SHA-256 of the
-- token. A family is every token rotated from one grant.
CREATE TABLE oidc_refresh_tokens (
	id              TEXT PRIMARY KEY,
	token_hash      TEXT NOT NULL UNIQUE,
	family_id       TEXT NOT NULL,
	client_id       TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
	user_id         TEXT NOT NULL,
	scopes          TEXT NOT NULL,
	amr             TEXT NOT NULL DEFAULT '',
	auth_time       TIMESTAMPTZ NOT NULL,
	auth_request_id TEXT NOT NULL DEFAULT '',
	session_id      TEXT NOT NULL DEFAULT '',
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL,
	rotated_at      TIMESTAMPTZ,
	revoked_at      TIMESTAMPTZ
);
CREATE INDEX oidc_refresh_tokens_family ON oidc_refresh_tokens (family_id);
CREATE INDEX oidc_refresh_tokens_auth_request ON oidc_refresh_tokens (auth_request_id);
CREATE INDEX oidc_refresh_tokens_user ON oidc_refresh_tokens (user_id, client_id);

-- What a person allowed a client to receive, so they are not asked again.
CREATE TABLE oidc_consents (
	user_id    TEXT NOT NULL,
	client_id  TEXT NOT NULL REFERENCES oidc_clients(id) ON DELETE CASCADE,
	scopes     TEXT NOT NULL,
	granted_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (user_id, client_id)
);

-- Token signing keys. private_key is sealed with a key derived from the
-- node secret; public_key is the PKIX DER, base64. One key is active.
CREATE TABLE oidc_signing_keys (
	id          TEXT PRIMARY KEY,
	alg         TEXT NOT NULL,
	private_key TEXT NOT NULL,
	public_key  TEXT NOT NULL,
	active      BOOLEAN NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	retired_at  TIMESTAMPTZ
);
CREATE UNIQUE INDEX oidc_signing_keys_one_active ON oidc_signing_keys (active) WHERE active;

-- +goose Down
DROP TABLE oidc_signing_keys;
DROP TABLE oidc_consents;
DROP TABLE oidc_refresh_tokens;
DROP TABLE oidc_access_tokens;
DROP TABLE oidc_auth_requests;
DROP TABLE oidc_clients;
