package pki_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

var (
	oidOCSPNoCheck = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidEKU         = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidOrgID       = asn1.ObjectIdentifier{2, 5, 4, 97}
	oidGivenName   = asn1.ObjectIdentifier{2, 5, 4, 42}
)

// nameValue returns the value of attribute id in n.
func nameValue(n pkix.Name, id asn1.ObjectIdentifier) string {
	for _, atv := range n.Names {
		if atv.Type.Equal(id) {
			s, _ := atv.Value.(string)
			return s
		}
	}
	return ""
}

func TestIssueProfiles(t *testing.T) {
	rsaKey, _ := rsaKeys(t)
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		issuing, root := e.chain(t)
		tests := []struct {
			name    string
			profile pki.Profile
			subject pki.Subject
			request pkix.Name
			key     crypto.Signer
			eku     []x509.ExtKeyUsage
			check   func(t *testing.T, c *x509.Certificate)
		}{
			{name: "person P-256", profile: pki.ProfilePerson, subject: person, request: personName(person.PINFL), key: p256(t),
				eku: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth},
				check: func(t *testing.T, c *x509.Certificate) {
					if c.Subject.SerialNumber != person.PINFL || c.Subject.CommonName != "Navoiy Alisher" || nameValue(c.Subject, oidGivenName) != "Alisher" {
						t.Errorf("subject = %v", c.Subject)
					}
					if got := pki.NameText(c.Subject); got != "GN=Alisher, SN=Navoiy, SERIALNUMBER=31705900000017, CN=Navoiy Alisher, C=UZ" {
						t.Errorf("subject text = %q", got)
					}
					if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
						t.Errorf("key usage = %b", c.KeyUsage)
					}
				}},
			{name: "person Ed25519", profile: pki.ProfilePerson, subject: person, request: personName(person.PINFL), key: ed(t),
				eku: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth}},
			{name: "legal RSA-3072", profile: pki.ProfileLegal,
				subject: pki.Subject{PINFL: person.PINFL, GivenName: "Alisher", Surname: "Navoiy", STIR: "301234567", Organization: "Navoiy MChJ"},
				request: pkix.Name{SerialNumber: person.PINFL, ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrgID, Value: "NTRUZ-301234567"}}},
				key:     rsaKey, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth},
				check: func(t *testing.T, c *x509.Certificate) {
					if nameValue(c.Subject, oidOrgID) != "NTRUZ-301234567" || c.Subject.Organization[0] != "Navoiy MChJ" || c.Subject.SerialNumber != person.PINFL {
						t.Errorf("subject = %v", c.Subject)
					}
				}},
			{name: "officer", profile: pki.ProfileOfficer,
				subject: pki.Subject{PINFL: person.PINFL, GivenName: "Alisher", Surname: "Navoiy", Organization: "Adliya vazirligi"},
				request: personName(person.PINFL), key: p256(t), eku: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection, x509.ExtKeyUsageClientAuth}},
			{name: "gateway auth", profile: pki.ProfileGatewayAuth,
				subject: pki.Subject{System: "soliq-gateway", Organization: "Soliq qoʻmitasi", DNSNames: []string{"gw.soliq.uz"}},
				request: pkix.Name{CommonName: "soliq-gateway"}, key: rsaKey, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
				check: func(t *testing.T, c *x509.Certificate) {
					if !slices.Equal(c.DNSNames, []string{"gw.soliq.uz"}) || c.KeyUsage&x509.KeyUsageKeyEncipherment == 0 {
						t.Errorf("DNS names %v, key usage %b", c.DNSNames, c.KeyUsage)
					}
				}},
			{name: "gateway sign", profile: pki.ProfileGatewaySign,
				subject: pki.Subject{System: "soliq-gateway", Organization: "Soliq qoʻmitasi"},
				request: pkix.Name{CommonName: "soliq-gateway"}, key: p256(t), eku: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}},
		}
		serials := map[string]bool{}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c, err := e.svc.Issue(ctx, pki.IssueRequest{Profile: tt.profile, Subject: tt.subject, CSR: csr(t, tt.key, tt.request),
					Owner: "user-1", Actor: "admin"})
				if err != nil {
					t.Fatal(err)
				}
				x, err := c.X509()
				if err != nil {
					t.Fatal(err)
				}
				if serials[c.Serial] || x.SerialNumber.BitLen() < 128 {
					t.Errorf("serial %s reused or short (%d bits)", c.Serial, x.SerialNumber.BitLen())
				}
				serials[c.Serial] = true
				if _, err := x.Verify(x509.VerifyOptions{Roots: pool(root), Intermediates: pool(issuing), KeyUsages: tt.eku}); err != nil {
					t.Errorf("chain: %v", err)
				}
				if !slices.Equal(x.ExtKeyUsage, tt.eku) || x.IsCA {
					t.Errorf("EKU %v, CA %v", x.ExtKeyUsage, x.IsCA)
				}
				if got := x.NotAfter.Sub(x.NotBefore); got != pki.DefaultEndEntityValidity {
					t.Errorf("validity %v", got)
				}
				if !slices.Equal(x.OCSPServer, []string{"https://egov.test/pki/ocsp"}) ||
					!slices.Equal(x.IssuingCertificateURL, []string{"https://egov.test/pki/ca/egov-test-issuing-ca-1.crt"}) ||
					!slices.Equal(x.CRLDistributionPoints, []string{"https://egov.test/pki/crl/egov-test-issuing-ca-1.crl"}) {
					t.Errorf("URLs: %v %v %v", x.OCSPServer, x.IssuingCertificateURL, x.CRLDistributionPoints)
				}
				if tt.check != nil {
					tt.check(t, x)
				}
				got, err := e.svc.FindCertificate(ctx, x.SerialNumber.Text(16))
				if err != nil || got.Profile != tt.profile || got.StatusAt(e.clock.Now()) != pki.StatusGood || got.Subject != pki.NameText(x.Subject) {
					t.Errorf("stored = %+v, %v", got, err)
				}
				objType, objID := "certificate", c.Serial
				entries, _, err := e.audit.List(ctx, audit.Filter{ObjectType: &objType, ObjectID: &objID})
				if err != nil || len(entries) != 1 || entries[0].Action != "pki.certificate.issued" || entries[0].Actor != "admin" {
					t.Errorf("audit = %+v, %v", entries, err)
				}
			})
		}
		owner := "user-1"
		list, err := e.svc.FindCertificates(ctx, pki.CertificateFilter{Owner: &owner})
		if err != nil || len(list) != len(tests) {
			t.Errorf("owner's certificates: %d, %v", len(list), err)
		}
	})
}

