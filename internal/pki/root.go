package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Lifetimes of the CA certificates. An issuing CA outlives every
// end-entity certificate it issues by at least their lifetime, so it is
// replaced well before its end.
const (
	DefaultRootValidity    = 20 * 365 * 24 * time.Hour
	DefaultIssuingValidity = 8 * 365 * 24 * time.Hour
	// rootCRLValidity is how long the root's CRL, signed while the root
	// key is at hand, stays valid; the operator re-signs it yearly.
	rootCRLValidity = 400 * 24 * time.Hour
)

// Root is the root CA with its key. The key lives only in the file
// Marshal writes, which the operator keeps offline and brings out to set up
// or replace an issuing CA and to re-sign the root's CRL.
type Root struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// Name is the root's short name in URLs, made from its common name.
func (r *Root) Name() string { return caName(r.Cert.Subject.CommonName) }

// GenerateRoot makes a root CA named commonName, valid from now for
// validity (DefaultRootValidity if zero), with a new ECDSA P-256 key.
func GenerateRoot(commonName string, now time.Time, validity time.Duration) (*Root, error) {
	if caName(commonName) == "" {
		return nil, apperr.New(apperr.EINVALID, MsgCAName)
	}
	if validity <= 0 {
		validity = DefaultRootValidity
	}
	key, err := GenerateKey()
	if err != nil {
		return nil, err
	}
	tmpl, err := newTemplate(key.Public(), now, now.Add(validity))
	if err != nil {
		return nil, err
	}
	tmpl.Subject = pkix.Name{Country: []string{"UZ"}, CommonName: strings.TrimSpace(commonName)}
	tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.MaxPathLen = true, true, 1
	tmpl.KeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("generate root: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &Root{Cert: cert, Key: key}, nil
}

// keyFileIterations is the PBKDF2 work of the PKCS#12 files the platform
// writes: OWASP's figure for PBKDF2-HMAC-SHA256, since these files may leave
// the operator's hands.
const keyFileIterations = 600_000

// Marshal writes the root and its key as a PKCS#12 file protected by
// password (AES-256-CBC with PBKDF2, readable by OpenSSL 3).
func (r *Root) Marshal(password string) ([]byte, error) {
	return EncodePKCS12(r.Key, r.Cert, nil, password)
}

// ParseRoot reads a root file written by Marshal. A file that is not one,
// or the wrong password, is EINVALID MsgRootFile.
func ParseRoot(data []byte, password string) (*Root, error) {
	kf, err := ReadPKCS12(data, password)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgRootFile, Err: err}
	}
	if !kf.Cert.IsCA || kf.Cert.CheckSignatureFrom(kf.Cert) != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgRootFile, Err: errors.New("not a root CA")}
	}
	return &Root{Cert: kf.Cert, Key: kf.Key}, nil
}

// samePublicKey tells whether a and b are the same key.
func samePublicKey(a, b any) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// nonSlug matches what a CA name cannot contain.
var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// caName makes the short name of a CA from its common name: lowercase
// letters and digits joined by hyphens, at most 64 characters; "" if
// nothing is left.
func caName(commonName string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(commonName), "-"), "-")
	if len(s) > 64 {
		return ""
	}
	return s
}

// newTemplate starts a certificate for pub valid from notBefore to
// notAfter: a random serial number and a subject key identifier.
func newTemplate(pub any, notBefore, notAfter time.Time) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	ski, err := subjectKeyID(pub)
	if err != nil {
		return nil, err
	}
	return &x509.Certificate{SerialNumber: serial, SubjectKeyId: ski,
		NotBefore: notBefore.UTC().Truncate(time.Second), NotAfter: notAfter.UTC().Truncate(time.Second)}, nil
}

// newSerial returns a random positive serial number of up to 159 bits,
// which fits the 20 octets RFC 5280 allows and leaves no room to guess.
func newSerial() (*big.Int, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	n := new(big.Int).SetBytes(b)
	if n.Sign() == 0 {
		return newSerial()
	}
	return n, nil
}

// subjectKeyID is the SHA-256 of the subject public key, cut to 160 bits
// (RFC 7093 method 1).
func subjectKeyID(pub any) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(spki.Key.Bytes)
	return sum[:20], nil
}

// WriteFiles writes the root for its operator into dir: root.p12 (the
// certificate and key, protected by password) and root.pem (the
// certificate alone, to trust). Existing files are not overwritten.
func (r *Root) WriteFiles(dir, password string) error {
	p12, err := r.Marshal(password)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("root CA folder: %w", err)
	}
	if err := WriteNewFile(filepath.Join(dir, "root.p12"), p12); err != nil {
		return fmt.Errorf("write root CA: %w", err)
	}
	if err := WriteNewFile(filepath.Join(dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: r.Cert.Raw})); err != nil {
		return fmt.Errorf("write root CA: %w", err)
	}
	return nil
}

// WriteNewFile writes a file of keys, requests or signatures that must not
// exist yet (nothing a holder keeps is overwritten), readable by its owner
// only.
func WriteNewFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
