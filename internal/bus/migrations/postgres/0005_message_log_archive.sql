-- +goose Up
-- Archive files of the message log (package bus/msglog, Log.Archive):
-- old, timestamped records move, whole batches at a time, out of
-- bus_message_log into signed ZIP files in object storage. Each file holds
-- the SHA-256 of the gateway's previous file, so the files form a chain
-- that continues into bus_message_log.

-- One archive file: the gateway's records first_seq..last_seq, at
-- file_key in the bucket (its detached CMS signature at file_key || '.sig'),
-- its SHA-256, that of the gateway's previous file (empty for the first),
-- and the hash of its last record, which the next record's prev_hash is.
CREATE TABLE bus_message_log_archives (
	gateway     TEXT NOT NULL,
	first_seq   BIGINT NOT NULL,
	last_seq    BIGINT NOT NULL,
	records     INTEGER NOT NULL,
	file_key    TEXT NOT NULL UNIQUE,
	sha256      BYTEA NOT NULL,
	prev_sha256 BYTEA NOT NULL,
	last_hash   BYTEA NOT NULL,
	created_at  TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (gateway, first_seq)
);

-- Which archive file holds an archived record, by query ID, so that an
-- auditor's evidence is found without opening every file.
CREATE TABLE bus_message_log_archived (
	gateway           TEXT NOT NULL,
	seq               BIGINT NOT NULL,
	query_id          TEXT NOT NULL,
	archive_first_seq BIGINT NOT NULL,
	PRIMARY KEY (gateway, seq),
	FOREIGN KEY (gateway, archive_first_seq) REFERENCES bus_message_log_archives (gateway, first_seq)
);
CREATE INDEX bus_message_log_archived_query ON bus_message_log_archived (gateway, query_id);

-- +goose Down
DROP TABLE bus_message_log_archived;
DROP TABLE bus_message_log_archives;
