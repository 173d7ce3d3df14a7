-- +goose Up
-- Life events group state services around what happens in a person's or a
-- business's life ("a child is born", "starting a business").
CREATE TABLE portal_life_events (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	audience   TEXT NOT NULL CHECK (audience IN ('citizen', 'business')),
	position   INTEGER NOT NULL DEFAULT 0,
	created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE portal_life_event_texts (
	event_id TEXT NOT NULL REFERENCES portal_life_events(id) ON DELETE CASCADE,
	locale   TEXT NOT NULL,
	title    TEXT NOT NULL,
	summary  TEXT NOT NULL,
	PRIMARY KEY (event_id, locale)
);

-- +goose Down
DROP TABLE portal_life_event_texts;
DROP TABLE portal_life_events;
