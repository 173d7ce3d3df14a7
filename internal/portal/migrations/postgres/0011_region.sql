-- +goose Up
-- The region an application concerns, from the form's region fields
-- (where the result is collected or posted), for statistics by region.
ALTER TABLE portal_applications ADD COLUMN region TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_applications DROP COLUMN region;
