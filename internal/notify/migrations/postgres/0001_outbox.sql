-- +goose Up
-- Messages to people (SMS now; e-mail and push later), written in the same
-- transaction as the change that causes them and delivered by a job.
CREATE TABLE notify_messages (
	id         TEXT PRIMARY KEY,
	channel    TEXT NOT NULL CHECK (channel IN ('sms')),
	recipient  TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL,
	sent_at    TIMESTAMPTZ
);
CREATE INDEX notify_messages_recipient ON notify_messages (recipient, created_at);

-- +goose Down
DROP TABLE notify_messages;
