-- +goose Up
CREATE TABLE identity_users (
	id            TEXT PRIMARY KEY,
	pinfl         TEXT NOT NULL UNIQUE,
	first_name    TEXT NOT NULL,
	last_name     TEXT NOT NULL,
	name_cyrl     TEXT NOT NULL,
	birth_date    TIMESTAMP NOT NULL,
	phone         TEXT NOT NULL UNIQUE,
	email         TEXT NOT NULL DEFAULT '',
	locale        TEXT NOT NULL DEFAULT 'uz-Latn',
	password_hash TEXT NOT NULL,
	created_at    TIMESTAMP NOT NULL,
	updated_at    TIMESTAMP NOT NULL
);

CREATE TABLE identity_orgs (
	id         TEXT PRIMARY KEY,
	stir       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	legal_form TEXT NOT NULL,
	address    TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL
);

CREATE TABLE identity_representations (
	user_id    TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	org_id     TEXT NOT NULL REFERENCES identity_orgs(id) ON DELETE CASCADE,
	basis      TEXT NOT NULL CHECK (basis IN ('director', 'attorney')),
	scope      TEXT NOT NULL DEFAULT '',
	expires_at TIMESTAMP,
	created_at TIMESTAMP NOT NULL,
	PRIMARY KEY (user_id, org_id)
);

CREATE TABLE identity_agencies (
	id      TEXT PRIMARY KEY,
	code    TEXT NOT NULL UNIQUE,
	name_uz TEXT NOT NULL,
	name_ru TEXT NOT NULL,
	name_en TEXT NOT NULL
);

-- Roles a person holds; agency_id is '' for global roles.
CREATE TABLE identity_grants (
	user_id    TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	role       TEXT NOT NULL,
	agency_id  TEXT NOT NULL DEFAULT '',
	granted_at TIMESTAMP NOT NULL,
	granted_by TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, role, agency_id)
);

-- Server-side sessions; id is the SHA-256 of the token in the cookie.
CREATE TABLE identity_sessions (
	id            TEXT PRIMARY KEY,
	user_id       TEXT NOT NULL REFERENCES identity_users(id) ON DELETE CASCADE,
	created_at    TIMESTAMP NOT NULL,
	last_seen_at  TIMESTAMP NOT NULL,
	expires_at    TIMESTAMP NOT NULL,
	ip            TEXT NOT NULL DEFAULT '',
	user_agent    TEXT NOT NULL DEFAULT '',
	acting_org_id TEXT NOT NULL DEFAULT '',
	revoked_at    TIMESTAMP
);
CREATE INDEX identity_sessions_user ON identity_sessions (user_id);

-- Failed sign-ins per identifier (known or not, so lockout reveals nothing).
CREATE TABLE identity_login_throttle (
	key          TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until TIMESTAMP,
	updated_at   TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE identity_login_throttle;
DROP TABLE identity_sessions;
DROP TABLE identity_grants;
DROP TABLE identity_agencies;
DROP TABLE identity_representations;
DROP TABLE identity_orgs;
DROP TABLE identity_users;
