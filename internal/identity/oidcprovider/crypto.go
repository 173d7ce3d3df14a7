package oidcprovider

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// deriveKey derives a 256-bit key for one purpose from the node secret, so
// the secret itself never keys anything directly and purposes never share
// a key.
func deriveKey(secret []byte, purpose string) ([]byte, error) {
	return hkdf.Key(sha256.New, secret, []byte("egov-oidc"), purpose, 32)
}

// sealer encrypts and authenticates small values with AES-256-GCM. The
// additional data binds a ciphertext to its use, so a value sealed for one
// purpose (or one key row) does not open as another.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns base64url(nonce || ciphertext).
func (s *sealer) seal(plain, ad []byte) string {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	_, _ = rand.Read(nonce)
	return base64.RawURLEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, ad))
}

var errUnsealable = errors.New("cannot open sealed value")

// open reverses seal; anything altered, truncated or sealed under another
// key or additional data fails.
func (s *sealer) open(sealed string, ad []byte) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(raw) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, errUnsealable
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], ad)
	if err != nil {
		return nil, errUnsealable
	}
	return plain, nil
}

// tokenCrypto is the op.Crypto that turns authorization-code and access
// token references into opaque strings and back. It replaces the library's
// default, which also accepts unauthenticated AES-CFB values.
type tokenCrypto struct{ s *sealer }

var tokenAD = []byte("egov-oidc-token-v1")

// Encrypt seals a reference.
func (c tokenCrypto) Encrypt(plain string) (string, error) {
	return c.s.seal([]byte(plain), tokenAD), nil
}

// Decrypt opens a reference sealed by Encrypt.
func (c tokenCrypto) Decrypt(sealed string) (string, error) {
	if len(sealed) > 1024 {
		return "", errUnsealable
	}
	b, err := c.s.open(sealed, tokenAD)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// randomToken returns n random bytes, base64url: client secrets and refresh
// tokens.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is the stored form of a high-entropy secret or token.
func hashSecret(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// secretMatches compares a presented secret with a stored hash in constant
// time.
func secretMatches(presented, stored string) bool {
	if stored == "" || presented == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(hashSecret(presented)), []byte(stored)) == 1
}

// checkSecret refuses a node secret too short to derive keys from.
func checkSecret(secret []byte) error {
	if len(secret) < 32 {
		return fmt.Errorf("oidc: secret must be at least 32 bytes")
	}
	return nil
}
