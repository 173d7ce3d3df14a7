-- +goose Up
-- Local information systems may also authenticate to their consumer
-- gateway by a TLS client certificate, registered by the SHA-256 of its
-- DER in key_hash: kind tells an API key ('key') from a certificate
-- ('certificate').
ALTER TABLE bus_api_keys ADD COLUMN kind TEXT NOT NULL DEFAULT 'key';

-- +goose Down
ALTER TABLE bus_api_keys DROP COLUMN kind;
