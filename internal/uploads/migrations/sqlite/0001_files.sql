-- +goose Up
-- Files citizens attach to applications. The content is in blob storage
-- under blob_key; the row is written after it, so every row has content.
-- claimed_by is the application using the file, '' for a file of a draft
-- not yet submitted; deleted_at marks a file DeleteUnclaimed is removing,
-- no longer found, until its content and then its row are gone.
CREATE TABLE uploads_files (
	id           TEXT PRIMARY KEY,
	owner_id     TEXT NOT NULL CHECK (owner_id <> ''),
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL CHECK (size > 0),
	sha256       TEXT NOT NULL,
	blob_key     TEXT NOT NULL UNIQUE,
	claimed_by   TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	deleted_at   TIMESTAMP
);
CREATE INDEX uploads_files_owner ON uploads_files (owner_id, created_at);
-- The abandoned files DeleteUnclaimed looks for.
CREATE INDEX uploads_files_unclaimed ON uploads_files (created_at) WHERE claimed_by = '';
CREATE INDEX uploads_files_deleting ON uploads_files (id) WHERE deleted_at IS NOT NULL;

-- +goose Down
DROP TABLE uploads_files;
