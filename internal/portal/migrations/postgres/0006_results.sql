-- +goose Up
-- The result document of an application: a PDF and its detached CAdES
-- signature in blob storage under pdf_key and sig_key. code is the
-- unguessable part of the verification address the document's QR code
-- holds; sha256 is the PDF's.
CREATE TABLE portal_results (
	application_id TEXT PRIMARY KEY REFERENCES portal_applications(id),
	code           TEXT NOT NULL UNIQUE,
	pdf_key        TEXT NOT NULL,
	sig_key        TEXT NOT NULL,
	sha256         TEXT NOT NULL,
	signer         TEXT NOT NULL,
	issued_at      TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE portal_results;
