-- +goose Up
-- The central registry of the exchange bus: who takes part (members and
-- their subsystems), where their gateways are, which services subsystems
-- provide, and who may call them. Identifiers follow X-Road:
-- INSTANCE/CLASS/CODE[/SUBSYSTEM][/SERVICE].

-- One row: the registry's version, which grows by one with every change
-- to its contents so that a published global configuration can say which
-- state it describes.
CREATE TABLE bus_registry (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	version    BIGINT NOT NULL,
	changed_at TIMESTAMP
);
INSERT INTO bus_registry (id, version) VALUES (1, 0);

-- Organisations taking part; member_code is the organisation's STIR.
CREATE TABLE bus_members (
	id           TEXT PRIMARY KEY,
	instance     TEXT NOT NULL,
	member_class TEXT NOT NULL CHECK (member_class IN ('GOV', 'COM', 'NGO', 'ORG')),
	member_code  TEXT NOT NULL,
	name         TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	UNIQUE (instance, member_class, member_code)
);

-- Information systems of a member: the clients and providers of services.
CREATE TABLE bus_subsystems (
	id         TEXT PRIMARY KEY,
	member_id  TEXT NOT NULL REFERENCES bus_members(id),
	code       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	UNIQUE (member_id, code)
);

-- A member's gateways with the serials (lowercase hex, as pki stores them)
-- of their TLS authentication certificate and of the member's signing
-- certificate. An authentication certificate identifies one gateway.
CREATE TABLE bus_gateways (
	id          TEXT PRIMARY KEY,
	member_id   TEXT NOT NULL REFERENCES bus_members(id),
	name        TEXT NOT NULL,
	address     TEXT NOT NULL,
	auth_serial TEXT NOT NULL UNIQUE,
	sign_serial TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	UNIQUE (member_id, name)
);

-- REST services of a subsystem: where the gateway forwards to and, when
-- the provider gave one, the OpenAPI description exactly as given ('' for
-- none).
CREATE TABLE bus_services (
	id           TEXT PRIMARY KEY,
	subsystem_id TEXT NOT NULL REFERENCES bus_subsystems(id),
	code         TEXT NOT NULL,
	title        TEXT NOT NULL,
	base_url     TEXT NOT NULL,
	openapi      TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	updated_at   TIMESTAMP NOT NULL,
	UNIQUE (subsystem_id, code)
);

-- Global groups of subsystems, to grant rights to many at once.
CREATE TABLE bus_groups (
	id          TEXT PRIMARY KEY,
	instance    TEXT NOT NULL,
	code        TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	created_at  TIMESTAMP NOT NULL,
	UNIQUE (instance, code)
);

CREATE TABLE bus_group_members (
	group_id     TEXT NOT NULL REFERENCES bus_groups(id),
	subsystem_id TEXT NOT NULL REFERENCES bus_subsystems(id),
	added_at     TIMESTAMP NOT NULL,
	PRIMARY KEY (group_id, subsystem_id)
);
CREATE INDEX bus_group_members_subsystem ON bus_group_members (subsystem_id);

-- Access rights: an endpoint (method or '*', path pattern) of a service
-- granted to exactly one subsystem or group.
CREATE TABLE bus_rights (
	id           TEXT PRIMARY KEY,
	service_id   TEXT NOT NULL REFERENCES bus_services(id),
	subsystem_id TEXT REFERENCES bus_subsystems(id),
	group_id     TEXT REFERENCES bus_groups(id),
	method       TEXT NOT NULL,
	path         TEXT NOT NULL,
	granted_by   TEXT NOT NULL,
	granted_at   TIMESTAMP NOT NULL,
	CHECK ((subsystem_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX bus_rights_grant ON bus_rights (service_id, COALESCE(subsystem_id, ''), COALESCE(group_id, ''), method, path);
CREATE INDEX bus_rights_subsystem ON bus_rights (subsystem_id);
CREATE INDEX bus_rights_group ON bus_rights (group_id);

-- A member's requests to add a subsystem or a gateway, which the platform
-- administrator approves (adding it) or rejects. code is the subsystem
-- code or the gateway name; result_id the row added on approval.
CREATE TABLE bus_requests (
	id           TEXT PRIMARY KEY,
	kind         TEXT NOT NULL CHECK (kind IN ('subsystem', 'gateway')),
	member_id    TEXT NOT NULL REFERENCES bus_members(id),
	code         TEXT NOT NULL,
	address      TEXT NOT NULL DEFAULT '',
	auth_serial  TEXT NOT NULL DEFAULT '',
	sign_serial  TEXT NOT NULL DEFAULT '',
	state        TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
	requested_by TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   TIMESTAMP,
	reason       TEXT NOT NULL DEFAULT '',
	result_id    TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX bus_requests_pending ON bus_requests (kind, member_id, code) WHERE state = 'pending';
CREATE INDEX bus_requests_state ON bus_requests (state, created_at);

-- +goose Down
DROP TABLE bus_requests;
DROP TABLE bus_rights;
DROP TABLE bus_group_members;
DROP TABLE bus_groups;
DROP TABLE bus_services;
DROP TABLE bus_gateways;
DROP TABLE bus_subsystems;
DROP TABLE bus_members;
DROP TABLE bus_registry;
