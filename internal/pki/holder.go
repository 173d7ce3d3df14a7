package pki

import (
	"context"
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
	return m.renderCertificates(w, r, http.StatusOK, certificatesView{Issued: r.URL.Query().Get("issued")})
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
	v.Holder, v.Reasons = h, holderReasons
	return m.certificates.Render(w, r, status, v)
}

// enrol certifies the holder's request as a personal certificate with the
// identity register's PINFL and names: at once, as the holder is signed in
// and known to the register. A script (esign.js) sends the request it made
// in the browser and takes the chain as JSON; without one, a request from
// `egov pki keygen` is pasted or uploaded and the page shows the result.
func (m *Module) enrol(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := m.holder(ctx)
	if err != nil {
		return err
	}
	csr := []byte(r.PostFormValue("csr"))
	if f, _, ferr := r.FormFile("csr_file"); ferr == nil {
		defer f.Close()
		buf := make([]byte, maxCSR+1)
		n, _ := f.Read(buf)
		csr = buf[:n]
	}
	wantsJSON := strings.Contains(r.Header.Get("Accept"), "application/json")
	switch {
	case len(strings.TrimSpace(string(csr))) == 0:
		err = apperr.Invalid(MsgCSRMalformed, map[string]string{"csr": MsgEnrolNoRequest})
	case len(csr) > maxCSR:
		err = apperr.Invalid(MsgCSRMalformed, map[string]string{"csr": MsgCSRMalformed})
	}
	var c *Certificate
	if err == nil {
		c, err = m.svc.Issue(ctx, IssueRequest{Profile: ProfilePerson, CSR: csr, Owner: h.UserID, Actor: h.UserID,
			Subject: Subject{PINFL: h.PINFL, GivenName: h.GivenName, Surname: h.Surname}})
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
	chain, err := m.svc.Chain(ctx)
	if err != nil {
		return err
	}
	out := [][]byte{c.DER}
	for _, ca := range chain {
		out = append(out, ca.Raw)
	}
	return web.WriteJSON(w, http.StatusCreated, map[string]any{"serial": c.Serial, "chain": out})
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
