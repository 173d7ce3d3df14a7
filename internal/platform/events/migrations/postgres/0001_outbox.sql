-- +goose Up
-- events_outbox holds events written in the same transaction as the change
-- that caused them, until the relay has published them and retention passed.
CREATE TABLE events_outbox (
	seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	id TEXT NOT NULL UNIQUE,
	subject TEXT NOT NULL,
	payload BYTEA NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	published_at TIMESTAMPTZ
);
CREATE INDEX events_outbox_pending ON events_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX events_outbox_published ON events_outbox (published_at) WHERE published_at IS NOT NULL;

-- events_processed remembers which events each consumer has handled, so a
-- redelivered or re-published event is handled once.
CREATE TABLE events_processed (
	consumer TEXT NOT NULL,
	event_id TEXT NOT NULL,
	processed_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (consumer, event_id)
);
CREATE INDEX events_processed_at ON events_processed (processed_at);

-- +goose Down
DROP TABLE events_processed;
DROP TABLE events_outbox;
