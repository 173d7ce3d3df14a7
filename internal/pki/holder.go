package pki

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Holder is the signed-in person as the certificate pages need them: the
// identity register's verified PINFL and names, never what a request
// says.
type Holder struct {
	UserID, PINFL, GivenName, Surname string
	// Strong says the person signed in with more than a password (a
	// second factor or a certificate), which enrolment asks for.
	Strong bool
}

// Holders tells the pages who is signed in; the identity module provides
// it.
type Holders interface {
	Holder(ctx context.Context) (Holder, bool)
}

// holderReasons are the revocation reasons a holder may give.
var holderReasons = []Reason{ReasonKeyCompromise, ReasonSuperseded, ReasonAffiliationChanged, ReasonCessationOfOperation}

// maxCSR bounds a certificate request; real ones are under a kilobyte.
const maxCSR = 16 << 10

// UseHolders turns on the holder's pages (/profile/certificates), for
// people signed in with permission self, who they are told by holders.
// Call it before Routes.
func (m *Module) UseHolders(holders Holders, self web.Permission) {
	m.holders, m.self = holders, self
}

// holderRoutes registers the holder's pages.
func (m *Module) holderRoutes(r *web.Router) {
	r.Handle("GET /profile/certificates", m.self, m.showCertificates)
	r.Handle("POST /profile/certificates", m.self, m.enrol)
	r.Handle("GET /profile/certificates/{file}", m.self, m.downloadCertificate)
	r.Handle("POST /profile/certificates/{serial}/revoke", m.self, m.revokeOwn)
}

// certificatesView is the holder's page: their certificates, the reasons
// they may revoke for, and the identity a new certificate will carry.
type certificatesView struct {
	Holder       Holder
	Certificates []*Certificate
	Reasons      []Reason
	// Issued is the serial of the certificate just issued, if any.
	Issued string
	Errors map[string]string
	CSR    string
	// Agencies are where the holder serves as an officer, for officer
	// certificates; Requests are the holder's requests for them, and
	// Requested the ID of the one just sent. All empty without Staff.
	Agencies   []Agency
	Requests   []*Request
	Requested  string
	OfficerCSR string
}

// Renewable lists the holder's certificates still valid, which a new one
// may replace.
func (v certificatesView) Renewable() []*Certificate {
	var out []*Certificate
	for _, c := range v.Certificates {
		if c.RevokedAt == nil && c.Profile == ProfilePerson {
			out = append(out, c)
		}
	}
	return out
}

// Admin and RevokeBase set the certificate table for the holder.
func (certificatesView) Admin() bool        { return false }
func (certificatesView) RevokeBase() string { return "/profile/certificates" }

// enrolling is the signed-in person asking for a certificate: only after a
// strong sign-in (EFORBIDDEN MsgEnrolStrong otherwise), so that a stolen
// password alone gets no one a certificate in another's name.
func (m *Module) enrolling(ctx context.Context) (Holder, error) {
	h, err := m.holder(ctx)
	if err == nil && !h.Strong {
		err = apperr.New(apperr.EFORBIDDEN, MsgEnrolStrong)
	}
	return h, err
}

// holder is the signed-in person; EUNAUTHORIZED without one.
func (m *Module) holder(ctx context.Context) (Holder, error) {
	h, ok := m.holders.Holder(ctx)
	if !ok {
		return h, apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	}
	return h, nil
}

func (m *Module) showCertificates(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return m.renderCertificates(w, r, http.StatusOK, certificatesView{Issued: q.Get("issued"), Requested: q.Get("requested")})
}

// renderCertificates fills v with the holder's certificates and shows it.
func (m *Module) renderCertificates(w http.ResponseWriter, r *http.Request, status int, v certificatesView) error {
	h, err := m.holder(r.Context())
	if err != nil {
		return err
	}
	if v.Certificates, err = m.svc.FindCertificates(r.Context(), CertificateFilter{Owner: &h.UserID}); err != nil {
		return err
	}
	if m.staff != nil {
		if v.Agencies, err = m.staff.OfficerAgencies(r.Context()); err != nil {
			return err
		}
		if v.Requests, err = m.svc.FindRequests(r.Context(), RequestFilter{Owner: &h.UserID, Limit: 20}); err != nil {
			return err
		}
	}
	v.Holder, v.Reasons = h, holderReasons
	return m.certificates.Render(w, r, status, v)
}

