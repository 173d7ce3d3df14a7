-- +goose Up
-- Notifications on every channel: in-app messages a person reads in their
-- account, e-mail and SMS, each with its delivery status.
ALTER TABLE notify_messages DROP CONSTRAINT notify_messages_channel_check;
ALTER TABLE notify_messages ADD CONSTRAINT notify_messages_channel_check CHECK (channel IN ('inapp', 'sms', 'email'));
ALTER TABLE notify_messages
	ADD COLUMN user_id    TEXT,
	ADD COLUMN event      TEXT NOT NULL DEFAULT '',
	ADD COLUMN locale     TEXT NOT NULL DEFAULT '',
	ADD COLUMN subject    TEXT NOT NULL DEFAULT '',
	ADD COLUMN status     TEXT NOT NULL DEFAULT 'queued'
		CHECK (status IN ('queued', 'delivered', 'temporary-failure', 'permanent-failure')),
	ADD COLUMN attempts   INTEGER NOT NULL DEFAULT 0,
	ADD COLUMN last_error TEXT NOT NULL DEFAULT '',
	ADD COLUMN updated_at TIMESTAMPTZ,
	ADD COLUMN read_at    TIMESTAMPTZ;
UPDATE notify_messages SET status = 'delivered' WHERE sent_at IS NOT NULL;
CREATE INDEX notify_messages_created ON notify_messages (created_at);
CREATE INDEX notify_messages_inbox ON notify_messages (user_id, channel, created_at);

-- The channels a person has chosen besides in-app, which is always on.
CREATE TABLE notify_preferences (
	user_id    TEXT PRIMARY KEY,
	sms        BOOLEAN NOT NULL,
	email      BOOLEAN NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE notify_preferences;
DELETE FROM notify_messages WHERE channel <> 'sms';
DROP INDEX notify_messages_inbox;
DROP INDEX notify_messages_created;
ALTER TABLE notify_messages
	DROP COLUMN user_id, DROP COLUMN event, DROP COLUMN locale, DROP COLUMN subject, DROP COLUMN status,
	DROP COLUMN attempts, DROP COLUMN last_error, DROP COLUMN updated_at, DROP COLUMN read_at;
ALTER TABLE notify_messages DROP CONSTRAINT notify_messages_channel_check;
ALTER TABLE notify_messages ADD CONSTRAINT notify_messages_channel_check CHECK (channel IN ('sms'));
