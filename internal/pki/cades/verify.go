package cades

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/pki/tsp"
)

// Status is what a StatusSource knows of a certificate.
type Status struct {
	// Known is false when the source has no record of the certificate.
	Known bool
	// RevokedAt is the revocation time; zero if not revoked.
	RevokedAt time.Time
}

// StatusSource tells the revocation status of certificates, such as the
// CA's own records.
type StatusSource interface {
	CertificateStatus(ctx context.Context, cert *x509.Certificate) (Status, error)
}

// Verifier checks signatures against trusted roots.
type Verifier struct {
	// Roots are the trust anchors; Intermediates help build chains when a
	// signature does not carry them.
	Roots         *x509.CertPool
	Intermediates []*x509.Certificate
	// Status, if set, is asked first about revocation; embedded OCSP
	// responses (B-LT) are used when it does not know the certificate.
	Status StatusSource
	// Now tells the time of verification.
	Now func() time.Time
}

// Errors of Verify about its input rather than about the signature.
var (
	// ErrMalformed: the input is not a CMS signature; its text is
	// ReasonMalformed.
	ErrMalformed = errors.New(ReasonMalformed)
	// ErrNoContent: a detached signature came without the content it
	// signs, so there is nothing to check it against.
	ErrNoContent = errors.New("cades: a detached signature needs the signed content")
)

// Verify checks the signature sig (DER CMS) over content and reports on
// every signer. sig is either detached, with content the document it
// signs, or a container that encapsulates the document, with content nil
// (given content is checked instead of the encapsulated one). Only input
// that is not a CMS signature at all (ErrMalformed) or a detached one
// without content (ErrNoContent) is an error; everything else is in the
// report.
func (v *Verifier) Verify(ctx context.Context, content, sig []byte) (*Report, error) {
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	rep := &Report{Verdict: Valid}
	if len(sd.Signers) == 0 {
		rep.Verdict, rep.Reason = Invalid, ReasonNoSignature
		return rep, nil
	}
	if content == nil {
		if sd.Content == nil {
			return nil, ErrNoContent
		}
		content = sd.Content
	}
	for _, si := range sd.Signers {
		sr, err := v.verifySigner(ctx, sd, si, content)
		if err != nil {
			return nil, err
		}
		rep.Signatures = append(rep.Signatures, *sr)
		if worse(sr.Verdict, rep.Verdict) {
			rep.Verdict, rep.Reason = sr.Verdict, sr.Reason
		}
	}
	return rep, nil
}

// verifySigner makes the checks of one signer, in order, stopping where a
// later check would mean nothing.
func (v *Verifier) verifySigner(ctx context.Context, sd *cms.SignedData, si *cms.SignerInfo, content []byte) (*SignatureReport, error) {
	r := &SignatureReport{Level: LevelCMS}
	defer r.finish()
	certs := append(slices.Clone(sd.Certificates), v.Intermediates...)
	r.Signer = si.SignerCertificate(certs)
	if r.Signer == nil {
		r.add(CheckIntegrity, Indeterminate, ReasonNoSignerCert)
		return r, nil
	}
	if err := sd.Verify(si, r.Signer, content); err != nil {
		verdict, reason := integrityVerdict(err)
		r.add(CheckIntegrity, verdict, reason)
		return r, nil
	}
	r.add(CheckIntegrity, Valid, "")
	if _, ok := si.SignedAttr(cms.OIDAttrSigningCertificateV2); ok {
		if err := si.CheckSigningCertificate(r.Signer); err != nil {
			r.add(CheckSigningCertificate, Invalid, ReasonSigningCertificate)
			return r, nil
		}
		r.add(CheckSigningCertificate, Valid, "")
		r.Level = LevelBB
	}

	r.ClaimedTime, _ = si.SigningTime()
	r.SigningTime, r.TimeSource = v.Now(), TimeOfVerification
	if !r.ClaimedTime.IsZero() {
		r.SigningTime, r.TimeSource = r.ClaimedTime, TimeClaimed
	}
	if token, ok := si.UnsignedAttr(cms.OIDAttrTimeStampToken); ok {
		ts, err := v.checkTimestamp(token, si.Signature, certs)
		if err != nil {
			r.add(CheckTimestamp, Invalid, ReasonTimestamp)
			return r, nil
		}
		r.add(CheckTimestamp, Valid, "")
		r.Timestamp = ts
		r.SigningTime, r.TimeSource = ts.Time, TimeFromTimestamp
		if r.Level == LevelBB {
			r.Level = LevelBT
			if len(sd.OtherRevocationInfo) > 0 {
				r.Level = LevelBLT
			}
		}
	}

	if !v.checkChain(r, certs) {
		return r, nil
	}
	return r, v.checkRevocation(ctx, r, sd)
}

// integrityVerdict classes an error of cms.Verify.
func integrityVerdict(err error) (Verdict, string) {
	switch {
	case errors.Is(err, cms.ErrDigestMismatch):
		return Invalid, ReasonDigest
	case errors.Is(err, cms.ErrUnsupportedAlgorithm):
		return Indeterminate, ReasonAlgorithm
	}
	return Invalid, ReasonSignature
}

