-- +goose Up
-- The applicant says they belong to a category the passport exempts from
-- the fee: no invoice is made, and the officer checks the claim.
ALTER TABLE portal_applications ADD COLUMN fee_exempt BOOLEAN NOT NULL DEFAULT FALSE;

-- +goose Down
ALTER TABLE portal_applications DROP COLUMN fee_exempt;
