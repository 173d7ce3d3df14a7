package pki

import (
	"context"
	"net/http"
	"net/url"
	"slices"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Agency is a state body as officer certificates name it.
type Agency struct {
	ID string
	// Name is the agency's name in Uzbek Latin, the state language: the
	// organisation in the subject of its officers' certificates.
	Name string
}

// Staff tells the pages where the signed-in person works; the identity
// module and the agency register provide it.
type Staff interface {
	// OfficerAgencies lists the agencies where the person serves as an
	// officer or supervisor, which their officer certificates may name.
	OfficerAgencies(ctx context.Context) ([]Agency, error)
	// Administers tells whose certificates the person approves and
	// revokes: everyone's (all), or the officer certificates of the
	// agencies listed.
	Administers(ctx context.Context) (agencies []string, all bool)
}

// UseStaff turns on officer certificates: officers request them on their
// certificates page, and administrators with permission admin approve,
// reject and revoke them on /admin/certificates, within the agencies staff
// says they administer. Call it with UseHolders, before Routes.
func (m *Module) UseStaff(staff Staff, admin web.Permission) {
	m.staff, m.adminPerm = staff, admin
}

// staffRoutes registers the officers' requests and the administrators'
// page.
func (m *Module) staffRoutes(r *web.Router) {
	r.Handle("POST /profile/certificates/officer", m.self, m.requestOfficer)
	r.Handle("GET /profile/certificates/requests/{id}", m.self, m.showRequest)
	r.Handle("GET /admin/certificates", m.adminPerm, m.showAdmin)
	r.Handle("POST /admin/certificates/requests/{id}/approve", m.adminPerm, m.approve)
	r.Handle("POST /admin/certificates/requests/{id}/reject", m.adminPerm, m.reject)
	r.Handle("POST /admin/certificates/{serial}/revoke", m.adminPerm, m.revokeAsAdmin)
}

// requestOfficer stores the holder's request for an officer certificate of
// an agency they serve in, with the identity register's PINFL and names
// and the agency's name, for an administrator to decide. A script sends
// the request it made in the browser and takes the request's ID as JSON,
// to keep the key under it until the certificate exists; without one, a
// request from `egov pki keygen` is pasted or uploaded.
func (m *Module) requestOfficer(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := m.enrolling(ctx)
	if err != nil {
		return err
	}
	agencies, err := m.staff.OfficerAgencies(ctx)
	if err != nil {
		return err
	}
	wantsJSON := acceptsJSON(r)
	csr, err := formCSR(r, "officer-csr")
	i := slices.IndexFunc(agencies, func(a Agency) bool { return a.ID == r.PostFormValue("agency") })
	if err == nil && i < 0 {
		err = apperr.Invalid(MsgRequestAgency, map[string]string{"officer-agency": MsgRequestAgency})
	}
	var req *Request
	if err == nil {
		req, err = m.svc.SubmitRequest(ctx, RequestInput{Profile: ProfileOfficer, Agency: agencies[i].ID, CSR: csr, Owner: h.UserID,
			Subject: Subject{PINFL: h.PINFL, GivenName: h.GivenName, Surname: h.Surname, Organization: agencies[i].Name}})
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && !wantsJSON {
		fields := e.Fields
		if fields["officer-agency"] == "" && fields["officer-csr"] == "" {
			fields = map[string]string{"officer-csr": e.Message}
		}
		return m.renderCertificates(w, r, http.StatusUnprocessableEntity, certificatesView{Errors: fields, OfficerCSR: string(csr)})
	}
	if err != nil {
		return err
	}
	if !wantsJSON {
		http.Redirect(w, r, "/profile/certificates?requested="+url.QueryEscape(req.ID), http.StatusSeeOther)
		return nil
	}
	return web.WriteJSON(w, http.StatusAccepted, map[string]any{"id": req.ID, "state": req.State})
}

// showRequest tells the holder's script where one of their requests is:
// its state, the certificate's serial and chain once approved, the reason
// once rejected. Anyone else's request is ENOTFOUND, as none.
func (m *Module) showRequest(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	h, err := m.holder(ctx)
	if err != nil {
		return err
	}
	req, err := m.svc.FindRequest(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if req.Owner != h.UserID {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchRequest)
	}
	out := map[string]any{"id": req.ID, "state": req.State}
	switch req.State {
	case RequestApproved:
		c, err := m.svc.FindCertificate(ctx, req.Serial)
		if err != nil {
			return err
		}
		if out["chain"], err = m.chainOf(ctx, c); err != nil {
			return err
		}
		out["serial"] = c.Serial
	case RequestRejected:
		out["reason"] = req.Reason
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
