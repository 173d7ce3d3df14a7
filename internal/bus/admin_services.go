package bus

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// serviceGroup is a subsystem's services in the list of services.
type serviceGroup struct {
	Subsystem xroad.ClientID
	Services  []ServiceSummary
}

// servicesView is the list of services, per subsystem, optionally of one
// subsystem only.
type servicesView struct {
	links
	form
	pager
	// Subsystem is the subsystem filtered by, as typed.
	Subsystem string
	Groups    []serviceGroup
}

func (p *Pages) showServices(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := servicesView{Subsystem: strings.TrimSpace(q.Get("subsystem"))}
	filter := ServiceFilter{Limit: pageSize}
	status := http.StatusOK
	if v.Subsystem != "" {
		c, ok := parseSubsystemID(v.Subsystem)
		if !ok {
			v.Errors, status = map[string]string{"subsystem": msgSubsystemID}, http.StatusUnprocessableEntity
			v.pager = newPager(PathAdmin+"/services", q, 1, 0)
			return p.services.Render(w, r, status, v)
		}
		filter.Subsystem = &c
	}
	page := pageParam(r)
	filter.Offset = (page - 1) * pageSize
	list, total, err := p.reg.FindServices(r.Context(), filter)
	if err != nil {
		return err
	}
	v.pager = newPager(PathAdmin+"/services", q, page, total)
	for _, s := range list {
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Subsystem != s.Service.Client {
			v.Groups = append(v.Groups, serviceGroup{Subsystem: s.Service.Client})
		}
		v.Groups[len(v.Groups)-1].Services = append(v.Groups[len(v.Groups)-1].Services, s)
	}
	return p.services.Render(w, r, status, v)
}

// serviceNewView is the form adding a service.
type serviceNewView struct {
	links
	form
	// Subsystems are the registered subsystems, offered as the input's
	// suggestions.
	Subsystems []string
	// MaxOpenAPIMB is the size limit of a description, for the hint.
	MaxOpenAPIMB int
}

func (p *Pages) showServiceNew(w http.ResponseWriter, r *http.Request) error {
	return p.renderServiceNew(w, r, http.StatusOK, form{Values: map[string]string{"subsystem": r.URL.Query().Get("subsystem")}})
}

func (p *Pages) renderServiceNew(w http.ResponseWriter, r *http.Request, status int, f form) error {
	subs, err := p.subsystemChoices(r.Context())
	if err != nil {
		return err
	}
	return p.serviceNew.Render(w, r, status, serviceNewView{form: f, Subsystems: subs, MaxOpenAPIMB: maxOpenAPI >> 20})
}

// subsystemChoices lists every subsystem's identifier, for suggestions.
func (p *Pages) subsystemChoices(ctx context.Context) ([]string, error) {
	clients, err := p.reg.ListClients(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, c := range clients {
		if c.ID.Subsystem != "" {
			out = append(out, clientString(c.ID))
		}
	}
	return out, nil
}

// postedOpenAPI reads a service's description from the form: the file
// uploaded as "openapi_file" if one was chosen, else the text of
// "openapi". A description over the registry's limit is a field error at
// id; the registry checks the rest.
func postedOpenAPI(r *http.Request, id string) ([]byte, map[string]string, error) {
	file, _, err := r.FormFile("openapi_file")
	switch {
	case err == nil:
		defer file.Close()
		b, err := io.ReadAll(io.LimitReader(file, maxOpenAPI+1))
		if err != nil {
			return nil, nil, err
		}
		if len(b) > maxOpenAPI {
			return nil, map[string]string{id: MsgOpenAPI}, nil
		}
		if len(strings.TrimSpace(string(b))) > 0 {
			return b, nil, nil
		}
	case !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart):
		return nil, nil, err
	}
	return []byte(strings.TrimSpace(r.PostFormValue("openapi"))), nil, nil
}

