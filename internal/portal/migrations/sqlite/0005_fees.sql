-- +goose Up
-- The fee an application owes (in tiyin, 0 for none) and the invoice that
-- asks for it.
ALTER TABLE portal_applications ADD COLUMN fee BIGINT NOT NULL DEFAULT 0;
ALTER TABLE portal_applications ADD COLUMN invoice_id TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_applications DROP COLUMN invoice_id;
ALTER TABLE portal_applications DROP COLUMN fee;