func TestServiceCertificates(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	issuing, _ := e.chain(t)
	tests := []struct {
		profile  pki.Profile
		eku      []x509.ExtKeyUsage
		critical bool
		nocheck  bool
	}{
		{profile: pki.ProfileOCSP, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageOCSPSigning}, nocheck: true},
		{profile: pki.ProfileTSA, eku: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, critical: true},
	}
	for _, tt := range tests {
		p := tt.profile
		list, err := e.svc.FindCertificates(ctx, pki.CertificateFilter{Profile: &p})
		if err != nil || len(list) != 1 {
			t.Fatalf("%s certificates: %d, %v", p, len(list), err)
		}
		x, _ := list[0].X509()
		if err := x.CheckSignatureFrom(issuing); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		if !slices.Equal(x.ExtKeyUsage, tt.eku) {
			t.Errorf("%s EKU = %v", p, x.ExtKeyUsage)
		}
		if _, critical := hasOID(x.Extensions, oidEKU); critical != tt.critical {
			t.Errorf("%s EKU critical = %v", p, critical)
		}
		if nocheck, _ := hasOID(x.Extensions, oidOCSPNoCheck); nocheck != tt.nocheck {
			t.Errorf("%s ocsp-nocheck = %v", p, nocheck)
		}
	}

	// A month before the end, the next load renews them.
	e.clock.Advance(pki.DefaultServiceValidity - 29*24*time.Hour)
	if _, err := e.svc.CRL(ctx, "egov-test-issuing-ca-1"); err != nil {
		t.Fatal(err)
	}
	p := pki.ProfileOCSP
	if list, err := e.svc.FindCertificates(ctx, pki.CertificateFilter{Profile: &p}); err != nil || len(list) != 2 {
		t.Errorf("after renewal: %d responder certificates, %v", len(list), err)
	}
}

