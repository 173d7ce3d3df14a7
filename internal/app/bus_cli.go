package app

import (
	"context"
	"crypto/x509"
	"fmt"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/platform/blob"
)

// MessageLogAudit is what the message log's audit and archiving commands
// (egov bus …) and an auditor's evidence download need: the log, the
// bucket its archive files are in, and the platform's CA certificates.
type MessageLogAudit struct {
	Log    *msglog.Log
	Bucket *blob.Bucket
	// Authorities are the platform's root and issuing CA certificates, old
	// ones too: evidence bundles carry them (msglog.WriteEvidence).
	Authorities []*x509.Certificate
	// Roots are the root certificates that archive files and evidence are
	// checked against; Intermediates the issuing CAs.
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
}

// MessageLogAudit gathers the message log of the node's database with its
// bucket and the certificate authority's certificates.
func (a *App) MessageLogAudit(ctx context.Context) (*MessageLogAudit, error) {
	cas, err := a.PKI.Authorities(ctx)
	if err != nil {
		return nil, fmt.Errorf("message log audit: %w", err)
	}
	m := &MessageLogAudit{Log: a.MessageLog, Bucket: a.Blob, Roots: x509.NewCertPool()}
	for _, ca := range cas {
		m.Authorities = append(m.Authorities, ca.Cert)
		if ca.Root {
			m.Roots.AddCert(ca.Cert)
		} else {
			m.Intermediates = append(m.Intermediates, ca.Cert)
		}
	}
	return m, nil
}
