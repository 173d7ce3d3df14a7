-- +goose Up
-- Certificate authorities whose certificates the platform publishes: the root,
-- whose key the operator keeps offline (key_sealed is NULL), and issuing CAs,
-- whose key is sealed with the configured secret. name is the slug in the
-- published URLs (/pki/ca/<name>.crt, /pki/crl/<name>.crl).
CREATE TABLE pki_authorities (
	name       TEXT PRIMARY KEY,
	kind       TEXT NOT NULL CHECK (kind IN ('root', 'issuing')),
	parent     TEXT REFERENCES pki_authorities(name),
	cert       BLOB NOT NULL,
	key_sealed BLOB,
	active     INTEGER NOT NULL DEFAULT 0, -- the issuing CA that issues now
	crl_number INTEGER NOT NULL DEFAULT 0, -- last CRL number used
	revocations INTEGER NOT NULL DEFAULT 0, -- certificates revoked so far
	created_at TIMESTAMP NOT NULL
);

-- Every certificate an issuing CA has issued, with its revocation. serial is
-- lowercase hex and unique across all CAs. key_sealed holds the key of the
-- platform's own service certificates (OCSP responder, TSA) only.
CREATE TABLE pki_certificates (
	serial            TEXT PRIMARY KEY,
	issuer            TEXT NOT NULL REFERENCES pki_authorities(name),
	profile           TEXT NOT NULL,
	owner             TEXT NOT NULL DEFAULT '',
	pinfl             TEXT NOT NULL DEFAULT '',
	stir              TEXT NOT NULL DEFAULT '',
	subject           TEXT NOT NULL,
	not_before        TIMESTAMP NOT NULL,
	not_after         TIMESTAMP NOT NULL,
	cert              BLOB NOT NULL,
	key_sealed        BLOB,
	issued_at         TIMESTAMP NOT NULL,
	issued_by         TEXT NOT NULL,
	revoked_at        TIMESTAMP,
	revocation_reason INTEGER CHECK (revocation_reason BETWEEN 0 AND 10)
);
CREATE INDEX pki_certificates_owner ON pki_certificates (owner);
CREATE INDEX pki_certificates_pinfl ON pki_certificates (pinfl);
CREATE INDEX pki_certificates_profile ON pki_certificates (issuer, profile, not_after);
CREATE INDEX pki_certificates_revoked ON pki_certificates (issuer, revoked_at);

-- Signed CRLs, the newest only. A CRL is signed afresh when it nears its
-- nextUpdate or when its CA's revocations counter has moved past the one
-- it was signed at.
CREATE TABLE pki_crls (
	issuer      TEXT NOT NULL REFERENCES pki_authorities(name),
	number      INTEGER NOT NULL,
	this_update TIMESTAMP NOT NULL,
	revocations INTEGER NOT NULL,
	next_update TIMESTAMP NOT NULL,
	der         BLOB NOT NULL,
	PRIMARY KEY (issuer, number)
);

-- +goose Down
DROP TABLE pki_crls;
DROP TABLE pki_certificates;
DROP TABLE pki_authorities;