func TestIssueRefusesBadRequests(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	_, rsaSmall := rsaKeys(t)
	good := csr(t, p256(t), personName(person.PINFL))
	tampered := append([]byte(nil), good...)
	tampered[len(tampered)-5] ^= 0xff
	tests := []struct {
		name    string
		req     pki.IssueRequest
		code    string
		message string
		field   string
	}{
		{name: "garbage", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: []byte("hello")},
			code: apperr.EINVALID, message: pki.MsgCSRMalformed},
		{name: "PEM of a certificate", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person,
			CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: good})}, code: apperr.EINVALID, message: pki.MsgCSRMalformed},
		{name: "bad signature", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: tampered},
			code: apperr.EINVALID, message: pki.MsgCSRSignature},
		{name: "RSA-2048", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, rsaSmall, personName(person.PINFL))},
			code: apperr.EINVALID, message: pki.MsgKeyRSATooSmall},
		{name: "someone else's PINFL", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, p256(t), personName("41505900000011"))},
			code: apperr.EINVALID, message: pki.MsgSubjectMismatch},
		{name: "no PINFL", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, p256(t), pkix.Name{CommonName: "Navoiy Alisher"})},
			code: apperr.EINVALID, message: pki.MsgSubjectMismatch},
		{name: "two PINFLs", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, p256(t), pkix.Name{SerialNumber: person.PINFL,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: "41505900000011"}}})},
			code: apperr.EINVALID, message: pki.MsgSubjectMismatch},
		{name: "organisation for a person", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, p256(t), pkix.Name{SerialNumber: person.PINFL,
			ExtraNames: []pkix.AttributeTypeAndValue{{Type: oidOrgID, Value: "NTRUZ-301234567"}}})}, code: apperr.EINVALID, message: pki.MsgSubjectMismatch},
		{name: "gateway of another system", req: pki.IssueRequest{Profile: pki.ProfileGatewaySign, Subject: pki.Subject{System: "a", Organization: "b"},
			CSR: csr(t, p256(t), pkix.Name{CommonName: "other"})}, code: apperr.EINVALID, message: pki.MsgSubjectMismatch},
		{name: "bad PINFL", req: pki.IssueRequest{Profile: pki.ProfilePerson, Subject: pki.Subject{PINFL: "123", GivenName: "A", Surname: "B"}, CSR: good},
			code: apperr.EINVALID, field: "pinfl"},
		{name: "legal without STIR", req: pki.IssueRequest{Profile: pki.ProfileLegal, Subject: pki.Subject{PINFL: person.PINFL, GivenName: "A", Surname: "B", Organization: "X"}, CSR: good},
			code: apperr.EINVALID, field: "stir"},
		{name: "TSA profile", req: pki.IssueRequest{Profile: pki.ProfileTSA, Subject: pki.Subject{System: "tsa"}, CSR: good},
			code: apperr.EINVALID, message: pki.MsgProfileInternal},
		{name: "unknown profile", req: pki.IssueRequest{Profile: "root", Subject: person, CSR: good},
			code: apperr.EINVALID, message: pki.MsgProfileUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.svc.Issue(ctx, tt.req)
			ae := apperr.As(err)
			if ae == nil || ae.Code != tt.code {
				t.Fatalf("err = %v, want code %s", err, tt.code)
			}
			if tt.message != "" && ae.Message != tt.message {
				t.Errorf("message = %q, want %q", ae.Message, tt.message)
			}
			if tt.field != "" && ae.Fields[tt.field] == "" {
				t.Errorf("fields = %v, want %s", ae.Fields, tt.field)
			}
		})
	}
	if list, _ := e.svc.FindCertificates(ctx, pki.CertificateFilter{PINFL: &person.PINFL}); len(list) != 0 {
		t.Errorf("refused requests stored %d certificates", len(list))
	}
}

