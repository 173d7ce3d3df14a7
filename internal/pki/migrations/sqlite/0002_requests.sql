-- +goose Up
-- Certificate requests that wait for a person's decision: officer
-- certificates, which an administrator of the officer's agency approves or
-- rejects. The subject (pinfl, names, organization) is what the identity
-- register and the agency register said when the request came; csr is the
-- PKCS#10 request in DER; serial is the certificate issued on approval.
CREATE TABLE pki_requests (
	id           TEXT PRIMARY KEY,
	owner        TEXT NOT NULL,
	profile      TEXT NOT NULL,
	pinfl        TEXT NOT NULL,
	given_name   TEXT NOT NULL,
	surname      TEXT NOT NULL,
	organization TEXT NOT NULL,
	agency       TEXT NOT NULL,
	csr          BLOB NOT NULL,
	state        TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected')),
	created_at   TIMESTAMP NOT NULL,
	decided_by   TEXT NOT NULL DEFAULT '',
	decided_at   TIMESTAMP,
	reason       TEXT NOT NULL DEFAULT '',
	serial       TEXT REFERENCES pki_certificates(serial)
);
CREATE INDEX pki_requests_agency ON pki_requests (agency, state, created_at);
CREATE INDEX pki_requests_owner ON pki_requests (owner, created_at);
CREATE UNIQUE INDEX pki_requests_serial ON pki_requests (serial);

-- +goose Down
DROP TABLE pki_requests;