// createService adds a service and shows its page; bad input shows the
// form again with the problems and nothing added.
func (p *Pages) createService(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{}}
	for _, k := range []string{"subsystem", "service_code", "title", "base_url"} {
		f.Values[k] = strings.TrimSpace(r.PostFormValue(k))
	}
	f.Values["openapi"] = r.PostFormValue("openapi")
	doc, fields, err := postedOpenAPI(r, "openapi")
	if err != nil {
		return err
	}
	c, ok := parseSubsystemID(f.Values["subsystem"])
	if !ok {
		if fields == nil {
			fields = map[string]string{}
		}
		fields["subsystem"] = msgSubsystemID
	}
	status := http.StatusUnprocessableEntity
	if len(fields) == 0 {
		var s *Service
		s, err = p.reg.CreateService(r.Context(), actor, ServiceInput{Service: xroad.ServiceID{Client: c, ServiceCode: f.Values["service_code"]},
			Title: f.Values["title"], BaseURL: f.Values["base_url"], OpenAPI: doc})
		if err == nil {
			return redirect(w, r, servicePath(s.Service)+"?done=created")
		}
		// Every part of the subsystem's identifier is the one input.
		ids := map[string]string{"instance": "subsystem", "member_class": "subsystem", "member_code": "subsystem"}
		if fields, status, err = fieldErrors(err, ids,
			map[string]string{MsgServiceExists: "service_code", MsgNoSuchSubsystem: "subsystem"}); err != nil {
			return err
		}
	}
	f.Errors = fields
	return p.renderServiceNew(w, r, status, f)
}

// rightRow is an access right on its service's page.
type rightRow struct {
	*Right
}

// IsGroup says the right is granted to a global group.
func (r rightRow) IsGroup() bool { return r.Grantee.Group != GroupID{} }

// serviceView is a service's page: its details with the form changing
// them, and its access rights with the forms granting and revoking them.
type serviceView struct {
	links
	form
	Svc    *Service
	Rights []rightRow
	// Groups and Subsystems are offered as grantees; Methods as the
	// endpoint's method.
	Groups       []GroupSummary
	Subsystems   []string
	Methods      []string
	MaxOpenAPIMB int
}

// OpenAPISize is the size of the description in kilobytes, rounded up.
func (v serviceView) OpenAPISize() int { return (len(v.Svc.OpenAPI) + 1023) / 1024 }

func (p *Pages) showService(w http.ResponseWriter, r *http.Request) error {
	id, err := pathService(r)
	if err != nil {
		return err
	}
	f := form{Done: doneParam(r), Values: map[string]string{"grant-path": AnyPath, "grant-method": AnyMethod,
		"grantee": "subsystem"}}
	return p.renderService(w, r, http.StatusOK, id, f)
}

// renderService shows the service's page; the edit form shows the stored
// title and base URL unless f has what was typed.
func (p *Pages) renderService(w http.ResponseWriter, r *http.Request, status int, id xroad.ServiceID, f form) error {
	ctx := r.Context()
	s, err := p.reg.Service(ctx, id)
	if err != nil {
		return err
	}
	if f.Values == nil {
		f.Values = map[string]string{}
	}
	if _, typed := f.Values["edit-title"]; !typed {
		f.Values["edit-title"], f.Values["edit-base_url"] = s.Title, s.BaseURL
	}
	v := serviceView{form: f, Svc: s, Methods: methods, MaxOpenAPIMB: maxOpenAPI >> 20}
	rights, err := p.reg.Rights(ctx, id)
	if err != nil {
		return err
	}
	for _, rt := range rights {
		v.Rights = append(v.Rights, rightRow{rt})
	}
	if v.Groups, err = p.reg.Groups(ctx); err != nil {
		return err
	}
	if v.Subsystems, err = p.subsystemChoices(ctx); err != nil {
		return err
	}
	return p.service.Render(w, r, status, v)
}

