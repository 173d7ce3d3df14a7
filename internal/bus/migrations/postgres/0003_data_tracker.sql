-- +goose Up
-- The data tracker (bus.Tracker): each exchange carrying a person's PINFL
-- in X-Road-UserId that reached a provider service, kept so that the
-- person can see who looked at their data. client_id and service_id are
-- X-Road identifiers as strings, issue the purpose from X-Road-Issue
-- (empty when none was stated), query_id the X-Road-Id that finds the
-- exchange in the message log.
CREATE TABLE bus_data_accesses (
	id         TEXT PRIMARY KEY,
	pinfl      TEXT NOT NULL,
	client_id  TEXT NOT NULL,
	service_id TEXT NOT NULL,
	issue      TEXT NOT NULL,
	query_id   TEXT NOT NULL,
	at         TIMESTAMPTZ NOT NULL
);
-- A person's list, newest first.
CREATE INDEX bus_data_accesses_pinfl ON bus_data_accesses (pinfl, at DESC, id DESC);

-- +goose Down
DROP TABLE bus_data_accesses;
