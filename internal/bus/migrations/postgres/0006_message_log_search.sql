-- +goose Up
-- Searching the message log from the operations pages (msglog.Log.Search):
-- newest first over all gateways, within a time range, and by query ID
-- without knowing the gateway. The traffic counts read the same time
-- index.
CREATE INDEX bus_message_log_at ON bus_message_log (at, gateway, seq);
CREATE INDEX bus_message_log_query_id ON bus_message_log (query_id);

-- +goose Down
DROP INDEX bus_message_log_query_id;
DROP INDEX bus_message_log_at;
