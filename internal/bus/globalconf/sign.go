package globalconf

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
)

// MediaType is the content type of the signed document: DER CMS
// SignedData with the content inside (RFC 8551).
const MediaType = "application/pkcs7-mime; smime-type=signed-data"

// SignOptions say how to sign.
type SignOptions struct {
	// Time is the signing time claimed; required.
	Time time.Time
	// TSA, if set, timestamps the signature (CAdES B-T), proving when it
	// was made; with OCSP also set, the status of the signer's and the
	// TSA's certificates goes in too (B-LT), so that gateways can check
	// the signature without asking the central server's OCSP responder.
	// *pki.Service is both.
	TSA  cades.Timestamper
	OCSP cades.OCSPSource
}

// Sign signs the configuration's JSON (Config.Marshal) with s, whose
// certificate must be of profile pki.ProfileBusConfig and whose Chain
// should run to the root, and returns the DER CMS SignedData that holds
// the JSON.
func Sign(ctx context.Context, c *Config, s cms.Signer, opts SignOptions) ([]byte, error) {
	if s.Cert == nil || !signerPurpose(s.Cert) {
		return nil, fmt.Errorf("sign global configuration: %w", errNotConfigSigner)
	}
	data, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	level := cades.LevelBB
	switch {
	case opts.TSA != nil && opts.OCSP != nil:
		level = cades.LevelBLT
	case opts.TSA != nil:
		level = cades.LevelBT
	}
	// CAdES signatures come detached; the same signature holds with the
	// content put inside, which the signed attributes do not cover.
	detached, err := cades.Sign(ctx, data, s, cades.SignOptions{Level: level, Time: opts.Time, TSA: opts.TSA, OCSP: opts.OCSP})
	if err != nil {
		return nil, fmt.Errorf("sign global configuration: %w", err)
	}
	sd, err := cms.Parse(detached)
	if err != nil {
		return nil, fmt.Errorf("sign global configuration: %w", err)
	}
	sd.Content = data
	return sd.Marshal()
}

// errNotConfigSigner is the cause of refusing a signer of another profile.
var errNotConfigSigner = fmt.Errorf("%w: the signer's certificate is not of the bus configuration profile", ErrSignature)

// maxClockSkew is how far the signing time may precede GeneratedAt: the
// TSA's clock and the publisher's may differ a little.
const maxClockSkew = time.Minute

// Verifier checks signed documents against the roots a gateway trusts.
type Verifier struct {
	// Roots are the trust anchors the gateway was set up with;
	// Intermediates help build chains when a document lacks them.
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	// Status, if set, is asked about the signer's certificate first (such
	// as an ocspclient.Client); without it, or when it does not know the
	// certificate, the OCSP responses in a B-LT document are used, and a
	// document without any is refused.
	Status cades.StatusSource
	// Instance, if set, is the only instance whose configuration is
	// accepted.
	Instance string
	// Now tells the time; nil means time.Now.
	Now func() time.Time
}

// Verify checks a signed document and returns the configuration in it.
// The signature must be the document's only one, valid and unrevoked when
// made, by a certificate of profile pki.ProfileBusConfig chaining to the
// roots and valid then, made no earlier than shortly before the
// configuration says it was generated and before it expires. Whether the
// configuration has expired since, and whether it is newer than one held,
// is the caller's question (Config.Expired; the Fetcher asks both).
//
// Errors: ErrSignature, ErrMalformed (a valid signature over content that
// is not a configuration, or of another instance).
func (v *Verifier) Verify(ctx context.Context, der []byte) (*Config, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if len(sd.Signers) != 1 || sd.Content == nil {
		return nil, fmt.Errorf("%w: not one signature over attached content", ErrSignature)
	}
	now := v.Now
	if now == nil {
		now = time.Now
	}
	cv := &cades.Verifier{Roots: v.Roots, Intermediates: v.Intermediates, Status: v.Status, Now: now}
	rep, err := cv.Verify(ctx, nil, der)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if rep.Verdict != cades.Valid || len(rep.Signatures) != 1 {
		return nil, fmt.Errorf("%w: %s (%s)", ErrSignature, rep.Verdict, rep.Reason)
	}
	sig := rep.Signatures[0]
	if !signerPurpose(sig.Signer) {
		return nil, errNotConfigSigner
	}
	c, err := Parse(sd.Content)
	if err != nil {
		return nil, err
	}
	if sig.SigningTime.Before(c.GeneratedAt.Add(-maxClockSkew)) || !sig.SigningTime.Before(c.ExpiresAt) {
		return nil, fmt.Errorf("%w: signed at %s, outside the configuration's validity", ErrSignature, sig.SigningTime.Format(time.RFC3339))
	}
	if v.Instance != "" && c.Instance != v.Instance {
		return nil, fmt.Errorf("%w: the configuration of instance %q, not %q", ErrMalformed, c.Instance, v.Instance)
	}
	return c, nil
}
