-- +goose Up
-- The applicant's detached CAdES signature of the application (base64,
-- '' when unsigned) over SignedContent, and whom its certificate names.
ALTER TABLE portal_applications ADD COLUMN signature TEXT NOT NULL DEFAULT '';
ALTER TABLE portal_applications ADD COLUMN signed_by TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE portal_applications DROP COLUMN signed_by;
ALTER TABLE portal_applications DROP COLUMN signature;
