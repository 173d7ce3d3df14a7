package cms_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
)

// selfSigned makes a certificate for key.
func selfSigned(t testing.TB, key crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "signer"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

func keys(t testing.TB) map[string]crypto.Signer {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	r, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	return map[string]crypto.Signer{"P-256": ec, "P-384": ec384, "RSA": r, "Ed25519": ed}
}

func TestSignParseVerify(t *testing.T) {
	content := []byte("Ariza: fuqarolik pasporti")
	signedAt := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	for name, key := range keys(t) {
		t.Run(name, func(t *testing.T) {
			cert := selfSigned(t, key)
			for _, detached := range []bool{true, false} {
				sd, err := cms.Sign(content, cms.Signer{Key: key, Cert: cert}, cms.SignOptions{Detached: detached,
					Attributes: []cms.Attribute{cms.SigningTimeAttr(signedAt), cms.SigningCertificateV2Attr(cert)}})
				if err != nil {
					t.Fatal(err)
				}
				sd.Signers[0].AddUnsignedAttr(cms.OIDAttrTimeStampToken, []byte{0x05, 0x00})
				der, err := sd.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				got, err := cms.Parse(der)
				if err != nil {
					t.Fatal(err)
				}
				if detached != (got.Content == nil) || len(got.Certificates) != 1 || len(got.Signers) != 1 {
					t.Fatalf("parsed: content %q, %d certificates, %d signers", got.Content, len(got.Certificates), len(got.Signers))
				}
				si := got.Signers[0]
				signer := si.SignerCertificate(got.Certificates)
				if signer == nil || !signer.Equal(cert) {
					t.Fatal("signer certificate not found")
				}
				var detachedContent []byte
				if detached {
					detachedContent = content
				}
				if err := got.Verify(si, signer, detachedContent); err != nil {
					t.Errorf("verify: %v", err)
				}
				if err := got.Verify(si, signer, []byte("Ariza: boshqa narsa")); !errors.Is(err, cms.ErrDigestMismatch) {
					t.Errorf("other content: %v", err)
				}
				if at, ok := si.SigningTime(); !ok || !at.Equal(signedAt) {
					t.Errorf("signing time = %v, %v", at, ok)
				}
				if err := si.CheckSigningCertificate(cert); err != nil {
					t.Error(err)
				}
				if err := si.CheckSigningCertificate(selfSigned(t, key)); !errors.Is(err, cms.ErrSigningCertificate) {
					t.Errorf("other certificate: %v", err)
				}
				if v, ok := si.UnsignedAttr(cms.OIDAttrTimeStampToken); !ok || !bytes.Equal(v, []byte{0x05, 0x00}) {
					t.Errorf("unsigned attribute = %x", v)
				}
				// Marshalling what was parsed gives the same bytes.
				if again, err := got.Marshal(); err != nil || !bytes.Equal(again, der) {
					t.Errorf("re-marshal differs: %v", err)
				}
			}
		})
	}
}

func TestVerifyRefusesTampering(t *testing.T) {
	key := keys(t)["P-256"]
	cert := selfSigned(t, key)
	content := []byte("hujjat")
	sd, err := cms.Sign(content, cms.Signer{Key: key, Cert: cert}, cms.SignOptions{Detached: true})
	if err != nil {
		t.Fatal(err)
	}
	sd.Signers[0].Signature[10] ^= 1
	der, _ := sd.Marshal()
	got, err := cms.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := got.Verify(got.Signers[0], cert, content); !errors.Is(err, cms.ErrSignature) {
		t.Errorf("tampered signature: %v", err)
	}
	other := selfSigned(t, keys(t)["P-256"])
	if _, err := cms.Sign(content, cms.Signer{Key: key, Cert: other}, cms.SignOptions{}); err == nil {
		t.Error("signed with a key that is not the certificate's")
	}
}

func TestParseRefusesJunk(t *testing.T) {
	key := keys(t)["P-256"]
	sd, _ := cms.Sign([]byte("x"), cms.Signer{Key: key, Cert: selfSigned(t, key)}, cms.SignOptions{})
	der, _ := sd.Marshal()
	for name, in := range map[string][]byte{
		"empty":          nil,
		"text":           []byte("hello"),
		"truncated":      der[:len(der)-3],
		"trailing data":  append(append([]byte(nil), der...), 0),
		"not signedData": {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01, 0xa0, 0x00},
	} {
		if _, err := cms.Parse(in); !errors.Is(err, cms.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
