package pki

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// adminReasons are the reasons an administrator revokes for, the likeliest
// first: an officer who left or lost the right to sign.
var adminReasons = []Reason{ReasonAffiliationChanged, ReasonPrivilegeWithdrawn, ReasonKeyCompromise, ReasonSuperseded,
	ReasonCessationOfOperation, ReasonUnspecified}

// adminView is the administrators' page: the officer requests waiting for
// them and a search for certificates to revoke.
type adminView struct {
	// All says the administrator acts for every agency.
	All      bool
	Requests []*Request
	// Query is the PINFL or serial searched for, Certificates what it
	// found.
	Query        string
	Certificates []*Certificate
	Reasons      []Reason
	// Done says what was just done ("approved", "rejected", "revoked"),
	// Serial to which certificate.
	Done, Serial string
	Errors       map[string]string
}

// Admin and RevokeBase set the certificate table for administrators.
func (adminView) Admin() bool        { return true }
func (adminView) RevokeBase() string { return "/admin/certificates" }

// adminScope is the signed-in administrator's reach: nil for every agency,
// else the agencies they administer; EFORBIDDEN for none.
func (m *Module) adminScope(ctx context.Context) ([]string, error) {
	agencies, all := m.staff.Administers(ctx)
	switch {
	case all:
		return nil, nil
	case len(agencies) == 0:
		return nil, apperr.New(apperr.EFORBIDDEN, "error.forbidden")
	}
	return agencies, nil
}

func (m *Module) showAdmin(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	return m.renderAdmin(w, r, http.StatusOK, adminView{Query: strings.TrimSpace(q.Get("q")), Done: q.Get("done"), Serial: q.Get("serial")})
}

// renderAdmin fills v with the pending requests and, for a query, the
// certificates found, within the administrator's reach, and shows it.
func (m *Module) renderAdmin(w http.ResponseWriter, r *http.Request, status int, v adminView) error {
	ctx := r.Context()
	scope, err := m.adminScope(ctx)
	if err != nil {
		return err
	}
	pending := RequestPending
	if v.Requests, err = m.svc.FindRequests(ctx, RequestFilter{State: &pending, Agencies: scope}); err != nil {
		return err
	}
	if v.Query != "" {
		f := CertificateSearch{Agencies: scope}
		if pinflPattern.MatchString(v.Query) {
			f.PINFL = &v.Query
		} else {
			f.Serial = &v.Query
		}
		v.Certificates, err = m.svc.SearchCertificates(ctx, f)
		if apperr.Is(err, apperr.EINVALID) {
			v.Errors, status, err = map[string]string{"q": MsgSearchQuery}, http.StatusUnprocessableEntity, nil
		}
		if err != nil {
			return err
		}
	}
	v.All, v.Reasons = scope == nil, adminReasons
	return m.admin.Render(w, r, status, v)
}

// managedRequest returns the request named in the path if the signed-in
// administrator may decide it, with their account ID; a request of
// another agency is ENOTFOUND, as none.
func (m *Module) managedRequest(r *http.Request) (*Request, string, error) {
	ctx := r.Context()
	h, err := m.holder(ctx)
	if err != nil {
		return nil, "", err
	}
	scope, err := m.adminScope(ctx)
	if err != nil {
		return nil, "", err
	}
	req, err := m.svc.FindRequest(ctx, r.PathValue("id"))
	if err != nil {
		return nil, "", err
	}
	if scope != nil && !slices.Contains(scope, req.Agency) {
		return nil, "", apperr.New(apperr.ENOTFOUND, MsgNoSuchRequest)
	}
	return req, h.UserID, nil
}

// approve issues the officer certificate a request asks for.
func (m *Module) approve(w http.ResponseWriter, r *http.Request) error {
	req, actor, err := m.managedRequest(r)
	if err != nil {
		return err
	}
	_, c, err := m.svc.ApproveRequest(r.Context(), actor, req.ID)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/certificates?done=approved&serial="+url.QueryEscape(c.Serial), http.StatusSeeOther)
	return nil
}

// reject refuses a request for the reason given, which the officer sees;
// without one the page shows the problem at the request's field.
func (m *Module) reject(w http.ResponseWriter, r *http.Request) error {
	req, actor, err := m.managedRequest(r)
	if err != nil {
		return err
	}
	_, err = m.svc.RejectRequest(r.Context(), actor, req.ID, r.PostFormValue("reason"))
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return m.renderAdmin(w, r, http.StatusUnprocessableEntity, adminView{Errors: map[string]string{"reason-" + req.ID: e.Message}})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/certificates?done=rejected", http.StatusSeeOther)
	return nil
}

// revokeAsAdmin revokes a certificate within the administrator's reach for
// the reason chosen; one outside it is ENOTFOUND, as none.
func (m *Module) revokeAsAdmin(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := m.holder(ctx)
	if err != nil {
		return err
	}
	scope, err := m.adminScope(ctx)
	if err != nil {
		return err
	}
	serial := r.PathValue("serial")
	found, err := m.svc.SearchCertificates(ctx, CertificateSearch{Serial: &serial, Agencies: scope})
	if err != nil {
		return err
	}
	if len(found) == 0 {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchCertificate)
	}
	reason, err := ParseReason(r.PostFormValue("reason"))
	if err != nil || !slices.Contains(adminReasons, reason) {
		return apperr.Invalid(MsgReason, map[string]string{"reason": MsgReason})
	}
	c, err := m.svc.Revoke(ctx, h.UserID, found[0].Serial, reason)
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/certificates?done=revoked&serial="+url.QueryEscape(c.Serial)+"&q="+url.QueryEscape(c.Serial), http.StatusSeeOther)
	return nil
}
