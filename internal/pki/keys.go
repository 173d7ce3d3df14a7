package pki

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/hkdf"
)

// GenerateKey makes a new ECDSA P-256 key, the default for every key the
// platform creates.
func GenerateKey() (crypto.Signer, error) {
	return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
}

// sealVersion is the first byte of a sealed key; it names the format below
// so that it can change without guessing.
const sealVersion = 1

// Sizes in the sealed format: version (1) | salt | nonce | AES-GCM ciphertext
// of the PKCS#8 key.
const (
	saltSize  = 32
	nonceSize = 12
)

// sealer encrypts private keys at rest with AES-256-GCM under a key derived
// by HKDF-SHA256 from the configured secret and a random salt per sealed key.
// The label (the CA or certificate the key belongs to) is authenticated data,
// so a sealed key copied to another row does not open.
type sealer struct {
	secret []byte
}

// seal encrypts key for the owner named label.
func (s sealer) seal(key crypto.Signer, label string) ([]byte, error) {
	plain, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	out := make([]byte, 1+saltSize+nonceSize, 1+saltSize+nonceSize+len(plain)+16)
	out[0] = sealVersion
	if _, err := io.ReadFull(rand.Reader, out[1:]); err != nil {
		return nil, fmt.Errorf("seal key: %w", err)
	}
	aead, err := s.aead(out[1 : 1+saltSize])
	if err != nil {
		return nil, err
	}
	return aead.Seal(out, out[1+saltSize:], plain, []byte(label)), nil
}

// open decrypts a key sealed for label.
func (s sealer) open(sealed []byte, label string) (crypto.Signer, error) {
	if len(sealed) < 1+saltSize+nonceSize || sealed[0] != sealVersion {
		return nil, errors.New("open key: not a sealed key")
	}
	aead, err := s.aead(sealed[1 : 1+saltSize])
	if err != nil {
		return nil, err
	}
	plain, err := aead.Open(nil, sealed[1+saltSize:1+saltSize+nonceSize], sealed[1+saltSize+nonceSize:], []byte(label))
	if err != nil {
		return nil, errors.New("open key: wrong secret or damaged key")
	}
	k, err := x509.ParsePKCS8PrivateKey(plain)
	if err != nil {
		return nil, fmt.Errorf("open key: %w", err)
	}
	signer, ok := k.(crypto.Signer)
	if !ok {
		return nil, errors.New("open key: not a signing key")
	}
	return signer, nil
}

// aead derives the AES-256-GCM cipher for one salt.
func (s sealer) aead(salt []byte) (cipher.AEAD, error) {
	key := make([]byte, 32)
	if _, err := io.ReadFull(hkdf.New(sha256.New, s.secret, salt, []byte("egov pki key seal v1")), key); err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
