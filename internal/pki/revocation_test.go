package pki_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"golang.org/x/crypto/ocsp"
)

const issuingName = "egov-test-issuing-ca-1"

func parseCRL(t *testing.T, der []byte, issuer *x509.Certificate) *x509.RevocationList {
	t.Helper()
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(issuer); err != nil {
		t.Fatalf("CRL signature: %v", err)
	}
	return crl
}

func TestCRL(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		issuing, root := e.chain(t)
		c, x := e.issuePerson(t, p256(t))

		first, err := e.svc.CRL(ctx, issuingName)
		if err != nil {
			t.Fatal(err)
		}
		crl := parseCRL(t, first, issuing)
		if len(crl.RevokedCertificateEntries) != 0 || crl.Number.Int64() != 1 || crl.NextUpdate.Sub(crl.ThisUpdate) != pki.DefaultCRLValidity {
			t.Errorf("first CRL: %d entries, number %v, %v to %v", len(crl.RevokedCertificateEntries), crl.Number, crl.ThisUpdate, crl.NextUpdate)
		}
		if again, _ := e.svc.CRL(ctx, issuingName); !bytes.Equal(again, first) {
			t.Error("an unchanged CRL was signed again")
		}

		e.clock.Advance(time.Minute)
		if _, err := e.svc.Revoke(ctx, "admin", c.Serial, pki.ReasonKeyCompromise); err != nil {
			t.Fatal(err)
		}
		// Another node sees the revocation at once.
		der, err := e.node(t).CRL(ctx, issuingName)
		if err != nil {
			t.Fatal(err)
		}
		crl = parseCRL(t, der, issuing)
		if crl.Number.Int64() != 2 || len(crl.RevokedCertificateEntries) != 1 {
			t.Fatalf("after revocation: number %v, %d entries", crl.Number, len(crl.RevokedCertificateEntries))
		}
		entry := crl.RevokedCertificateEntries[0]
		if entry.SerialNumber.Cmp(x.SerialNumber) != 0 || entry.ReasonCode != int(pki.ReasonKeyCompromise) ||
			!entry.RevocationTime.Equal(e.clock.Now().Truncate(time.Second)) {
			t.Errorf("entry = %+v", entry)
		}

		// Near its nextUpdate the CRL is replaced.
		e.clock.Advance(pki.DefaultCRLValidity * 4 / 5)
		der, _ = e.svc.CRL(ctx, issuingName)
		if crl = parseCRL(t, der, issuing); crl.Number.Int64() != 3 {
			t.Errorf("late CRL number = %v, want 3", crl.Number)
		}

		// The root's CRL was signed when the issuing CA was made.
		der, err = e.svc.CRL(ctx, "egov-test-root-ca")
		if err != nil {
			t.Fatal(err)
		}
		if rc := parseCRL(t, der, root); rc.NextUpdate.Before(e.clock.Now().Add(300 * 24 * time.Hour)) {
			t.Errorf("root CRL runs out at %v", rc.NextUpdate)
		}
		if err := e.svc.RenewRootCRL(ctx, "operator", e.root); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CRL(ctx, "nobody"); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("unknown CA: %v", err)
		}
	})
}

// ocspAsk asks svc about cert with the hash h and parses the answer,
// checking its signature.
func ocspAsk(t *testing.T, svc *pki.Service, cert, issuer *x509.Certificate, h crypto.Hash) (*ocsp.Response, pki.OCSPResponse) {
	t.Helper()
	req, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: h})
	if err != nil {
		t.Fatal(err)
	}
	r, err := svc.OCSP(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ocsp.ParseResponseForCert(r.DER, cert, issuer)
	if err != nil {
		t.Fatalf("parse OCSP response: %v", err)
	}
	return resp, r
}

