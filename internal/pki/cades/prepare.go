package cades

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Prepared is a CAdES signature made in two steps for a key the server
// never holds, as the e-signature in a citizen's browser: Prepare fixes
// what is signed (the document's digest, the signer's certificate, the
// signing time) and gives the bytes the holder's device signs; Assemble
// takes the signature value back and builds the same detached signature
// Sign makes.
//
// A server keeps it between the two requests of a signing page
// (MarshalBinary). It names the document the holder signs, so a copy that
// passes through the client must be authenticated by the server.
type Prepared struct {
	// Digest is the SHA-256 digest of the document.
	Digest []byte
	// Cert is the signer's certificate; Chain are the certificates above
	// it, up to the root, to ship in the signature.
	Cert  *x509.Certificate
	Chain []*x509.Certificate
	// Time is the signing time claimed, in UTC to the second.
	Time time.Time
}

// AssembleOptions say what Assemble makes.
type AssembleOptions struct {
	// Level is LevelBB (default), LevelBT or LevelBLT.
	Level Level
	// TSA issues the timestamp of B-T and B-LT.
	TSA Timestamper
	// OCSP answers for the certificates of a B-LT signature.
	OCSP OCSPSource
}

// ErrSignatureValue is returned by Assemble for a signature value that is
// not one by the certificate's key over the prepared attributes: made by
// another key, over other bytes, or garbled.
var ErrSignatureValue = errors.New("cades: the signature value does not verify with the certificate")

// Prepare starts a signature by the holder of cert over the document whose
// SHA-256 digest is digest, claiming signing time t (now if zero), and
// returns it with toBeSigned: the DER of the signed attributes
// (content-type, message-digest, signing-time, signing-certificate-v2) that
// the holder signs with the certificate's key, hashing them with SHA-256
// (ECDSA P-256 with SHA-256, as WebCrypto does, or RSA PKCS #1 v1.5). Other
// keys, such as P-384 or Ed25519 ones, digest documents with other hashes
// and are refused.
func Prepare(digest []byte, cert *x509.Certificate, chain []*x509.Certificate, t time.Time) (p *Prepared, toBeSigned []byte, err error) {
	if cert == nil {
		return nil, nil, errors.New("cades: prepare: a certificate is required")
	}
	if len(digest) != sha256.Size {
		return nil, nil, errors.New("cades: prepare: the digest is not a SHA-256 digest")
	}
	if t.IsZero() {
		t = time.Now()
	}
	p = &Prepared{Digest: slices.Clone(digest), Cert: cert, Chain: chain, Time: t.UTC().Truncate(time.Second)}
	if toBeSigned, err = p.ToBeSigned(); err != nil {
		return nil, nil, err
	}
	return p, toBeSigned, nil
}

// ToBeSigned returns the bytes the holder signs (see Prepare). They follow
// from p's fields alone, so they come out the same after p went through
// MarshalBinary and UnmarshalBinary.
func (p *Prepared) ToBeSigned() ([]byte, error) {
	si, err := p.signerInfo()
	if err != nil {
		return nil, err
	}
	return si.SignedBytes(), nil
}

// signerInfo builds the signer info, with the signed attributes Sign
// writes and no signature value.
func (p *Prepared) signerInfo() (*cms.SignerInfo, error) {
	si, err := cms.NewSignerInfo(p.Cert, cms.OIDData, p.Digest,
		[]cms.Attribute{cms.SigningTimeAttr(p.Time), cms.SigningCertificateV2Attr(p.Cert)})
	if err != nil {
		return nil, fmt.Errorf("cades: prepare: %w", err)
	}
	return si, nil
}

