package tsp_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki/tsp"
)

var policy = asn1.ObjectIdentifier{2, 999, 3161, 1}

// authority makes a TSA with a self-signed certificate whose extended key
// usage is timeStamping, critical when critical is set.
func authority(t testing.TB, critical bool) *tsp.Authority {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	eku, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "test TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: eku}}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	now := time.Date(2026, 5, 9, 10, 0, 0, 0, time.UTC)
	return &tsp.Authority{Key: key, Cert: cert, Policy: policy, Now: func() time.Time { return now }}
}

// ask sends req to a and parses the answer.
func ask(t *testing.T, a *tsp.Authority, req *tsp.Request) *tsp.Response {
	t.Helper()
	der, err := req.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	out, err := a.Respond(der)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := tsp.ParseResponse(out)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestGranted(t *testing.T) {
	a := authority(t, true)
	data := []byte("hujjat matni")
	sum := sha256.Sum256(data)
	serials := map[string]bool{}
	for _, certReq := range []bool{true, false} {
		req, err := tsp.NewRequest(crypto.SHA256, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		req.CertReq, req.Policy = certReq, policy
		resp := ask(t, a, req)
		if resp.Status != tsp.StatusGranted || resp.FailInfo != -1 || resp.Token == nil {
			t.Fatalf("status %d fail %d", resp.Status, resp.FailInfo)
		}
		tok, err := tsp.ParseToken(resp.Token)
		if err != nil {
			t.Fatal(err)
		}
		if tok.Info.Nonce.Cmp(req.Nonce) != 0 || !tok.Info.Policy.Equal(policy) || tok.Info.Accuracy != time.Second ||
			!tok.Info.Time.Equal(a.Now()) || tok.Info.SerialNumber.BitLen() < 128 {
			t.Errorf("info = %+v", tok.Info)
		}
		serials[tok.Info.SerialNumber.String()] = true
		if got := len(tok.SignedData.Certificates); got != map[bool]int{true: 1, false: 0}[certReq] {
			t.Errorf("certReq %v: %d certificates in the token", certReq, got)
		}
		var extra []*x509.Certificate
		if !certReq {
			if _, err := tok.Verify(nil); !errors.Is(err, tsp.ErrNoSigner) {
				t.Errorf("without the certificate: %v", err)
			}
			extra = []*x509.Certificate{a.Cert}
		}
		if cert, err := tok.Verify(extra); err != nil || !cert.Equal(a.Cert) {
			t.Errorf("verify: %v", err)
		}
		if err := tok.Covers(data); err != nil {
			t.Error(err)
		}
		if err := tok.Covers([]byte("boshqa")); !errors.Is(err, tsp.ErrImprint) {
			t.Errorf("other data: %v", err)
		}
	}
	if len(serials) != 2 {
		t.Error("serial numbers repeat")
	}
}

func TestRejected(t *testing.T) {
	a := authority(t, true)
	sum := sha256.Sum256([]byte("x"))
	sha1Sum := sha1.Sum([]byte("x"))
	good := func() *tsp.Request { r, _ := tsp.NewRequest(crypto.SHA256, sum[:]); return r }
	tests := []struct {
		name string
		req  func() *tsp.Request
		fail int
	}{
		{"SHA-1", func() *tsp.Request {
			r := good()
			r.HashOID, r.HashedMessage = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, sha1Sum[:]
			return r
		}, tsp.FailBadAlg},
		{"short digest", func() *tsp.Request { r := good(); r.HashedMessage = sum[:10]; return r }, tsp.FailBadAlg},
		{"other policy", func() *tsp.Request { r := good(); r.Policy = asn1.ObjectIdentifier{1, 2, 3}; return r }, tsp.FailUnacceptedPolicy},
		{"extension", func() *tsp.Request {
			r := good()
			r.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{5, 0}}}
			return r
		}, tsp.FailUnacceptedExtension},
	}
	for _, tt := range tests {
		resp := ask(t, a, tt.req())
		if resp.Status != tsp.StatusRejection || resp.FailInfo != tt.fail || resp.Token != nil || len(resp.StatusText) != 1 {
			t.Errorf("%s: status %d fail %d text %q", tt.name, resp.Status, resp.FailInfo, resp.StatusText)
		}
	}
	out, err := a.Respond([]byte("junk"))
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := tsp.ParseResponse(out); err != nil || resp.Status != tsp.StatusRejection || resp.FailInfo != tsp.FailBadDataFormat {
		t.Errorf("junk: %+v %v", resp, err)
	}
	if resp, err := tsp.ParseResponse(tsp.SystemFailure()); err != nil || resp.FailInfo != tsp.FailSystemFailure {
		t.Errorf("system failure: %+v %v", resp, err)
	}
}

func TestVerifyRequiresCriticalTimeStamping(t *testing.T) {
	a := authority(t, false)
	sum := sha256.Sum256([]byte("x"))
	tokDER, err := a.Timestamp(crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tsp.ParseToken(tokDER)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tok.Verify(nil); !errors.Is(err, tsp.ErrNotTSA) {
		t.Errorf("non-critical EKU: %v", err)
	}
}
