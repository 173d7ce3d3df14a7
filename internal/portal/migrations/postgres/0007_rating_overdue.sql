-- +goose Up
-- The applicant's 1–5 rating of a finished application with a comment,
-- and when it was found overdue (past due_at without a decision), so that
-- each is counted once.
ALTER TABLE portal_applications ADD COLUMN rating INTEGER NOT NULL DEFAULT 0;
ALTER TABLE portal_applications ADD COLUMN rating_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE portal_applications ADD COLUMN overdue_at TIMESTAMPTZ;
-- The overdue sweep looks only at applications with a due date and no
-- finding yet.
CREATE INDEX portal_applications_due ON portal_applications (due_at) WHERE overdue_at IS NULL;

-- +goose Down
DROP INDEX portal_applications_due;
ALTER TABLE portal_applications DROP COLUMN overdue_at;
ALTER TABLE portal_applications DROP COLUMN rating_comment;
ALTER TABLE portal_applications DROP COLUMN rating;