// Assemble builds the detached CAdES signature (DER CMS) from signature,
// the holder's signature over ToBeSigned (for ECDSA the DER
// Ecdsa-Sig-Value), at opts.Level as Sign does. It checks the signature
// with the certificate's key first, so that nothing is timestamped or
// returned that would not verify; a bad one is ErrSignatureValue.
func (p *Prepared) Assemble(ctx context.Context, signature []byte, opts AssembleOptions) ([]byte, error) {
	if opts.Level == "" {
		opts.Level = LevelBB
	}
	if err := checkLevel(opts.Level, opts.TSA, opts.OCSP); err != nil {
		return nil, err
	}
	si, err := p.signerInfo()
	if err != nil {
		return nil, err
	}
	si.Signature = signature
	sd := &cms.SignedData{ContentType: cms.OIDData, Certificates: append([]*x509.Certificate{p.Cert}, p.Chain...),
		Signers: []*cms.SignerInfo{si}}
	if err := sd.VerifyDigest(si, p.Cert, p.Digest); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureValue, err)
	}
	return raise(ctx, sd, p.Cert, p.Chain, opts.Level, opts.TSA, opts.OCSP)
}

// preparedVersion is the version of the MarshalBinary format.
const preparedVersion = 1

// maxPreparedChain bounds the chain UnmarshalBinary reads; real chains
// have two certificates above the signer's.
const maxPreparedChain = 8

// MarshalBinary writes p as DER: SEQUENCE { version INTEGER, digest OCTET
// STRING, signingTime GeneralizedTime, signer Certificate, chain SEQUENCE
// OF Certificate }.
func (p *Prepared) MarshalBinary() ([]byte, error) {
	if p.Cert == nil {
		return nil, errors.New("cades: marshal prepared signature: no certificate")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(preparedVersion)
		b.AddASN1OctetString(p.Digest)
		b.AddASN1GeneralizedTime(p.Time.UTC())
		b.AddBytes(p.Cert.Raw)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for _, c := range p.Chain {
				b.AddBytes(c.Raw)
			}
		})
	})
	return b.Bytes()
}

// UnmarshalBinary reads what MarshalBinary wrote, refusing anything else:
// another version, a digest that is not a SHA-256 one, certificates that
// do not parse, trailing data.
func (p *Prepared) UnmarshalBinary(data []byte) error {
	malformed := func(what string) error {
		return errors.New("cades: unmarshal prepared signature: " + what)
	}
	s := cryptobyte.String(data)
	var seq, chain cryptobyte.String
	var version int64
	var digest []byte
	var t time.Time
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1Integer(&version) {
		return malformed("not a prepared signature")
	}
	if version != preparedVersion {
		return malformed(fmt.Sprintf("version %d", version))
	}
	if !seq.ReadASN1Bytes(&digest, cbasn1.OCTET_STRING) || len(digest) != sha256.Size {
		return malformed("bad digest")
	}
	if !seq.ReadASN1GeneralizedTime(&t) {
		return malformed("bad signing time")
	}
	cert, err := readCertificate(&seq)
	if err != nil {
		return malformed(err.Error())
	}
	if !seq.ReadASN1(&chain, cbasn1.SEQUENCE) || !seq.Empty() {
		return malformed("bad chain")
	}
	var certs []*x509.Certificate
	for !chain.Empty() {
		if len(certs) == maxPreparedChain {
			return malformed("chain too long")
		}
		c, err := readCertificate(&chain)
		if err != nil {
			return malformed(err.Error())
		}
		certs = append(certs, c)
	}
	*p = Prepared{Digest: slices.Clone(digest), Cert: cert, Chain: certs, Time: t.UTC()}
	return nil
}

// readCertificate reads one DER certificate from s.
func readCertificate(s *cryptobyte.String) (*x509.Certificate, error) {
	var raw cryptobyte.String
	if !s.ReadASN1Element(&raw, cbasn1.SEQUENCE) {
		return nil, errors.New("bad certificate")
	}
	c, err := x509.ParseCertificate(raw)
	if err != nil {
		return nil, fmt.Errorf("certificate: %v", err)
	}
	return c, nil
}
