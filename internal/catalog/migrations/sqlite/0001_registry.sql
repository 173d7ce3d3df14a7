-- +goose Up
-- State bodies as a tree: ministries, committees, agencies, regional and
-- district administrations.
CREATE TABLE catalog_agencies (
	id         TEXT PRIMARY KEY,
	code       TEXT NOT NULL UNIQUE,
	parent_id  TEXT REFERENCES catalog_agencies(id),
	kind       TEXT NOT NULL CHECK (kind IN ('ministry', 'committee', 'agency', 'regional', 'district', 'other')),
	names      TEXT NOT NULL, -- JSON: locale -> name
	phone      TEXT NOT NULL DEFAULT '',
	email      TEXT NOT NULL DEFAULT '',
	website    TEXT NOT NULL DEFAULT '',
	regions    TEXT NOT NULL DEFAULT '[]', -- JSON: region codes served
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL
);
CREATE INDEX catalog_agencies_parent ON catalog_agencies (parent_id);

-- The current version of each service passport, with the columns the
-- catalogue filters and counts by; the whole passport is in passport (JSON).
CREATE TABLE catalog_services (
	id               TEXT PRIMARY KEY,
	code             TEXT NOT NULL UNIQUE,
	version          INTEGER NOT NULL,
	agency_id        TEXT NOT NULL REFERENCES catalog_agencies(id),
	status           TEXT NOT NULL CHECK (status IN ('planned', 'digitising', 'live', 'suspended', 'retired')),
	level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
	recipients       TEXT NOT NULL CHECK (recipients IN ('citizen', 'business', 'both')),
	category         TEXT NOT NULL,
	mobile           INTEGER NOT NULL DEFAULT 0,
	passport         TEXT NOT NULL,
	updated_at       TIMESTAMP NOT NULL,
	updated_by       TEXT NOT NULL
);
CREATE INDEX catalog_services_agency ON catalog_services (agency_id);
CREATE INDEX catalog_services_status ON catalog_services (status, level);

-- Every version ever published, with who changed it, when and why.
CREATE TABLE catalog_service_versions (
	service_id TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	passport   TEXT NOT NULL,
	changed_by TEXT NOT NULL,
	changed_at TIMESTAMP NOT NULL,
	reason     TEXT NOT NULL,
	PRIMARY KEY (service_id, version)
);

-- Life events a service belongs to, for browsing.
CREATE TABLE catalog_service_events (
	service_id TEXT NOT NULL REFERENCES catalog_services(id) ON DELETE CASCADE,
	event      TEXT NOT NULL,
	PRIMARY KEY (service_id, event)
);
CREATE INDEX catalog_service_events_event ON catalog_service_events (event);

-- +goose Down
DROP TABLE catalog_service_events;
DROP TABLE catalog_service_versions;
DROP TABLE catalog_services;
DROP TABLE catalog_agencies;
