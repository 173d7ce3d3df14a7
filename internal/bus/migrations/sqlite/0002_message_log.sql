-- +goose Up
-- The message log of the gateways (package bus/msglog): every exchange a
-- gateway passes, with the signatures of its request and response, kept
-- for non-repudiation. Records are hash-chained per gateway and
-- timestamped in batches by the TSA, after the exchange, so that exchanges
-- never wait on timestamping.

-- The end of each gateway's chain: the last record's sequence number and
-- hash. Recording locks this row, so records get consecutive numbers in
-- commit order.
CREATE TABLE bus_message_log_heads (
	gateway TEXT PRIMARY KEY,
	seq     BIGINT NOT NULL,
	hash    BLOB NOT NULL
);

-- A timestamped batch: the records first_seq..last_seq of a gateway, the
-- SHA-256 of their concatenated record hashes, and the TSA's RFC 3161
-- token over it with the time the token states.
CREATE TABLE bus_message_log_batches (
	id             TEXT PRIMARY KEY,
	gateway        TEXT NOT NULL,
	first_seq      BIGINT NOT NULL,
	last_seq       BIGINT NOT NULL,
	digest         BLOB NOT NULL,
	token          BLOB NOT NULL,
	timestamped_at TIMESTAMP NOT NULL,
	UNIQUE (gateway, first_seq)
);

-- One exchange as one gateway saw it. Hashes of messages are the
-- X-Road-Request-Hash form (base64 of SHA-512); signatures are DER CMS,
-- empty where there was none. prev_hash is the hash of the gateway's
-- previous record (empty for its first), record_hash the SHA-256 of this
-- record's content and prev_hash (see msglog.Record.Sum). batch_id is
-- NULL until the record is timestamped.
CREATE TABLE bus_message_log (
	gateway            TEXT NOT NULL,
	seq                BIGINT NOT NULL,
	query_id           TEXT NOT NULL,
	client_id          TEXT NOT NULL,
	service_id         TEXT NOT NULL,
	at                 TIMESTAMP NOT NULL,
	request_hash       TEXT NOT NULL,
	request_signature  BLOB NOT NULL,
	response_hash      TEXT NOT NULL,
	response_signature BLOB NOT NULL,
	status             INTEGER NOT NULL,
	prev_hash          BLOB NOT NULL,
	record_hash        BLOB NOT NULL,
	batch_id           TEXT REFERENCES bus_message_log_batches(id),
	PRIMARY KEY (gateway, seq)
);
CREATE INDEX bus_message_log_query ON bus_message_log (gateway, query_id);
CREATE INDEX bus_message_log_batch ON bus_message_log (batch_id);
CREATE INDEX bus_message_log_pending ON bus_message_log (gateway, seq) WHERE batch_id IS NULL;

-- +goose Down
DROP TABLE bus_message_log;
DROP TABLE bus_message_log_batches;
DROP TABLE bus_message_log_heads;