func TestRevoke(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ctx := context.Background()
		c, _ := e.issuePerson(t, p256(t))
		e.clock.Advance(time.Hour)
		if _, err := e.svc.Revoke(ctx, "user-1", c.Serial, pki.Reason(6)); apperr.As(err) == nil || apperr.As(err).Message != pki.MsgReason {
			t.Errorf("certificateHold: %v", err)
		}
		got, err := e.svc.Revoke(ctx, "user-1", c.Serial, pki.ReasonKeyCompromise)
		if err != nil {
			t.Fatal(err)
		}
		if got.RevokedAt == nil || !got.RevokedAt.Equal(e.clock.Now().Truncate(time.Second)) || got.Reason != pki.ReasonKeyCompromise {
			t.Errorf("revoked = %v %v", got.RevokedAt, got.Reason)
		}
		if got.StatusAt(e.clock.Now().Add(-2*time.Second)) != pki.StatusGood || got.StatusAt(e.clock.Now()) != pki.StatusRevoked {
			t.Errorf("status before/after revocation wrong")
		}
		if _, err := e.svc.Revoke(ctx, "user-1", c.Serial, pki.ReasonSuperseded); apperr.Code(err) != apperr.ECONFLICT {
			t.Errorf("second revocation: %v", err)
		}
		if _, err := e.svc.Revoke(ctx, "user-1", "abc123", pki.ReasonSuperseded); apperr.Code(err) != apperr.ENOTFOUND {
			t.Errorf("unknown serial: %v", err)
		}
		if _, err := e.svc.Revoke(ctx, "user-1", "not hex", pki.ReasonSuperseded); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("bad serial: %v", err)
		}
		objType := "certificate"
		entries, _, _ := e.audit.List(ctx, audit.Filter{ObjectType: &objType, ObjectID: &c.Serial})
		if len(entries) != 2 || entries[0].Action != "pki.certificate.revoked" || entries[0].Details["reason"] != "key_compromise" {
			t.Errorf("audit = %+v", entries)
		}
	})
}

func TestParseReason(t *testing.T) {
	for _, r := range []pki.Reason{pki.ReasonUnspecified, pki.ReasonKeyCompromise, pki.ReasonAffiliationChanged, pki.ReasonPrivilegeWithdrawn} {
		got, err := pki.ParseReason(r.String())
		if err != nil || got != r {
			t.Errorf("ParseReason(%q) = %v, %v", r.String(), got, err)
		}
	}
	if _, err := pki.ParseReason("certificate_hold"); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("hold: %v", err)
	}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestWrongKeySecretCannotSign(t *testing.T) {
	e := sqliteEnv(t)
	cfg := e.cfg
	cfg.KeySecret = []byte("another secret of at least 32 bytes")
	other, err := pki.New(e.db, e.clock, e.audit, slog.New(slog.NewTextHandler(io.Discard, nil)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = other.Issue(context.Background(), pki.IssueRequest{Profile: pki.ProfilePerson, Subject: person, CSR: csr(t, p256(t), personName(person.PINFL))})
	if err == nil || apperr.Code(err) != apperr.EINTERNAL {
		t.Errorf("issued with the wrong key secret: %v", err)
	}
}

func TestRootFileAndSecondCA(t *testing.T) {
	e := sqliteEnv(t)
	ctx := context.Background()
	file, err := e.root.Marshal("root-parol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pki.ParseRoot(file, "wrong"); apperr.As(err) == nil || apperr.As(err).Message != pki.MsgRootFile {
		t.Errorf("wrong password: %v", err)
	}
	root, err := pki.ParseRoot(file, "root-parol")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateIssuingCA(ctx, "operator", root, "egov Test Issuing CA 1", ""); apperr.As(err) == nil || apperr.As(err).Message != pki.MsgCAExists {
		t.Errorf("same name: %v", err)
	}
	stranger, _ := pki.GenerateRoot("egov Test Root CA", e.clock.Now(), 0)
	if _, err := e.svc.CreateIssuingCA(ctx, "operator", stranger, "egov Test Issuing CA 3", ""); apperr.As(err) == nil || apperr.As(err).Message != pki.MsgRootMismatch {
		t.Errorf("another root: %v", err)
	}
	ca, err := e.svc.CreateIssuingCA(ctx, "operator", root, "egov Test Issuing CA 2", "egov")
	if err != nil {
		t.Fatal(err)
	}
	// The new CA issues from now on.
	_, x := e.issuePerson(t, p256(t))
	if x.Issuer.CommonName != "egov Test Issuing CA 2" || x.CheckSignatureFrom(ca.Cert) != nil {
		t.Errorf("issued by %s", x.Issuer)
	}
	cas, err := e.svc.Authorities(ctx)
	byName := map[string]pki.CA{}
	for _, c := range cas {
		byName[c.Name] = c
	}
	if err != nil || len(cas) != 3 || byName["egov-test-issuing-ca-1"].Active || !byName["egov-test-issuing-ca-2"].Active || !byName["egov-test-root-ca"].Root {
		t.Errorf("authorities = %+v, %v", cas, err)
	}
}