// updateService changes a service's title, base URL or description. A
// description left empty keeps the stored one unless "remove_openapi" is
// checked.
func (p *Pages) updateService(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	id, err := pathService(r)
	if err != nil {
		return err
	}
	f := form{Values: map[string]string{"edit-title": strings.TrimSpace(r.PostFormValue("title")),
		"edit-base_url": strings.TrimSpace(r.PostFormValue("base_url")), "edit-openapi": r.PostFormValue("openapi")}}
	doc, fields, err := postedOpenAPI(r, "edit-openapi")
	if err != nil {
		return err
	}
	status := http.StatusUnprocessableEntity
	if len(fields) == 0 {
		title, base := f.Values["edit-title"], f.Values["edit-base_url"]
		u := ServiceUpdate{Title: &title, BaseURL: &base}
		switch {
		case len(doc) > 0:
			u.OpenAPI = &doc
		case r.PostFormValue("remove_openapi") == "on":
			u.OpenAPI = &[]byte{}
		}
		if _, err = p.reg.UpdateService(r.Context(), actor, id, u); err == nil {
			return redirect(w, r, servicePath(id)+"?done=updated")
		}
		if fields, status, err = fieldErrors(err, map[string]string{"title": "edit-title", "base_url": "edit-base_url",
			"openapi": "edit-openapi"}, nil); err != nil {
			return err
		}
	}
	f.Errors = fields
	return p.renderService(w, r, status, id, f)
}

// serveOpenAPI sends a service's OpenAPI description as the provider gave
// it; a service without one is ENOTFOUND.
func (p *Pages) serveOpenAPI(w http.ResponseWriter, r *http.Request) error {
	id, err := pathService(r)
	if err != nil {
		return err
	}
	s, err := p.reg.Service(r.Context(), id)
	if err != nil {
		return err
	}
	if len(s.OpenAPI) == 0 {
		return apperr.New(apperr.ENOTFOUND, "error.not_found")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(s.OpenAPI)))
	h.Set("Content-Disposition", `inline; filename="`+url.PathEscape(id.ServiceCode)+`.openapi.json"`)
	h.Set("Cache-Control", "no-store")
	_, err = w.Write(s.OpenAPI)
	return err
}

// grantRight grants the endpoint of the service named by the form to a
// subsystem or a group.
func (p *Pages) grantRight(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	id, ok := parseServiceID(r.PostFormValue("service"))
	if !ok {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchService)
	}
	if _, err := p.reg.Service(r.Context(), id); err != nil {
		return err
	}
	f := form{Values: map[string]string{"grantee": r.PostFormValue("grantee"),
		"grant-subsystem": strings.TrimSpace(r.PostFormValue("subsystem")), "grant-group": r.PostFormValue("group"),
		"grant-method": r.PostFormValue("method"), "grant-path": strings.TrimSpace(r.PostFormValue("path"))}}
	var to Grantee
	fields := map[string]string{}
	switch f.Values["grantee"] {
	case "group":
		if g, ok := parseGroupID(f.Values["grant-group"]); ok {
			to.Group = g
		}
	default:
		f.Values["grantee"] = "subsystem"
		if s := f.Values["grant-subsystem"]; s != "" {
			c, ok := parseSubsystemID(s)
			if !ok {
				fields["grant-subsystem"] = msgSubsystemID
			}
			to.Subsystem = c
		}
	}
	status := http.StatusUnprocessableEntity
	if len(fields) == 0 {
		e := Endpoint{Method: f.Values["grant-method"], Path: f.Values["grant-path"]}
		if _, err = p.reg.GrantRight(r.Context(), actor, id, to, e); err == nil {
			return redirect(w, r, servicePath(id)+"?done=granted#rights")
		}
		granteeID := "grant-subsystem"
		if f.Values["grantee"] == "group" {
			granteeID = "grant-group"
		}
		if fields, status, err = fieldErrors(err, map[string]string{"grantee": granteeID, "method": "grant-method", "path": "grant-path"},
			map[string]string{MsgNoSuchSubsystem: "grantee", MsgNoSuchGroup: "grantee", MsgRightExists: "path"}); err != nil {
			return err
		}
	}
	f.Errors = fields
	return p.renderService(w, r, status, id, f)
}

// revokeRight withdraws an access right and shows its service's page.
func (p *Pages) revokeRight(w http.ResponseWriter, r *http.Request) error {
	actor, err := p.actor(r)
	if err != nil {
		return err
	}
	rt, err := p.reg.RevokeRight(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	return redirect(w, r, servicePath(rt.Service)+"?done=revoked#rights")
}
