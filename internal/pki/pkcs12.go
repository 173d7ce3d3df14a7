package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"errors"

	"github.com/egovuz/egov/internal/platform/apperr"
	"software.sslmate.com/src/go-pkcs12"
)

// KeyFile is a private key with its certificate and the certificates of
// the CAs above it, as kept in a PKCS#12 (.p12, .pfx) file.
type KeyFile struct {
	Key   crypto.Signer
	Cert  *x509.Certificate
	Chain []*x509.Certificate
}

// maxPKCS12Size bounds a key file; real ones are a few kilobytes.
const maxPKCS12Size = 256 << 10

// ReadPKCS12 reads a password-protected PKCS#12 file holding one private
// key and its certificate, as written by EncodePKCS12, OpenSSL
// (pkcs12 -export, with modern or legacy algorithms) or a browser. A file
// that cannot be read or a wrong password is EINVALID MsgPKCS12; a file
// without a signing key is MsgPKCS12NoKey; a key that is not the
// certificate's is MsgPKCS12KeyMismatch.
func ReadPKCS12(data []byte, password string) (*KeyFile, error) {
	if len(data) > maxPKCS12Size {
		return nil, apperr.New(apperr.EINVALID, MsgPKCS12)
	}
	key, cert, chain, err := pkcs12.DecodeChain(data, password)
	if err != nil {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgPKCS12, Err: err}
	}
	signer, ok := key.(crypto.Signer)
	if !ok || cert == nil {
		return nil, apperr.New(apperr.EINVALID, MsgPKCS12NoKey)
	}
	if !samePublicKey(signer.Public(), cert.PublicKey) {
		return nil, apperr.New(apperr.EINVALID, MsgPKCS12KeyMismatch)
	}
	return &KeyFile{Key: signer, Cert: cert, Chain: chain}, nil
}

// EncodePKCS12 writes key, its certificate and chain as a PKCS#12 file
// protected by password: AES-256-CBC with PBKDF2-HMAC-SHA256 and an
// HMAC-SHA256 MAC, which OpenSSL 3 and current browsers and operating
// systems read.
func EncodePKCS12(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate, password string) ([]byte, error) {
	if password == "" {
		return nil, errors.New("encode pkcs12: a password is required")
	}
	return pkcs12.Modern2023.WithRand(rand.Reader).WithIterations(keyFileIterations).Encode(key, cert, chain, password)
}
