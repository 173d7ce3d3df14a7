// Package cades makes and checks CAdES signatures (ETSI EN 319 122-1):
// detached CMS SignedData whose signed attributes bind the signing
// certificate (B-B), with a signature timestamp (B-T) and with the
// certificate chain and OCSP responses needed to check it later (B-LT).
// The verifier returns a Report a person can read: who signed, whether the
// certificate chains to a trusted root and was valid and unrevoked at the
// time of signing, whether the timestamp holds, and a verdict.
package cades

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
)

// Level is a CAdES baseline level.
type Level string

// The levels Sign makes and Verify recognises. LevelCMS is a CMS signature
// without the CAdES signing-certificate binding, such as plain
// "openssl cms -sign" output.
const (
	LevelCMS Level = "CMS"
	LevelBB  Level = "B-B"
	LevelBT  Level = "B-T"
	LevelBLT Level = "B-LT"
)

// Timestamper issues signature timestamp tokens (RFC 3161) over a digest.
type Timestamper interface {
	Timestamp(ctx context.Context, h crypto.Hash, digest []byte) ([]byte, error)
}

// OCSPSource answers OCSP about a certificate, for B-LT signatures.
type OCSPSource interface {
	OCSPFor(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
}

// SignOptions say what to make.
type SignOptions struct {
	// Level is LevelBB (default), LevelBT or LevelBLT.
	Level Level
	// Time is the signing time claimed; the current time if zero.
	Time time.Time
	// TSA issues the timestamp of B-T and B-LT.
	TSA Timestamper
	// OCSP answers for the certificates of a B-LT signature.
	OCSP OCSPSource
}

// timestampHash is the hash the signature timestamp is taken with.
const timestampHash = crypto.SHA256

// Sign makes a detached CAdES signature of content with s: signed
// attributes content-type, message-digest, signing-time and
// signing-certificate-v2; for B-T a timestamp over the signature value as
// unsigned attribute; for B-LT also OCSP responses for the signer's and the
// TSA's certificates in the revocation information (id-ri-ocsp-response,
// RFC 5940) beside the chain. s.Chain should run up to the root so that the
// signature can be checked without fetching anything.
func Sign(ctx context.Context, content []byte, s cms.Signer, opts SignOptions) ([]byte, error) {
	if opts.Level == "" {
		opts.Level = LevelBB
	}
	if opts.Time.IsZero() {
		opts.Time = time.Now()
	}
	if err := checkLevel(opts.Level, opts.TSA, opts.OCSP); err != nil {
		return nil, err
	}
	sd, err := cms.Sign(content, s, cms.SignOptions{Detached: true,
		Attributes: []cms.Attribute{cms.SigningTimeAttr(opts.Time), cms.SigningCertificateV2Attr(s.Cert)}})
	if err != nil {
		return nil, err
	}
	return raise(ctx, sd, s.Cert, s.Chain, opts.Level, opts.TSA, opts.OCSP)
}

// checkLevel tells whether level can be made with the services at hand.
func checkLevel(level Level, tsa Timestamper, ocsp OCSPSource) error {
	switch {
	case level != LevelBB && level != LevelBT && level != LevelBLT:
		return errors.New("cades: cannot make level " + string(level))
	case (level == LevelBT || level == LevelBLT) && tsa == nil:
		return errors.New("cades: a timestamp authority is needed for " + string(level))
	case level == LevelBLT && ocsp == nil:
		return errors.New("cades: an OCSP source is needed for B-LT")
	}
	return nil
}

// raise takes sd, a B-B signature by the one holder of cert, whose chain
// is chain, to level (see Sign) and marshals it.
func raise(ctx context.Context, sd *cms.SignedData, cert *x509.Certificate, chain []*x509.Certificate, level Level, tsa Timestamper, ocsp OCSPSource) ([]byte, error) {
	if level == LevelBB {
		return sd.Marshal()
	}
	si := sd.Signers[0]
	d := timestampHash.New()
	d.Write(si.Signature)
	token, err := tsa.Timestamp(ctx, timestampHash, d.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("cades: timestamp: %w", err)
	}
	si.AddUnsignedAttr(cms.OIDAttrTimeStampToken, token)
	if level == LevelBLT {
		if err := addRevocationData(ctx, sd, cert, chain, token, ocsp); err != nil {
			return nil, err
		}
	}
	return sd.Marshal()
}

// addRevocationData adds OCSP responses for the signer's (cert) and the
// TSA's certificates, and the TSA's certificate, to sd.
func addRevocationData(ctx context.Context, sd *cms.SignedData, cert *x509.Certificate, chain []*x509.Certificate, token []byte, src OCSPSource) error {
	certs := []*x509.Certificate{cert}
	tok, err := cms.Parse(token)
	if err != nil {
		return fmt.Errorf("cades: timestamp: %w", err)
	}
	if tsa := tok.Signers[0].SignerCertificate(tok.Certificates); tsa != nil {
		certs = append(certs, tsa)
		sd.Certificates = append(sd.Certificates, tsa)
	}
	for _, c := range certs {
		issuer := issuerOf(c, append(chain, tok.Certificates...))
		if issuer == nil {
			return fmt.Errorf("cades: the issuer of %s is not in the chain", c.Subject)
		}
		resp, err := src.OCSPFor(ctx, c, issuer)
		if err != nil {
			return fmt.Errorf("cades: OCSP for %s: %w", c.Subject, err)
		}
		sd.OtherRevocationInfo = append(sd.OtherRevocationInfo, cms.OtherRevocationInfo{Format: cms.OIDRevInfoOCSP, Info: resp})
	}
	return nil
}

// issuerOf finds the certificate among certs that signed c.
func issuerOf(c *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, p := range certs {
		if string(p.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(p) == nil {
			return p
		}
	}
	return nil
}
