-- +goose Up
-- Messages published while nobody waited for them, kept until they expire
-- for the first instance that comes to wait under their correlation key.
CREATE TABLE workflow_messages (
	id              TEXT PRIMARY KEY,
	message_name    TEXT NOT NULL,
	correlation_key TEXT NOT NULL,
	variables       TEXT NOT NULL,
	created_at      TIMESTAMPTZ NOT NULL,
	expires_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX workflow_messages_key ON workflow_messages (message_name, correlation_key, created_at);
CREATE INDEX workflow_messages_expiry ON workflow_messages (expires_at);

-- +goose Down
DROP TABLE workflow_messages;
