-- +goose Up
-- A timeline entry made by a step of the application's process names the
-- step (its task key), so that a step run twice after a crash records its
-- change once.
ALTER TABLE portal_application_events ADD COLUMN ref TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX portal_application_events_ref ON portal_application_events (application_id, ref) WHERE ref <> '';

-- +goose Down
DROP INDEX portal_application_events_ref;
ALTER TABLE portal_application_events DROP COLUMN ref;
