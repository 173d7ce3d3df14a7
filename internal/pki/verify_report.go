package pki

import (
	"bytes"
	"context"
	"crypto/x509"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// reportJSON is a verification report as the API returns it and the page
// shows it: the verdict with its reason as a message key and as text in
// the request's language, and what was found about each signature. Fields
// marked "-" are texts only the page shows.
type reportJSON struct {
	Verdict    cades.Verdict   `json:"verdict"`
	Reason     string          `json:"reason,omitempty"`
	ReasonText string          `json:"reason_text,omitempty"`
	Signatures []signatureJSON `json:"signatures"`
}

// signatureJSON is the report on one signer.
type signatureJSON struct {
	// Number counts the signatures from 1, for headings.
	Number     int           `json:"-"`
	Verdict    cades.Verdict `json:"verdict"`
	Reason     string        `json:"reason,omitempty"`
	ReasonText string        `json:"reason_text,omitempty"`
	Level      cades.Level   `json:"level"`
	// Signer is nil when the signature does not carry the signer's
	// certificate.
	Signer *certJSON `json:"signer,omitempty"`
	// Chain runs from the signer's certificate to the platform's root;
	// empty when no such chain was found.
	Chain []certJSON `json:"chain"`
	// SigningTime is the time the signature is judged at; TimeSource
	// says whether a trusted timestamp proves it ("timestamp"), the
	// signer only claims it ("claimed") or the signature states none and
	// it is the time of checking ("verification").
	SigningTime     time.Time        `json:"signing_time"`
	SigningTimeText string           `json:"-"`
	TimeSource      cades.TimeSource `json:"time_source"`
	ClaimedTime     *time.Time       `json:"claimed_time,omitempty"`
	ClaimedTimeText string           `json:"-"`
	Timestamp       *timestampJSON   `json:"timestamp,omitempty"`
	Status          statusJSON       `json:"status"`
	Checks          []checkJSON      `json:"checks"`
}

// Stopped tells whether the checks ended early: checks after one that
// fails are not made, and revocation is the last.
func (s signatureJSON) Stopped() bool {
	return len(s.Checks) > 0 && s.Checks[len(s.Checks)-1].Name != cades.CheckRevocation
}

// certJSON describes a certificate for people: names and numbers from the
// subject, and the certificate's identity and validity.
type certJSON struct {
	// Role is "signer", "ca" or "root" in a chain.
	Role         string    `json:"role,omitempty"`
	Name         string    `json:"name"`
	PINFL        string    `json:"pinfl,omitempty"`
	STIR         string    `json:"stir,omitempty"`
	Organization string    `json:"organization,omitempty"`
	Subject      string    `json:"subject"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
}

// timestampJSON is the signature timestamp.
type timestampJSON struct {
	Time     time.Time `json:"time"`
	TimeText string    `json:"-"`
	// AccuracyMS is how far Time may be off, in milliseconds; 0 when
	// the authority does not say.
	AccuracyMS   int64  `json:"accuracy_ms"`
	AccuracyText string `json:"-"`
	Serial       string `json:"serial"`
	// Authority is the timestamp authority's name.
	Authority string `json:"authority"`
}

// statusJSON is the revocation status of the signer's certificate as it
// bears on the signature.
type statusJSON struct {
	// State is "good" (not revoked), "revoked" (RevokedAt says when, and
	// the revocation check whether that was before the signature),
	// "unknown" or "not_checked" (an earlier check failed).
	State     string     `json:"state"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	// RevocationReason is the CRL reason, such as "key_compromise", when
	// this CA revoked the certificate.
	RevocationReason string `json:"revocation_reason,omitempty"`
	Text             string `json:"text"`
}

// checkJSON is one check made, in order; checks after one that fails are
// not made.
type checkJSON struct {
	Name       string        `json:"name"`
	NameText   string        `json:"name_text"`
	Verdict    cades.Verdict `json:"verdict"`
	Reason     string        `json:"reason,omitempty"`
	ReasonText string        `json:"reason_text,omitempty"`
}

// report turns the verifier's report into the API's and the page's, in
// the request's language, adding the revocation reasons this CA recorded.
func (m *Module) report(ctx context.Context, rep *cades.Report) (*reportJSON, error) {
	loc := web.Locale(ctx)
	t := func(key string, args ...any) string { return m.texts.T(loc, key, args...) }
	out := &reportJSON{Verdict: rep.Verdict, Reason: rep.Reason, Signatures: []signatureJSON{}}
	if rep.Reason != "" {
		out.ReasonText = t(rep.Reason)
	}
	for i, sr := range rep.Signatures {
		s := signatureJSON{Number: i + 1, Verdict: sr.Verdict, Reason: sr.Reason, Level: sr.Level, Chain: []certJSON{}, Checks: []checkJSON{},
			SigningTime: sr.SigningTime.UTC(), SigningTimeText: m.when(loc, sr.SigningTime), TimeSource: sr.TimeSource}
		if sr.Reason != "" {
			s.ReasonText = t(sr.Reason)
		}
		if sr.Signer != nil {
			c := describeCert(sr.Signer, "signer")
			s.Signer = &c
		}
		for j, c := range sr.Chain {
			role := "ca"
			switch j {
			case 0:
				role = "signer"
			case len(sr.Chain) - 1:
				role = "root"
			}
			s.Chain = append(s.Chain, describeCert(c, role))
		}
		if !sr.ClaimedTime.IsZero() && !sr.ClaimedTime.Equal(sr.SigningTime) {
			claimed := sr.ClaimedTime.UTC()
			s.ClaimedTime, s.ClaimedTimeText = &claimed, m.when(loc, claimed)
		}
		if ts := sr.Timestamp; ts != nil {
			s.Timestamp = &timestampJSON{Time: ts.Time.UTC(), TimeText: m.when(loc, ts.Time), AccuracyMS: ts.Accuracy.Milliseconds(),
				AccuracyText: accuracyText(t, ts.Accuracy), Serial: ts.Serial.Text(16)}
			if ts.TSA != nil {
				s.Timestamp.Authority = ts.TSA.Subject.CommonName
			}
		}
		for _, c := range sr.Checks {
			cj := checkJSON{Name: c.Name, NameText: t("pki.verify.check." + c.Name), Verdict: c.Verdict, Reason: c.Reason}
			if c.Reason != "" {
				cj.ReasonText = t(c.Reason)
			}
			s.Checks = append(s.Checks, cj)
		}
		var err error
		if s.Status, err = m.status(ctx, loc, &sr); err != nil {
			return nil, err
		}
		out.Signatures = append(out.Signatures, s)
	}
	return out, nil
}

// status describes the signer's certificate's revocation status from the
// revocation check, with the reason when this CA revoked it (a certificate
// it has no record of, such as one known from an embedded OCSP response,
// goes without).
func (m *Module) status(ctx context.Context, loc i18n.Locale, sr *cades.SignatureReport) (statusJSON, error) {
	t := func(key string, args ...any) string { return m.texts.T(loc, key, args...) }
	var check *cades.Check
	for i := range sr.Checks {
		if sr.Checks[i].Name == cades.CheckRevocation {
			check = &sr.Checks[i]
			break
		}
	}
	switch {
	case check == nil:
		return statusJSON{State: "not_checked", Text: t("pki.verify.status.not_checked")}, nil
	case sr.RevokedAt.IsZero() && check.Verdict == cades.Valid:
		return statusJSON{State: "good", Text: t("pki.verify.status.good")}, nil
	case sr.RevokedAt.IsZero():
		return statusJSON{State: "unknown", Text: t("pki.verify.status.unknown")}, nil
	}
	at := sr.RevokedAt.UTC()
	st := statusJSON{State: "revoked", RevokedAt: &at}
	reason := t("pki.verify.status.reason_unknown")
	c, err := m.svc.FindCertificate(ctx, serialHex(sr.Signer.SerialNumber))
	switch {
	case apperr.Is(err, apperr.EINTERNAL):
		return st, err
	case err == nil && bytes.Equal(c.DER, sr.Signer.Raw) && c.RevokedAt != nil:
		st.RevocationReason = c.Reason.String()
		reason = t("pki.reason." + st.RevocationReason)
	}
	// The check's verdict tells whether the revocation came before the
	// signature, after it, or cannot be placed.
	st.Text = t("pki.verify.status.revoked_"+string(check.Verdict), m.when(loc, at), reason)
	return st, nil
}

// describeCert reads what a person needs from a certificate's subject:
// the name, PINFL (the subject's serialNumber, when it is one), STIR (from
// organizationIdentifier "NTRUZ-…") and organisation.
func describeCert(c *x509.Certificate, role string) certJSON {
	out := certJSON{Role: role, Name: c.Subject.CommonName, Organization: firstOf(c.Subject.Organization),
		Subject: NameText(c.Subject), Issuer: NameText(c.Issuer), Serial: serialHex(c.SerialNumber),
		NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
	if pinflPattern.MatchString(c.Subject.SerialNumber) {
		out.PINFL = c.Subject.SerialNumber
	}
	for _, atv := range c.Subject.Names {
		v, _ := atv.Value.(string)
		if stir, ok := strings.CutPrefix(v, stirIdentifier("")); ok && atv.Type.Equal(oidOrganizationIdentifier) && stirPattern.MatchString(stir) {
			out.STIR = stir
		}
	}
	if out.Name == "" {
		out.Name = out.Subject
	}
	return out
}

// when writes a moment for people: the date in their language and the
// time of day in Tashkent.
func (m *Module) when(loc i18n.Locale, t time.Time) string {
	local := t.In(clock.Tashkent)
	return m.texts.T(loc, "pki.verify.at", i18n.FormatDate(loc, local), local.Format("15:04:05"))
}

// accuracyText writes a timestamp's accuracy: in seconds when whole, else
// in milliseconds (with a fraction below one).
func accuracyText(t func(string, ...any) string, d time.Duration) string {
	switch {
	case d <= 0:
		return t("pki.verify.timestamp.accuracy_none")
	case d%time.Second == 0:
		return t("pki.verify.timestamp.accuracy_s", strconv.FormatInt(int64(d/time.Second), 10))
	}
	return t("pki.verify.timestamp.accuracy_ms", strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', -1, 64))
}
