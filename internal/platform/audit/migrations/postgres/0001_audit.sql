-- +goose Up
-- audit_log is the hash chain itself. seq is assigned by the log (from
-- audit_head), never by the database, so that it is contiguous from 1.
CREATE TABLE audit_log (
	seq         BIGINT PRIMARY KEY,
	id          UUID NOT NULL UNIQUE,
	at          TIMESTAMPTZ NOT NULL,
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

-- audit_head holds the last entry's seq and hash. Every append locks it
-- (SELECT … FOR UPDATE) and updates it in the appending transaction, so
-- appends from every node form one chain.
CREATE TABLE audit_head (
	id        INTEGER PRIMARY KEY CHECK (id = 1),
	last_seq  BIGINT NOT NULL,
	last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The application never changes or removes an entry; this trigger stops a
-- bug or an injected statement from doing so. Someone who can drop it can
-- still tamper, which Verify detects.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- +goose Down
DROP TABLE audit_head;
DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
