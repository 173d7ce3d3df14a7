package cades

import (
	"crypto/x509"
	"math/big"
	"time"
)

// Verdict is the outcome of a check or of a whole signature.
type Verdict string

// Verdicts (ETSI EN 319 102-1 5.1.3): indeterminate means the signature may
// be good but what is at hand cannot show it.
const (
	Valid         Verdict = "valid"
	Invalid       Verdict = "invalid"
	Indeterminate Verdict = "indeterminate"
)

// Reasons are message keys, for pages to translate.
const (
	ReasonMalformed          = "cades.reason.malformed"           // not a CMS signature
	ReasonNoSignature        = "cades.reason.no_signature"        // no signer in the container
	ReasonNoSignerCert       = "cades.reason.no_signer_cert"      // the signer's certificate is not at hand
	ReasonAlgorithm          = "cades.reason.algorithm"           // an algorithm that is not accepted (SHA-1, MD5, …)
	ReasonDigest             = "cades.reason.digest"              // the document is not the one signed
	ReasonSignature          = "cades.reason.signature"           // the signature value does not verify
	ReasonSigningCertificate = "cades.reason.signing_certificate" // signing-certificate-v2 names another certificate
	ReasonTimestamp          = "cades.reason.timestamp"           // the timestamp is broken, for other data, or untrusted
	ReasonChain              = "cades.reason.chain"               // no chain to a trusted root
	ReasonNotYetValid        = "cades.reason.not_yet_valid"       // signed before the certificate's validity
	ReasonExpired            = "cades.reason.expired"             // signed after the certificate's validity
	ReasonExpiredNoPOE       = "cades.reason.expired_no_poe"      // expired now, and no timestamp proves the signing time
	ReasonRevoked            = "cades.reason.revoked"             // signed at or after the revocation
	ReasonRevokedNoPOE       = "cades.reason.revoked_no_poe"      // revoked, and no timestamp proves signing came first
	ReasonRevocationUnknown  = "cades.reason.revocation_unknown"  // no status for the certificate could be had
)

// Names of the checks in a SignatureReport, in the order they are made.
const (
	CheckIntegrity          = "integrity"
	CheckSigningCertificate = "signing_certificate"
	CheckTimestamp          = "timestamp"
	CheckChain              = "chain"
	CheckValidity           = "validity"
	CheckRevocation         = "revocation"
)

// TimeSource says where a signature's time comes from.
type TimeSource string

// Time sources, from strongest to weakest.
const (
	// TimeFromTimestamp: a trusted timestamp proves the signature existed
	// then.
	TimeFromTimestamp TimeSource = "timestamp"
	// TimeClaimed: the signer's own signing-time attribute, unproven.
	TimeClaimed TimeSource = "claimed"
	// TimeOfVerification: neither; the signature is judged as of now.
	TimeOfVerification TimeSource = "verification"
)

// Report is the result of verifying a signature container.
type Report struct {
	// Verdict is the worst of the signatures' verdicts, and Reason the
	// reason of the first signature with that verdict.
	Verdict    Verdict
	Reason     string
	Signatures []SignatureReport
}

// SignatureReport is the result for one signer.
type SignatureReport struct {
	Verdict Verdict
	// Reason is a message key; empty when valid.
	Reason string
	Level  Level
	// Signer is the signer's certificate, when found, and Chain the path
	// from it to the root.
	Signer *x509.Certificate
	Chain  []*x509.Certificate
	// SigningTime is the time the signature is judged at, and TimeSource
	// how trustworthy it is. ClaimedTime is the signer's own claim, if any.
	SigningTime time.Time
	TimeSource  TimeSource
	ClaimedTime time.Time
	Timestamp   *TimestampReport
	// RevokedAt is set when the signer's certificate is revoked, at any
	// time.
	RevokedAt time.Time
	Checks    []Check
}

// TimestampReport describes a signature timestamp.
type TimestampReport struct {
	Time time.Time
	// Accuracy is how far the TSA says Time may be off; zero when the
	// token does not say.
	Accuracy time.Duration
	Serial   *big.Int
	// TSA is the timestamp authority's certificate, when found.
	TSA *x509.Certificate
}

// Check is one check made of a signature.
type Check struct {
	Name    string
	Verdict Verdict
	// Reason is a message key; empty when valid.
	Reason string
}

// add records a check.
func (r *SignatureReport) add(name string, v Verdict, reason string) {
	r.Checks = append(r.Checks, Check{Name: name, Verdict: v, Reason: reason})
}

// finish sets the verdict from the checks: invalid if any check is,
// otherwise indeterminate if any is, otherwise valid; the reason is that
// of the first such check.
func (r *SignatureReport) finish() {
	r.Verdict, r.Reason = Valid, ""
	for _, want := range []Verdict{Invalid, Indeterminate} {
		for _, c := range r.Checks {
			if c.Verdict == want {
				r.Verdict, r.Reason = want, c.Reason
				return
			}
		}
	}
}

// worse tells whether a is a worse verdict than b.
func worse(a, b Verdict) bool {
	rank := map[Verdict]int{Valid: 0, Indeterminate: 1, Invalid: 2}
	return rank[a] > rank[b]
}
