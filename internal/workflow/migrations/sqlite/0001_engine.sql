-- +goose Up
-- Process definitions as uploaded, versioned by key; instances use the
-- version they started on.
CREATE TABLE workflow_definitions (
	id          TEXT PRIMARY KEY,
	key         TEXT NOT NULL,
	version     INTEGER NOT NULL,
	name        TEXT NOT NULL,
	source      TEXT NOT NULL, -- the BPMN file
	deployed_at TIMESTAMP NOT NULL,
	deployed_by TEXT NOT NULL,
	UNIQUE (key, version)
);

-- Process instances with their variables (JSON). rev is raised by every
-- step, which serialises the steps of one instance across nodes.
CREATE TABLE workflow_instances (
	id              TEXT PRIMARY KEY,
	definition_id   TEXT NOT NULL REFERENCES workflow_definitions(id),
	key             TEXT NOT NULL,
	business_key    TEXT NOT NULL DEFAULT '',
	agency_id       TEXT NOT NULL DEFAULT '',
	state           TEXT NOT NULL CHECK (state IN ('active', 'completed', 'terminated', 'cancelled')),
	variables       TEXT NOT NULL,
	parent_id       TEXT NOT NULL DEFAULT '', -- the calling instance of a call activity
	parent_token_id TEXT NOT NULL DEFAULT '',
	rev             INTEGER NOT NULL DEFAULT 0,
	started_at      TIMESTAMP NOT NULL,
	ended_at        TIMESTAMP
);
CREATE INDEX workflow_instances_state ON workflow_instances (definition_id, state);
CREATE INDEX workflow_instances_business ON workflow_instances (business_key);

-- Tokens waiting somewhere: at an activity, a catch event, a sub-process
-- (holding the scope of its inner tokens) or at a joining gateway. A token
-- that moves on is deleted in the step that moves it.
CREATE TABLE workflow_tokens (
	id          TEXT PRIMARY KEY,
	instance_id TEXT NOT NULL REFERENCES workflow_instances(id) ON DELETE CASCADE,
	element_id  TEXT NOT NULL,
	scope_id    TEXT NOT NULL DEFAULT '', -- the sub-process token it runs inside
	state       TEXT NOT NULL CHECK (state IN ('waiting', 'joining', 'incident')),
	via_flow    TEXT NOT NULL DEFAULT '', -- for joining tokens: the flow it arrived by
	created_at  TIMESTAMP NOT NULL
);
CREATE INDEX workflow_tokens_instance ON workflow_tokens (instance_id, element_id);

-- User tasks, for the inbox.
CREATE TABLE workflow_tasks (
	id               TEXT PRIMARY KEY,
	instance_id      TEXT NOT NULL REFERENCES workflow_instances(id) ON DELETE CASCADE,
	token_id         TEXT NOT NULL,
	element_id       TEXT NOT NULL,
	name             TEXT NOT NULL,
	agency_id        TEXT NOT NULL DEFAULT '',
	candidate_groups TEXT NOT NULL DEFAULT '', -- comma-separated role names
	assignee         TEXT NOT NULL DEFAULT '',
	form_key         TEXT NOT NULL DEFAULT '',
	state            TEXT NOT NULL CHECK (state IN ('open', 'completed', 'cancelled')),
	due_at           TIMESTAMP,
	created_at       TIMESTAMP NOT NULL,
	ended_at         TIMESTAMP,
	ended_by         TEXT NOT NULL DEFAULT '',
	outcome          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX workflow_tasks_open ON workflow_tasks (state, agency_id, assignee);
CREATE INDEX workflow_tasks_token ON workflow_tasks (token_id);

-- Message subscriptions of waiting catch events and boundary events.
CREATE TABLE workflow_subscriptions (
	id              TEXT PRIMARY KEY,
	instance_id     TEXT NOT NULL REFERENCES workflow_instances(id) ON DELETE CASCADE,
	token_id        TEXT NOT NULL, -- the waiting token (catch event or activity)
	element_id      TEXT NOT NULL, -- the catch or boundary event
	message_name    TEXT NOT NULL,
	correlation_key TEXT NOT NULL,
	created_at      TIMESTAMP NOT NULL
);
CREATE INDEX workflow_subscriptions_message ON workflow_subscriptions (message_name, correlation_key);
CREATE INDEX workflow_subscriptions_token ON workflow_subscriptions (token_id);

-- Incidents: a step that could not go on (a service task out of retries, a
-- condition failing at run time, an error nobody catches).
CREATE TABLE workflow_incidents (
	id          TEXT PRIMARY KEY,
	instance_id TEXT NOT NULL REFERENCES workflow_instances(id) ON DELETE CASCADE,
	token_id    TEXT NOT NULL,
	element_id  TEXT NOT NULL,
	message     TEXT NOT NULL,
	created_at  TIMESTAMP NOT NULL,
	resolved_at TIMESTAMP
);
CREATE INDEX workflow_incidents_open ON workflow_incidents (resolved_at, instance_id);

-- What happened to each instance, in order.
CREATE TABLE workflow_history (
	instance_id TEXT NOT NULL REFERENCES workflow_instances(id) ON DELETE CASCADE,
	seq         INTEGER NOT NULL,
	at          TIMESTAMP NOT NULL,
	element_id  TEXT NOT NULL,
	event       TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (instance_id, seq)
);

-- +goose Down
DROP TABLE workflow_history;
DROP TABLE workflow_incidents;
DROP TABLE workflow_subscriptions;
DROP TABLE workflow_tasks;
DROP TABLE workflow_tokens;
DROP TABLE workflow_instances;
DROP TABLE workflow_definitions;
