package identity

import (
	"net/http"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// adminUsersView is the list of people for administrators.
type adminUsersView struct {
	Query string
	Users []User
}

func (m *Module) showAdminUsers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	users, err := m.svc.SearchUsers(r.Context(), q, 50)
	if err != nil {
		return err
	}
	return m.pages.adminUsers.Render(w, r, http.StatusOK, adminUsersView{Query: q, Users: users})
}

// adminUserView is one person's roles, with what the administrator may
// grant.
type adminUserView struct {
	User     *User
	Roles    []adminRoleLine
	Grant    []Role   // roles the administrator may give
	Agencies []Agency // agencies the administrator may give agency roles in, by name
	Errors   map[string]string
}

type adminRoleLine struct {
	Role      Role
	AgencyID  string
	Agency    string
	Revocable bool
}

func (m *Module) showAdminUser(w http.ResponseWriter, r *http.Request) error {
	return m.renderAdminUser(w, r, http.StatusOK, nil)
}

func (m *Module) renderAdminUser(w http.ResponseWriter, r *http.Request, status int, fieldErrors map[string]string) error {
	actor := FromContext(r.Context())
	u, err := m.svc.FindUserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	grants, err := m.svc.Grants(r.Context(), u.ID)
	if err != nil {
		return err
	}
	agencies, err := m.svc.Agencies(r.Context())
	if err != nil {
		return err
	}
	loc := web.Locale(r.Context())
	names := map[string]string{}
	v := adminUserView{User: u, Errors: fieldErrors}
	for _, a := range agencies {
		names[a.ID] = a.Name(loc)
		if actor.Can(PermUsersAdmin, "") || actor.Can(PermAgencyStaff, a.ID) {
			v.Agencies = append(v.Agencies, a)
		}
	}
	slices.SortFunc(v.Agencies, func(x, y Agency) int { return strings.Compare(x.Name(loc), y.Name(loc)) })
	for _, g := range grants {
		v.Roles = append(v.Roles, adminRoleLine{Role: g.Role, AgencyID: g.AgencyID, Agency: names[g.AgencyID], Revocable: mayGrant(actor, g)})
	}
	for _, role := range Roles() {
		if actor.Can(PermUsersAdmin, "") || role.AgencyScoped() {
			v.Grant = append(v.Grant, role)
		}
	}
	return m.pages.adminUser.Render(w, r, status, v)
}

func (m *Module) changeRole(w http.ResponseWriter, r *http.Request) error {
	actor := FromContext(r.Context())
	g := Grant{Role: Role(r.PostFormValue("role")), AgencyID: r.PostFormValue("agency")}
	if !g.Role.AgencyScoped() && r.PostFormValue("action") == "grant" {
		g.AgencyID = ""
	}
	var err error
	if r.PostFormValue("action") == "revoke" {
		err = m.svc.RevokeRole(r.Context(), actor, r.PathValue("id"), g)
	} else {
		err = m.svc.GrantRole(r.Context(), actor, r.PathValue("id"), g)
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return m.renderAdminUser(w, r, http.StatusUnprocessableEntity, e.Fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/users/"+r.PathValue("id"), http.StatusSeeOther)
	return nil
}