// enrol certifies the holder's request as a personal certificate with the
// identity register's PINFL and names: at once, as the holder is signed in
// and known to the register. With "replaces" it renews: the certificate
// named there, one of the holder's, is revoked as superseded. A script (esign.js) sends the request it made
// in the browser and takes the chain as JSON; without one, a request from
// `egov pki keygen` is pasted or uploaded and the page shows the result.
func (m *Module) enrol(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := m.enrolling(ctx)
	if err != nil {
		return err
	}
	csr, err := formCSR(r, "csr")
	wantsJSON := acceptsJSON(r)
	// Renewal: the new certificate supersedes one of the holder's own.
	var old *Certificate
	if serial := r.PostFormValue("replaces"); err == nil && serial != "" {
		if old, err = m.ownCertificate(ctx, serial); err == nil && old.RevokedAt != nil {
			err = apperr.Invalid(MsgAlreadyRevoked, map[string]string{"replaces": MsgAlreadyRevoked})
		}
	}
	var c *Certificate
	if err == nil {
		c, err = m.svc.Issue(ctx, IssueRequest{Profile: ProfilePerson, CSR: csr, Owner: h.UserID, Actor: h.UserID,
			Subject: Subject{PINFL: h.PINFL, GivenName: h.GivenName, Surname: h.Surname}})
	}
	if err == nil && old != nil {
		_, err = m.svc.Revoke(ctx, h.UserID, old.Serial, ReasonSuperseded)
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && !wantsJSON {
		fields := e.Fields
		if len(fields) == 0 {
			fields = map[string]string{"csr": e.Message}
		}
		return m.renderCertificates(w, r, http.StatusUnprocessableEntity, certificatesView{Errors: fields, CSR: string(csr)})
	}
	if err != nil {
		return err
	}
	if !wantsJSON {
		http.Redirect(w, r, "/profile/certificates?issued="+url.QueryEscape(c.Serial), http.StatusSeeOther)
		return nil
	}
	chain, err := m.chainOf(ctx, c)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, map[string]any{"serial": c.Serial, "chain": chain})
}

// formCSR reads the certificate request a form sends, pasted in the field
// "csr" or uploaded as "csr_file"; none or one too large is EINVALID with
// the problem at field.
func formCSR(r *http.Request, field string) ([]byte, error) {
	csr := []byte(r.PostFormValue("csr"))
	if f, _, err := r.FormFile("csr_file"); err == nil {
		defer f.Close()
		if csr, err = io.ReadAll(io.LimitReader(f, maxCSR+1)); err != nil {
			return nil, err
		}
	}
	switch {
	case len(strings.TrimSpace(string(csr))) == 0:
		return csr, apperr.Invalid(MsgCSRMalformed, map[string]string{field: MsgEnrolNoRequest})
	case len(csr) > maxCSR:
		return csr, apperr.Invalid(MsgCSRMalformed, map[string]string{field: MsgCSRMalformed})
	}
	return csr, nil
}

// acceptsJSON tells whether a script asks, wanting JSON rather than a
// page.
func acceptsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}

// chainOf is c's chain for a key store: c, the issuing CA, the root.
func (m *Module) chainOf(ctx context.Context, c *Certificate) ([][]byte, error) {
	chain, err := m.svc.Chain(ctx)
	if err != nil {
		return nil, err
	}
	out := [][]byte{c.DER}
	for _, ca := range chain {
		out = append(out, ca.Raw)
	}
	return out, nil
}

// ownCertificate returns the holder's certificate with serial; ENOTFOUND
// for anyone else's, as for none.
func (m *Module) ownCertificate(ctx context.Context, serial string) (*Certificate, error) {
	h, err := m.holder(ctx)
	if err != nil {
		return nil, err
	}
	c, err := m.svc.FindCertificate(ctx, serial)
	if err != nil {
		return nil, err
	}
	if c.Owner != h.UserID {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	return c, nil
}

// downloadCertificate sends one of the holder's certificates as PEM
// (<serial>.pem) or DER (<serial>.crt).
func (m *Module) downloadCertificate(w http.ResponseWriter, r *http.Request) error {
	file := r.PathValue("file")
	serial, ext, _ := strings.Cut(file, ".")
	c, err := m.ownCertificate(r.Context(), serial)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.Serial+"."+ext+`"`)
	switch ext {
	case "pem":
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, err = w.Write(c.PEM())
	case "crt":
		w.Header().Set("Content-Type", typeCert)
		_, err = w.Write(c.DER)
	default:
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	return err
}

// revokeOwn revokes one of the holder's certificates for the reason they
// give.
func (m *Module) revokeOwn(w http.ResponseWriter, r *http.Request) error {
	c, err := m.ownCertificate(r.Context(), r.PathValue("serial"))
	if err != nil {
		return err
	}
	reason, err := ParseReason(r.PostFormValue("reason"))
	if err != nil || !slices.Contains(holderReasons, reason) {
		return apperr.Invalid(MsgReason, map[string]string{"reason": MsgReason})
	}
	if _, err := m.svc.Revoke(r.Context(), c.Owner, c.Serial, reason); err != nil {
		return err
	}
	http.Redirect(w, r, "/profile/certificates", http.StatusSeeOther)
	return nil
}
