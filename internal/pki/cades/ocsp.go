package cades

import (
	"crypto/x509"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
	"golang.org/x/crypto/ocsp"
)

// embeddedStatus reads the status of cert at t from the OCSP responses
// a B-LT signature carries. A response counts if it is signed by the
// issuer or by a responder the issuer delegated (id-kp-OCSPSigning), and
// either was produced after t or was current at t.
func embeddedStatus(sd *cms.SignedData, cert, issuer *x509.Certificate, t time.Time) Status {
	for _, o := range sd.OtherRevocationInfo {
		if !o.Format.Equal(cms.OIDRevInfoOCSP) {
			continue
		}
		resp, err := ocsp.ParseResponseForCert(o.Info, cert, issuer)
		if err != nil || !delegatedOrIssuer(resp, issuer) {
			continue
		}
		current := !resp.ThisUpdate.After(t) && (resp.NextUpdate.IsZero() || resp.NextUpdate.After(t))
		switch {
		case resp.Status == ocsp.Revoked:
			return Status{Known: true, RevokedAt: resp.RevokedAt}
		case resp.Status == ocsp.Good && (current || resp.ThisUpdate.After(t)):
			return Status{Known: true}
		}
	}
	return Status{}
}

// delegatedOrIssuer tells whether resp was signed by issuer itself or by a
// certificate issuer gave the OCSP signing purpose (ParseResponseForCert
// has checked that issuer signed it).
func delegatedOrIssuer(resp *ocsp.Response, issuer *x509.Certificate) bool {
	if resp.Certificate == nil || resp.Certificate.Equal(issuer) {
		return true
	}
	return slices.Contains(resp.Certificate.ExtKeyUsage, x509.ExtKeyUsageOCSPSigning)
}