func TestOCSP(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		issuing, root := e.chain(t)
		c, x := e.issuePerson(t, p256(t))
		other := e.node(t)

		for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
			resp, raw := ocspAsk(t, e.svc, x, issuing, h)
			if resp.Status != ocsp.Good || resp.SerialNumber.Cmp(x.SerialNumber) != 0 || resp.IssuerHash != h {
				t.Errorf("%v: status %d serial %v hash %v", h, resp.Status, resp.SerialNumber, resp.IssuerHash)
			}
			if resp.NextUpdate.Sub(resp.ThisUpdate) != pki.DefaultOCSPValidity || !raw.NextUpdate.Equal(resp.NextUpdate) {
				t.Errorf("%v: valid %v to %v", h, resp.ThisUpdate, resp.NextUpdate)
			}
			// Signed by the delegated responder, certified by the issuing CA.
			if resp.Certificate == nil || resp.Certificate.CheckSignatureFrom(issuing) != nil {
				t.Fatalf("%v: responder certificate not from the issuing CA", h)
			}
			if _, err := resp.Certificate.Verify(x509.VerifyOptions{Roots: pool(root), Intermediates: pool(issuing),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}}); err != nil {
				t.Errorf("responder chain: %v", err)
			}
		}
		// Kept: the same answer again, on both nodes.
		_, a := ocspAsk(t, e.svc, x, issuing, crypto.SHA256)
		e.clock.Advance(time.Second)
		_, b := ocspAsk(t, e.svc, x, issuing, crypto.SHA256)
		_, onOther := ocspAsk(t, other, x, issuing, crypto.SHA256)
		if !bytes.Equal(a.DER, b.DER) {
			t.Error("a kept answer was signed again")
		}

		e.clock.Advance(time.Minute)
		if _, err := e.svc.Revoke(ctx, "admin", c.Serial, pki.ReasonSuperseded); err != nil {
			t.Fatal(err)
		}
		resp, _ := ocspAsk(t, e.svc, x, issuing, crypto.SHA256)
		if resp.Status != ocsp.Revoked || resp.RevocationReason != int(pki.ReasonSuperseded) || !resp.RevokedAt.Equal(e.clock.Now().Truncate(time.Second)) {
			t.Errorf("after revocation: status %d reason %d at %v", resp.Status, resp.RevocationReason, resp.RevokedAt)
		}
		// The other node drops its kept answer within a second.
		e.clock.Advance(time.Second)
		if resp, again := ocspAsk(t, other, x, issuing, crypto.SHA256); resp.Status != ocsp.Revoked || bytes.Equal(again.DER, onOther.DER) {
			t.Errorf("other node: status %d", resp.Status)
		}

		// Unknown serial: unknown.
		stranger := *x
		stranger.SerialNumber = new(big.Int).Lsh(x.SerialNumber, 1)
		if resp, _ := ocspAsk(t, e.svc, &stranger, issuing, crypto.SHA256); resp.Status != ocsp.Unknown {
			t.Errorf("unknown serial: status %d", resp.Status)
		}
	})
}

func TestOCSPErrorAnswers(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	issuing, root := e.chain(t)
	_, x := e.issuePerson(t, p256(t))
	r, err := e.svc.OCSP(ctx, []byte("not a request"))
	if err != nil || !bytes.Equal(r.DER, ocsp.MalformedRequestErrorResponse) || !r.NextUpdate.IsZero() {
		t.Errorf("malformed: %x, %v", r.DER, err)
	}
	// Asking the issuing CA's key as if the root had issued the
	// certificate: not ours to answer.
	req, _ := ocsp.CreateRequest(x, root, nil)
	if r, err := e.svc.OCSP(ctx, req); err != nil || !bytes.Equal(r.DER, ocsp.UnauthorizedErrorResponse) {
		t.Errorf("other issuer: %x, %v", r.DER, err)
	}
	der, err := e.svc.OCSPFor(ctx, x, issuing)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := ocsp.ParseResponseForCert(der, x, issuing); err != nil || resp.Status != ocsp.Good {
		t.Errorf("OCSPFor: %v", err)
	}
}
