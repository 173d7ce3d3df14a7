-- +goose Up
-- API keys by which a member's own information systems authenticate to
-- the member's consumer gateway (bus.APIKeys). Each is bound to one
-- subsystem; only the SHA-256 of the key is kept, so a stolen database
-- does not give working keys. Revoked keys stay for the record.
CREATE TABLE bus_api_keys (
	id          TEXT PRIMARY KEY,
	client_id   TEXT NOT NULL,
	label       TEXT NOT NULL,
	key_hash    BYTEA NOT NULL UNIQUE,
	created_at  TIMESTAMPTZ NOT NULL,
	created_by  TEXT NOT NULL,
	revoked_at  TIMESTAMPTZ
);
CREATE INDEX bus_api_keys_client ON bus_api_keys (client_id, created_at);

-- +goose Down
DROP TABLE bus_api_keys;
