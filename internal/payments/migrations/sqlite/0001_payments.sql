-- +goose Up
-- Invoices for the fees of state services: one per caller's reference (an
-- application), in tiyin, paid once through a payment gateway.
CREATE TABLE payments_invoices (
	id           TEXT PRIMARY KEY,
	reference    TEXT NOT NULL UNIQUE,
	payer_id     TEXT NOT NULL,
	description  TEXT NOT NULL,
	amount       BIGINT NOT NULL CHECK (amount > 0),
	currency     TEXT NOT NULL CHECK (currency = 'UZS'),
	status       TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'cancelled')),
	provider     TEXT NOT NULL DEFAULT '',
	provider_txn TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	paid_at      TIMESTAMP
);
CREATE INDEX payments_invoices_payer ON payments_invoices (payer_id, created_at);
-- A gateway's transaction pays at most one invoice.
CREATE UNIQUE INDEX payments_invoices_txn ON payments_invoices (provider, provider_txn) WHERE provider_txn <> '';

-- Every callback a gateway sent, accepted or rejected with the reason, so
-- that operators see forged, wrong and replayed notifications.
CREATE TABLE payments_callbacks (
	id           TEXT PRIMARY KEY,
	provider     TEXT NOT NULL,
	invoice_id   TEXT NOT NULL,
	provider_txn TEXT NOT NULL,
	amount       BIGINT NOT NULL,
	outcome      TEXT NOT NULL CHECK (outcome IN ('paid', 'duplicate', 'rejected')),
	reason       TEXT NOT NULL,
	request_id   TEXT NOT NULL,
	remote_addr  TEXT NOT NULL,
	received_at  TIMESTAMP NOT NULL
);
CREATE INDEX payments_callbacks_received ON payments_callbacks (received_at);
CREATE INDEX payments_callbacks_invoice ON payments_callbacks (invoice_id, received_at);

-- +goose Down
DROP TABLE payments_callbacks;
DROP TABLE payments_invoices;