// checkTimestamp checks a signature timestamp token over signature: its
// own signature, that it covers the signature value, and that the TSA's
// certificate chains to a root and was valid when the token was made.
func (v *Verifier) checkTimestamp(token, signature []byte, certs []*x509.Certificate) (*TimestampReport, error) {
	tok, err := tsp.ParseToken(token)
	if err != nil {
		return nil, err
	}
	tsa, err := tok.Verify(certs)
	if err != nil {
		return nil, err
	}
	if err := tok.Covers(signature); err != nil {
		return nil, err
	}
	if _, err := tsa.Verify(x509.VerifyOptions{Roots: v.Roots, Intermediates: pool(append(certs, tok.SignedData.Certificates...)),
		CurrentTime: tok.Info.Time, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return nil, err
	}
	return &TimestampReport{Time: tok.Info.Time, Accuracy: tok.Info.Accuracy, Serial: tok.Info.SerialNumber, TSA: tsa}, nil
}

// checkChain builds the signer's chain to a root as of the signing time
// and judges the certificate's validity then. A signing time that is only
// claimed does not save a certificate that has expired since.
func (v *Verifier) checkChain(r *SignatureReport, certs []*x509.Certificate) bool {
	opts := x509.VerifyOptions{Roots: v.Roots, Intermediates: pool(certs), CurrentTime: r.SigningTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
	chains, err := r.Signer.Verify(opts)
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && r.SigningTime.Before(r.Signer.NotBefore):
		r.add(CheckChain, Valid, "")
		r.add(CheckValidity, Invalid, ReasonNotYetValid)
		return false
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired && r.SigningTime.After(r.Signer.NotAfter):
		r.add(CheckChain, Valid, "")
		r.add(CheckValidity, Invalid, ReasonExpired)
		return false
	case err != nil:
		r.add(CheckChain, Indeterminate, ReasonChain)
		return false
	}
	r.Chain = chains[0]
	r.add(CheckChain, Valid, "")
	if r.TimeSource != TimeFromTimestamp && v.Now().After(r.Signer.NotAfter) {
		r.add(CheckValidity, Indeterminate, ReasonExpiredNoPOE)
		return false
	}
	r.add(CheckValidity, Valid, "")
	return true
}

// checkRevocation judges the signer's certificate's status at the signing
// time: revoked at or before it is invalid; revoked after it is fine if a
// timestamp proves the time, and indeterminate if the time is only
// claimed.
func (v *Verifier) checkRevocation(ctx context.Context, r *SignatureReport, sd *cms.SignedData) error {
	st, err := v.status(ctx, r, sd)
	if err != nil {
		return err
	}
	switch {
	case !st.Known:
		r.add(CheckRevocation, Indeterminate, ReasonRevocationUnknown)
	case st.RevokedAt.IsZero():
		r.add(CheckRevocation, Valid, "")
	case !r.SigningTime.Before(st.RevokedAt):
		r.RevokedAt = st.RevokedAt
		r.add(CheckRevocation, Invalid, ReasonRevoked)
	case r.TimeSource == TimeFromTimestamp:
		r.RevokedAt = st.RevokedAt
		r.add(CheckRevocation, Valid, "")
	default:
		r.RevokedAt = st.RevokedAt
		r.add(CheckRevocation, Indeterminate, ReasonRevokedNoPOE)
	}
	return nil
}

// status asks the live source, then the embedded OCSP responses.
func (v *Verifier) status(ctx context.Context, r *SignatureReport, sd *cms.SignedData) (Status, error) {
	if v.Status != nil {
		st, err := v.Status.CertificateStatus(ctx, r.Signer)
		if err != nil || st.Known {
			return st, err
		}
	}
	if len(r.Chain) < 2 {
		return Status{}, nil
	}
	return embeddedStatus(sd, r.Signer, r.Chain[1], r.SigningTime), nil
}

func pool(certs []*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// Errors of CheckNow.
var (
	ErrCertificateChain   = errors.New("cades: the certificate does not chain to a trusted root for this use now")
	ErrCertificateUnknown = errors.New("cades: the certificate is unknown to the status source")
	ErrCertificateRevoked = errors.New("cades: the certificate is revoked")
)

// CheckNow checks a certificate presented live rather than in a signature
// (a TLS peer, an e-signature sign-in): with others to help build its
// chain, it must chain to the roots for usage now, and Status must know it
// and not have revoked it. The error wraps ErrCertificateChain,
// ErrCertificateUnknown, ErrCertificateRevoked or the status source's.
func (v *Verifier) CheckNow(ctx context.Context, cert *x509.Certificate, others []*x509.Certificate, usage x509.ExtKeyUsage) error {
	if _, err := cert.Verify(x509.VerifyOptions{Roots: v.Roots, Intermediates: pool(slices.Concat(others, v.Intermediates)),
		CurrentTime: v.Now(), KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		return fmt.Errorf("%w: %v", ErrCertificateChain, err)
	}
	if v.Status == nil {
		return ErrCertificateUnknown
	}
	st, err := v.Status.CertificateStatus(ctx, cert)
	switch {
	case err != nil:
		return fmt.Errorf("certificate status: %w", err)
	case !st.Known:
		return fmt.Errorf("%w: serial %s", ErrCertificateUnknown, cert.SerialNumber.Text(16))
	case !st.RevokedAt.IsZero():
		return fmt.Errorf("%w: serial %s", ErrCertificateRevoked, cert.SerialNumber.Text(16))
	}
	return nil
}
