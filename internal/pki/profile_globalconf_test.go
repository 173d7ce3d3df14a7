package pki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"slices"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// TestBusConfigProfile checks the certificate that signs the bus's global
// configuration: the platform's own (never issued from a request), with
// the one extended key usage gateways look for, made once and shared by
// the nodes, and replaced when revoked or near its end.
func TestBusConfigProfile(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	issuing, root := e.chain(t)

	if p, err := pki.ParseProfile("bus-config"); err != nil || p != pki.ProfileBusConfig {
		t.Errorf("ParseProfile = %q, %v", p, err)
	}
	if slices.Contains(pki.Profiles(), pki.ProfileBusConfig) {
		t.Error("a request may ask for the bus configuration profile")
	}
	_, err := e.svc.Issue(ctx, pki.IssueRequest{Profile: pki.ProfileBusConfig, Subject: pki.Subject{System: "bus"},
		CSR: csr(t, p256(t), pkix.Name{CommonName: "bus"}), Actor: "admin"})
	if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || e.Message != pki.MsgProfileInternal {
		t.Errorf("issuing from a request: %v", err)
	}

	s, err := e.svc.BusConfigSigner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := s.Cert
	if !c.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(s.Key.Public()) {
		t.Error("the key is not the certificate's")
	}
	if len(s.Chain) != 2 || !s.Chain[0].Equal(issuing) || !s.Chain[1].Equal(root) {
		t.Errorf("chain = %v", s.Chain)
	}
	if len(c.ExtKeyUsage) != 0 || len(c.UnknownExtKeyUsage) != 1 || !c.UnknownExtKeyUsage[0].Equal(pki.OIDBusConfigSigning) {
		t.Errorf("EKU = %v %v", c.ExtKeyUsage, c.UnknownExtKeyUsage)
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature || c.IsCA {
		t.Errorf("key usage = %v, CA %v", c.KeyUsage, c.IsCA)
	}
	if c.Subject.CommonName != issuing.Subject.CommonName+" Bus Configuration Signer" || len(c.OCSPServer) != 1 {
		t.Errorf("subject %q, OCSP %v", c.Subject.CommonName, c.OCSPServer)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	inter := x509.NewCertPool()
	inter.AddCert(issuing)
	if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: e.clock.Now(),
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("chain: %v", err)
	}
	st, err := e.svc.CertificateStatus(ctx, c)
	if err != nil || !st.Known || !st.RevokedAt.IsZero() {
		t.Errorf("status = %+v, %v", st, err)
	}

	// The same key on every call and on every node.
	serial := c.SerialNumber.Text(16)
	for _, svc := range []*pki.Service{e.svc, e.node(t)} {
		again, err := svc.BusConfigSigner(ctx)
		if err != nil || again.Cert.SerialNumber.Text(16) != serial {
			t.Errorf("again: %v, %v", again.Cert, err)
		}
	}

	// A revoked key is replaced.
	if _, err := e.svc.Revoke(ctx, "admin", serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	next, err := e.svc.BusConfigSigner(ctx)
	if err != nil || next.Cert.SerialNumber.Text(16) == serial {
		t.Fatalf("after revocation: %v, %v", next.Cert, err)
	}

	// So is one a month before its end.
	e.clock.Advance(pki.DefaultServiceValidity - 29*24*time.Hour)
	renewed, err := e.svc.BusConfigSigner(ctx)
	if err != nil || renewed.Cert.Equal(next.Cert) || !renewed.Cert.NotAfter.After(next.Cert.NotAfter) {
		t.Errorf("renewal: %v, %v", renewed.Cert, err)
	}
}
