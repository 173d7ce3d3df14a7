-- +goose Up
-- Notifications on every channel: in-app messages a person reads in their
-- account, e-mail and SMS, each with its delivery status. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt.
CREATE TABLE notify_messages_new (
	id         TEXT PRIMARY KEY,
	user_id    TEXT,
	event      TEXT NOT NULL DEFAULT '',
	locale     TEXT NOT NULL DEFAULT '',
	channel    TEXT NOT NULL CHECK (channel IN ('inapp', 'sms', 'email')),
	recipient  TEXT NOT NULL,
	subject    TEXT NOT NULL DEFAULT '',
	body       TEXT NOT NULL,
	status     TEXT NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'delivered', 'temporary-failure', 'permanent-failure')),
	attempts   INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP,
	sent_at    TIMESTAMP,
	read_at    TIMESTAMP
);
INSERT INTO notify_messages_new (id, channel, recipient, body, status, created_at, sent_at)
	SELECT id, channel, recipient, body, CASE WHEN sent_at IS NULL THEN 'queued' ELSE 'delivered' END, created_at, sent_at
	FROM notify_messages;
DROP TABLE notify_messages;
ALTER TABLE notify_messages_new RENAME TO notify_messages;
CREATE INDEX notify_messages_recipient ON notify_messages (recipient, created_at);
CREATE INDEX notify_messages_created ON notify_messages (created_at);
CREATE INDEX notify_messages_inbox ON notify_messages (user_id, channel, created_at);

-- The channels a person has chosen besides in-app, which is always on.
CREATE TABLE notify_preferences (
	user_id    TEXT PRIMARY KEY,
	sms        BOOLEAN NOT NULL,
	email      BOOLEAN NOT NULL,
	updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE notify_preferences;
DELETE FROM notify_messages WHERE channel <> 'sms';
CREATE TABLE notify_messages_old (
	id         TEXT PRIMARY KEY,
	channel    TEXT NOT NULL CHECK (channel IN ('sms')),
	recipient  TEXT NOT NULL,
	body       TEXT NOT NULL,
	created_at TIMESTAMP NOT NULL,
	sent_at    TIMESTAMP
);
INSERT INTO notify_messages_old (id, channel, recipient, body, created_at, sent_at)
	SELECT id, channel, recipient, body, created_at, sent_at FROM notify_messages;
DROP TABLE notify_messages;
ALTER TABLE notify_messages_old RENAME TO notify_messages;
CREATE INDEX notify_messages_recipient ON notify_messages (recipient, created_at);
