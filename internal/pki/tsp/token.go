package tsp

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
)

// Token is a parsed timestamp token.
type Token struct {
	SignedData *cms.SignedData
	Info       Info
}

// Info is what a token says.
type Info struct {
	Policy        asn1.ObjectIdentifier
	Hash          crypto.Hash
	HashedMessage []byte
	SerialNumber  *big.Int
	// Time is when the TSA saw the hash, within Accuracy.
	Time     time.Time
	Accuracy time.Duration
	Nonce    *big.Int
}

// ParseToken reads a DER timestamp token: a SignedData with one signer
// over an encapsulated TSTInfo.
func ParseToken(der []byte) (*Token, error) {
	if len(der) > maxMessage {
		return nil, fmt.Errorf("%w token: too long", ErrMalformed)
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w token: %v", ErrMalformed, err)
	}
	if !sd.ContentType.Equal(cms.OIDTSTInfo) || sd.Content == nil || len(sd.Signers) != 1 {
		return nil, fmt.Errorf("%w token: not a TSTInfo with one signer", ErrMalformed)
	}
	var ti tstInfo
	if rest, err := asn1.Unmarshal(sd.Content, &ti); err != nil || len(rest) > 0 || ti.Version != 1 || ti.SerialNumber == nil {
		return nil, fmt.Errorf("%w token: bad TSTInfo", ErrMalformed)
	}
	acc := time.Duration(ti.Accuracy.Seconds)*time.Second + time.Duration(ti.Accuracy.Millis)*time.Millisecond +
		time.Duration(ti.Accuracy.Micros)*time.Microsecond
	return &Token{SignedData: sd, Info: Info{Policy: ti.Policy, Hash: cms.HashOf(ti.MessageImprint.HashAlgorithm.Algorithm),
		HashedMessage: ti.MessageImprint.HashedMessage, SerialNumber: ti.SerialNumber, Time: ti.GenTime.UTC(), Accuracy: acc,
		Nonce: ti.Nonce}}, nil
}

// Errors of Token.Verify and Token.Covers.
var (
	ErrNoSigner  = errors.New("tsp: the token's signing certificate is not at hand")
	ErrNotTSA    = errors.New("tsp: the token's signer is not a timestamp authority")
	ErrImprint   = errors.New("tsp: the token is for other data")
	ErrTokenHash = errors.New("tsp: the token's hash algorithm is not accepted")
)

// Verify checks the token's signature and its binding to the TSA's
// certificate, found in the token or among extra, and that the certificate
// has the critical extended key usage timeStamping and nothing else
// (RFC 3161 2.3). It returns the TSA's certificate; whether that chains to
// a trusted root is the caller's check.
func (t *Token) Verify(extra []*x509.Certificate) (*x509.Certificate, error) {
	si := t.SignedData.Signers[0]
	cert := si.SignerCertificate(append(slices.Clone(t.SignedData.Certificates), extra...))
	if cert == nil {
		return nil, ErrNoSigner
	}
	if err := t.SignedData.Verify(si, cert, nil); err != nil {
		return nil, err
	}
	if err := si.CheckSigningCertificate(cert); err != nil {
		return nil, err
	}
	if !timeStampingOnly(cert) {
		return nil, ErrNotTSA
	}
	return cert, nil
}

// Covers checks that the token is over data, whose digest it holds.
func (t *Token) Covers(data []byte) error {
	if t.Info.Hash == 0 {
		return ErrTokenHash
	}
	d := t.Info.Hash.New()
	d.Write(data)
	if subtle.ConstantTimeCompare(d.Sum(nil), t.Info.HashedMessage) != 1 {
		return ErrImprint
	}
	return nil
}

// oidExtKeyUsage is the extended key usage extension.
var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// timeStampingOnly tells whether cert's extended key usage is critical and
// timeStamping alone.
func timeStampingOnly(cert *x509.Certificate) bool {
	if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) > 0 {
		return false
	}
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			return e.Critical
		}
	}
	return false
}
