package oidcprovider

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// clientForm is the client form as entered: lists of URIs are one per
// line in a text area.
type clientForm struct {
	Name         string
	Type         ClientType
	RedirectURIs string
	PostLogout   string
	GrantTypes   []string
	Scopes       []string
}

// HasGrant tells the template whether a grant box is ticked.
func (f clientForm) HasGrant(g string) bool { return slices.Contains(f.GrantTypes, g) }

// HasScope tells the template whether a scope box is ticked.
func (f clientForm) HasScope(s string) bool { return slices.Contains(f.Scopes, s) }

func (f clientForm) input() ClientInput {
	return ClientInput{Name: f.Name, Type: f.Type, RedirectURIs: lines(f.RedirectURIs), PostLogoutRedirectURIs: lines(f.PostLogout),
		GrantTypes: f.GrantTypes, Scopes: f.Scopes}
}

func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
}

func formOf(c *Client) clientForm {
	return clientForm{Name: c.Name, Type: c.Type, RedirectURIs: strings.Join(c.RedirectURIs, "\n"),
		PostLogout: strings.Join(c.PostLogoutRedirectURIs, "\n"), GrantTypes: c.GrantTypes, Scopes: c.Scopes}
}

func parseClientForm(r *http.Request) clientForm {
	_ = r.ParseForm()
	return clientForm{Name: r.PostFormValue("name"), Type: ClientType(r.PostFormValue("type")),
		RedirectURIs: r.PostFormValue("redirect_uris"), PostLogout: r.PostFormValue("post_logout_redirect_uris"),
		GrantTypes: r.PostForm["grant_types"], Scopes: r.PostForm["scopes"]}
}

// clientsView is the list of clients with the form to register one.
type clientsView struct {
	Clients []*Client
	Form    clientForm
	Errors  map[string]string
	Saved   bool
	Deleted bool
	Options formOptions
}

// clientView is one client's page: its form, a new secret once, delete.
type clientView struct {
	Client  *Client
	Form    clientForm
	Errors  map[string]string
	Secret  string
	Saved   bool
	Options formOptions
}

// createdView shows a new client's ID and secret, once.
type createdView struct {
	Client *Client
	Secret string
}

// formOptions are the choices the form offers.
type formOptions struct {
	Types  []ClientType
	Grants []string
	Scopes []string
}

func options() formOptions {
	return formOptions{Types: []ClientType{Confidential, Public}, Grants: AllGrantTypes(), Scopes: AllScopes()}
}

// actor is the signed-in administrator, for the audit log.
func actor(r *http.Request) string {
	if p := identity.FromContext(r.Context()); p != nil {
		return p.User.ID
	}
	return ""
}

func (m *Module) listClients(w http.ResponseWriter, r *http.Request) error {
	return m.renderClients(w, r, http.StatusOK, clientForm{Type: Confidential, GrantTypes: []string{GrantAuthorizationCode},
		Scopes: []string{ScopeOpenID, ScopeProfile}}, nil)
}

func (m *Module) renderClients(w http.ResponseWriter, r *http.Request, status int, f clientForm, errs map[string]string) error {
	list, err := m.svc.FindClients(r.Context())
	if err != nil {
		return err
	}
	q := r.URL.Query()
	return m.pages.clients.Render(w, r, status, clientsView{Clients: list, Form: f, Errors: errs,
		Saved: q.Get("saved") != "", Deleted: q.Get("deleted") != "", Options: options()})
}

func (m *Module) createClient(w http.ResponseWriter, r *http.Request) error {
	f := parseClientForm(r)
	c, secret, err := m.svc.CreateClient(r.Context(), actor(r), f.input())
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && len(e.Fields) > 0 {
		return m.renderClients(w, r, http.StatusUnprocessableEntity, f, e.Fields)
	}
	if err != nil {
		return err
	}
	// The secret is shown on this response only, which no cache keeps.
	return m.pages.created.Render(w, r, http.StatusCreated, createdView{Client: c, Secret: secret})
}

func (m *Module) editClient(w http.ResponseWriter, r *http.Request) error {
	c, err := m.svc.FindClientByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	return m.pages.client.Render(w, r, http.StatusOK, clientView{Client: c, Form: formOf(c), Saved: r.URL.Query().Get("saved") != "", Options: options()})
}

func (m *Module) updateClient(w http.ResponseWriter, r *http.Request) error {
	c, err := m.svc.FindClientByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	f := parseClientForm(r)
	f.Type = c.Type
	_, err = m.svc.UpdateClient(r.Context(), actor(r), c.ID, f.input())
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && len(e.Fields) > 0 {
		return m.pages.client.Render(w, r, http.StatusUnprocessableEntity, clientView{Client: c, Form: f, Errors: e.Fields, Options: options()})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, PathAdmin+"/"+url.PathEscape(c.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}

func (m *Module) resetSecret(w http.ResponseWriter, r *http.Request) error {
	c, err := m.svc.FindClientByID(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	secret, err := m.svc.ResetClientSecret(r.Context(), actor(r), c.ID)
	if err != nil {
		return err
	}
	return m.pages.client.Render(w, r, http.StatusOK, clientView{Client: c, Form: formOf(c), Secret: secret, Options: options()})
}

func (m *Module) deleteClient(w http.ResponseWriter, r *http.Request) error {
	if err := m.svc.DeleteClient(r.Context(), actor(r), r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, PathAdmin+"?deleted=1", http.StatusSeeOther)
	return nil
}
