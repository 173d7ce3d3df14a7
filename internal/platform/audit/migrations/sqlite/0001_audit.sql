-- +goose Up
-- audit_log is the hash chain itself. seq is assigned by the log (from
-- audit_head), never by the database, so that it is contiguous from 1.
CREATE TABLE audit_log (
	seq         INTEGER PRIMARY KEY,
	id          TEXT NOT NULL UNIQUE,
	at          TIMESTAMP NOT NULL,
	actor       TEXT NOT NULL,
	action      TEXT NOT NULL,
	object_type TEXT NOT NULL,
	object_id   TEXT NOT NULL,
	ip          TEXT NOT NULL,
	request_id  TEXT NOT NULL,
	user_agent  TEXT NOT NULL,
	details     TEXT NOT NULL,
	prev_hash   TEXT NOT NULL,
	hash        TEXT NOT NULL
);
CREATE INDEX audit_log_actor ON audit_log (actor, seq);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id, seq);

-- audit_head holds the last entry's seq and hash. Every append reads and
-- updates it in the appending transaction, which serialises appends.
CREATE TABLE audit_head (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	last_seq  INTEGER NOT NULL,
	last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The application never changes or removes an entry; these triggers stop a
-- bug or an injected statement from doing so. Someone who can drop them can
-- still tamper, which Verify detects.
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
