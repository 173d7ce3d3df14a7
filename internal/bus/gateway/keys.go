package gateway

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cms"
)

// Keys are a gateway's key material: the TLS authentication key with its
// gateway-auth certificate and the member's signing key with its
// gateway-sign certificate, each certificate followed by its chain.
type Keys struct {
	Auth tls.Certificate
	Sign cms.Signer
}

// The files of a key directory (see LoadKeys), PEM: PKCS #8 keys, and
// certificates leaf first, then the chain up to the root.
const (
	authKeyFile  = "auth.key"
	authCertFile = "auth.crt"
	signKeyFile  = "sign.key"
	signCertFile = "sign.crt"
)

// LoadKeys reads a gateway's keys from dir: auth.key and auth.crt,
// sign.key and sign.crt. The directory is the gateway's key store, to be
// readable by its process only.
func LoadKeys(dir string) (*Keys, error) {
	authKey, authChain, err := loadPair(dir, authKeyFile, authCertFile)
	if err != nil {
		return nil, err
	}
	signKey, signChain, err := loadPair(dir, signKeyFile, signCertFile)
	if err != nil {
		return nil, err
	}
	k := &Keys{
		Auth: tls.Certificate{PrivateKey: authKey, Leaf: authChain[0]},
		Sign: cms.Signer{Key: signKey, Cert: signChain[0], Chain: signChain[1:]},
	}
	// The TLS peer needs the chain up to, not including, the root it
	// trusts already.
	for _, c := range authChain {
		if !pki.SelfSigned(c) {
			k.Auth.Certificate = append(k.Auth.Certificate, c.Raw)
		}
	}
	return k, nil
}

// WriteKeys stores keys in dir as LoadKeys reads them, readable by the
// owner only. The files are written into a fresh directory beside dir and
// moved into place together, so a failure midway leaves no half-written
// dir for LoadKeys to trip over. It refuses to replace a dir that holds
// anything.
func WriteKeys(dir string, authKey crypto.Signer, authChain []*x509.Certificate, signKey crypto.Signer, signChain []*x509.Certificate) error {
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), filepath.Base(dir)+".new-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp) // gone once renamed; the leftovers of a failure otherwise
	for _, f := range []struct {
		name  string
		key   crypto.Signer
		certs []*x509.Certificate
	}{{authKeyFile, authKey, nil}, {authCertFile, nil, authChain}, {signKeyFile, signKey, nil}, {signCertFile, nil, signChain}} {
		var data []byte
		if f.key != nil {
			der, err := x509.MarshalPKCS8PrivateKey(f.key)
			if err != nil {
				return err
			}
			data = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		}
		for _, c := range f.certs {
			data = append(data, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
		}
		if err := pki.WriteNewFile(filepath.Join(tmp, f.name), data); err != nil {
			return err
		}
	}
	// An empty dir is replaced; one with files makes the rename fail.
	return os.Rename(tmp, dir)
}

// loadPair reads a key file and its certificate file, and checks that the
// first certificate is the key's.
func loadPair(dir, keyName, certName string) (crypto.Signer, []*x509.Certificate, error) {
	keyPEM, err := os.ReadFile(filepath.Join(dir, keyName))
	if err != nil {
		return nil, nil, err
	}
	block, _ := pem.Decode(keyPEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, nil, fmt.Errorf("bus gateway: %s is not a PEM PKCS #8 private key", keyName)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("bus gateway: %s: %w", keyName, err)
	}
	key, ok := parsed.(crypto.Signer)
	if !ok {
		return nil, nil, fmt.Errorf("bus gateway: %s: not a signing key", keyName)
	}
	certPEM, err := os.ReadFile(filepath.Join(dir, certName))
	if err != nil {
		return nil, nil, err
	}
	chain, err := pki.ParseCertificatesPEM(certPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("bus gateway: %s: %w", certName, err)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(chain[0].PublicKey) {
		return nil, nil, errors.New("bus gateway: " + certName + " does not certify the key in " + keyName)
	}
	return key, chain, nil
}
