package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"strings"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/docgen"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/portal"
	"github.com/egovuz/egov/internal/workflow"
)

// applicationResults makes result documents: docgen renders the PDF in
// the applicant's language, and the officer who decided signs it with the
// key the platform keeps for them (CAdES B-T, timestamped by the
// platform's TSA).
type applicationResults struct {
	accounts *identity.Service
	registry *catalog.Registry
	pki      *pki.Service
}

// Make renders and signs the result of app.
func (r applicationResults) Make(ctx context.Context, app *portal.Application, officerID string, fields []string, verifyURL string) ([]byte, []byte, string, error) {
	applicant, err := r.accounts.FindUserByID(ctx, app.ApplicantID)
	if err != nil {
		return nil, nil, "", err
	}
	officer, err := r.accounts.FindUserByID(ctx, officerID)
	if err != nil {
		return nil, nil, "", err
	}
	loc, _ := i18n.ParseLocale(applicant.Locale)
	s, err := r.registry.ServiceByCode(ctx, app.ServiceCode)
	if err != nil {
		return nil, nil, "", err
	}
	sf, err := r.registry.Form(ctx, app.ServiceCode, app.FormVersion)
	if err != nil {
		return nil, nil, "", err
	}
	doc := docgen.Document{Locale: loc, Title: s.Result.Get(loc), Number: app.Number, IssuedAt: app.UpdatedAt,
		Officer: officer.DisplayName(loc), VerifyURL: verifyURL}
	agencies, err := r.registry.Agencies(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	for _, a := range agencies {
		if a.ID == app.AgencyID {
			doc.Issuer = a.Names.Get(loc)
		}
	}
	wanted := map[string]bool{}
	for _, f := range fields {
		wanted[f] = true
	}
	for _, step := range sf.Form.Summary(app.Answers, loc) {
		for _, row := range step.Rows {
			if wanted[row.Name] && row.Value != "" {
				doc.Fields = append(doc.Fields, docgen.Field{Label: row.Label, Value: row.Value})
			}
		}
	}
	pdf, err := docgen.Render(doc)
	if err != nil {
		return nil, nil, "", err
	}
	sig, serial, err := r.sign(ctx, officerID, pdf)
	if err != nil {
		return nil, nil, "", err
	}
	return pdf, sig, officer.DisplayName(loc) + " (" + serial + ")", nil
}

// sign signs content with the newest officer certificate of the officer
// whose key the platform keeps.
func (r applicationResults) sign(ctx context.Context, officerID string, content []byte) ([]byte, string, error) {
	profile := pki.ProfileOfficer
	certs, err := r.pki.FindCertificates(ctx, pki.CertificateFilter{Owner: &officerID, Profile: &profile})
	if err != nil {
		return nil, "", err
	}
	for _, c := range certs {
		sig, err := r.pki.CloudSign(ctx, officerID, c.Serial, content, false)
		switch {
		case err == nil:
			return sig, c.Serial, nil
		case apperr.Is(err, apperr.ENOTFOUND), apperr.Is(err, apperr.EINVALID):
			continue // a key on the officer's device, or one no longer valid
		default:
			return nil, "", err
		}
	}
	return nil, "", fmt.Errorf("officer %s has no signing key the platform keeps", officerID)
}

// signatureChecker checks applicants' and result documents' signatures
// with the PKI's verifier.
type signatureChecker struct{ pki *pki.Service }

// Check verifies the detached signature sig of content.
func (s signatureChecker) Check(ctx context.Context, content, sig []byte) (portal.SignatureCheck, error) {
	v, err := s.pki.Verifier(ctx)
	if err != nil {
		return portal.SignatureCheck{}, err
	}
	rep, err := v.Verify(ctx, content, sig)
	if err != nil {
		return portal.SignatureCheck{Reason: "portal.result.not_found"}, nil
	}
	out := portal.SignatureCheck{Valid: rep.Verdict == cades.Valid, Reason: rep.Reason}
	if len(rep.Signatures) > 0 {
		sr := rep.Signatures[0]
		out.SignedAt = sr.SigningTime.UTC()
		out.Signer = holder(sr.Signer)
		if sr.Signer != nil {
			out.PINFL = sr.Signer.Subject.SerialNumber
		}
	}
	return out, nil
}

// holder names a certificate's subject: the person and the organisation.
func holder(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	name := strings.TrimSpace(strings.Join(c.Subject.Organization, ", "))
	if name == "" {
		return c.Subject.CommonName
	}
	return c.Subject.CommonName + ", " + name
}

// runApplicationResult runs an application.result task: the result
// document of the application, signed by the officer who completed the
// decision (the variable completedBy), showing the answers the header
// "fields" lists (comma-separated).
func (a *App) runApplicationResult(ctx context.Context, t workflow.ServiceTask) (map[string]any, error) {
	number, _ := t.Variables["applicationId"].(string)
	officer, _ := t.Variables[workflow.CompletedBy].(string)
	var fields []string
	for _, f := range strings.Split(t.Headers["fields"], ",") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	err := a.Applications.IssueResult(ctx, number, officer, fields, t.Key)
	if e := apperr.As(err); e != nil && e.Code == apperr.ENOTFOUND && e.Message == portal.MsgNoApplication {
		a.log.InfoContext(ctx, "application.result: not a portal application", "number", number, "instance", t.InstanceID)
		return nil, nil
	}
	return nil, err
}
