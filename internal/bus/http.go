package bus

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed templates
var templateFS embed.FS

// Templates are the operations pages' templates, for tests that check
// their message keys.
func Templates() fs.FS {
	sub, _ := fs.Sub(templateFS, "templates")
	return sub
}

// PathAdmin is where the operations pages of the bus live.
const PathAdmin = "/admin/bus"

// Message keys of the operations pages' own field errors, beyond the
// registry's.
const (
	msgSubsystemID = "bus.admin.field.subsystem_id" // not INSTANCE/CLASS/CODE/SUBSYSTEM
	msgPartyID     = "bus.admin.field.party_id"     // neither a member's nor a subsystem's identifier
	msgTime        = "bus.admin.field.time"         // not a date and time
	msgTimeOrder   = "bus.admin.field.time_order"   // the end of a range before its start
	msgPeriod      = "bus.admin.field.period"       // not one of the traffic periods
	msgCursor      = "bus.admin.field.cursor"       // a next-page link that was tampered with
)

// pageSize is how many rows a page of a list shows.
const pageSize = 50

// Staff tells the operations pages who is signed in; the identity module
// provides it through app.
type Staff interface {
	// Actor is the signed-in person's account ID, recorded as the author
	// of the changes they make and checked against the author of a
	// registration request they decide.
	Actor(ctx context.Context) string
}

// Pages are the platform administrator's operations pages of the bus:
// the registry's members, subsystems, gateways, services, access rights,
// groups and registration requests, and the gateways' message log and
// traffic. They work without JavaScript.
type Pages struct {
	reg   *Registry
	log   *msglog.Log
	staff Staff

	overview, members, member, services, serviceNew, service, groups, group, requests, logSearch, traffic *web.Page
}

// NewPages parses the pages over the registry and the message log. Their
// texts come from the site's catalog, which must include Locales.
func NewPages(reg *Registry, log *msglog.Log, rd *web.Renderer) (*Pages, error) {
	p := &Pages{reg: reg, log: log}
	for name, dst := range map[string]**web.Page{"overview": &p.overview, "members": &p.members, "member": &p.member,
		"services": &p.services, "service_new": &p.serviceNew, "service": &p.service, "groups": &p.groups, "group": &p.group,
		"requests": &p.requests, "log": &p.logSearch, "traffic": &p.traffic} {
		var err error
		if *dst, err = rd.Page(templateFS, "templates/"+name+".html", "templates/partials.html"); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// Routes registers the pages under PathAdmin, open to holders of perm
// (the platform administrator's); staff names the person acting.
func (p *Pages) Routes(r *web.Router, perm web.Permission, staff Staff) {
	p.staff = staff
	r.Handle("GET "+PathAdmin, perm, p.showOverview)
	r.Handle("GET "+PathAdmin+"/members", perm, p.showMembers)
	r.Handle("POST "+PathAdmin+"/members", perm, p.createMember)
	r.Handle("GET "+PathAdmin+"/members/{id...}", perm, p.showMember)
	r.Handle("POST "+PathAdmin+"/subsystems", perm, p.createSubsystem)
	r.Handle("POST "+PathAdmin+"/gateways", perm, p.createGateway)
	r.Handle("GET "+PathAdmin+"/services", perm, p.showServices)
	r.Handle("GET "+PathAdmin+"/services/new", perm, p.showServiceNew)
	r.Handle("POST "+PathAdmin+"/services", perm, p.createService)
	r.Handle("GET "+PathAdmin+"/services/{id...}", perm, p.showService)
	r.Handle("POST "+PathAdmin+"/services/{id...}", perm, p.updateService)
	r.Handle("GET "+PathAdmin+"/openapi/{id...}", perm, p.serveOpenAPI)
	r.Handle("POST "+PathAdmin+"/rights", perm, p.grantRight)
	r.Handle("POST "+PathAdmin+"/rights/{id}/revoke", perm, p.revokeRight)
	r.Handle("GET "+PathAdmin+"/groups", perm, p.showGroups)
	r.Handle("POST "+PathAdmin+"/groups", perm, p.createGroup)
	r.Handle("GET "+PathAdmin+"/groups/{id...}", perm, p.showGroup)
	r.Handle("POST "+PathAdmin+"/group-members", perm, p.addGroupMember)
	r.Handle("POST "+PathAdmin+"/group-members/remove", perm, p.removeGroupMember)
	r.Handle("GET "+PathAdmin+"/requests", perm, p.showRequests)
	r.Handle("POST "+PathAdmin+"/requests/{id}/approve", perm, p.approveRequest)
	r.Handle("POST "+PathAdmin+"/requests/{id}/reject", perm, p.rejectRequest)
	r.Handle("GET "+PathAdmin+"/log", perm, p.showLog)
	r.Handle("GET "+PathAdmin+"/traffic", perm, p.showTraffic)
}

// actor is the signed-in person's account ID; EUNAUTHORIZED when nobody
// is, so that no change is ever recorded without its author.
func (p *Pages) actor(r *http.Request) (string, error) {
	if a := p.staff.Actor(r.Context()); a != "" {
		return a, nil
	}
	return "", apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
}

// now is the registry's clock, in UTC.
func (p *Pages) now() time.Time { return p.reg.clock.Now().UTC() }

// redirect sends the browser to target after a change (303, so that a
// reload does not post again).
func redirect(w http.ResponseWriter, r *http.Request, target string) error {
	http.Redirect(w, r, target, http.StatusSeeOther)
	return nil
}

// memberPath is the address of a member's page. Identifiers' parts are
// codes of letters, digits, '.', '_' and '-' (the registry refuses
// others), which a path carries as they are; escaping them anyway keeps
// any other character from changing the address.
func memberPath(c xroad.ClientID) string {
	return PathAdmin + "/members/" + joinPath(c.Instance, c.MemberClass, c.MemberCode)
}

// servicePath is the address of a service's page.
func servicePath(s xroad.ServiceID) string {
	c := s.Client
	return PathAdmin + "/services/" + joinPath(c.Instance, c.MemberClass, c.MemberCode, c.Subsystem, s.ServiceCode)
}

// openAPIPath is the address of a service's OpenAPI description.
func openAPIPath(s xroad.ServiceID) string {
	return PathAdmin + "/openapi/" + strings.TrimPrefix(servicePath(s), PathAdmin+"/services/")
}

// groupPath is the address of a global group's page.
func groupPath(g GroupID) string { return PathAdmin + "/groups/" + joinPath(g.Instance, g.Code) }

// joinPath escapes each part for a path and joins them with "/".
func joinPath(parts ...string) string {
	for i, s := range parts {
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/")
}

// splitID splits an identifier as the pages write it, parts joined by
// "/", into n non-empty parts; false if it has another shape.
func splitID(s string, n int) ([]string, bool) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) != n {
		return nil, false
	}
	for _, p := range parts {
		if p == "" {
			return nil, false
		}
	}
	return parts, true
}

// parseMemberID reads INSTANCE/CLASS/CODE.
func parseMemberID(s string) (xroad.ClientID, bool) {
	p, ok := splitID(s, 3)
	if !ok {
		return xroad.ClientID{}, false
	}
	return xroad.ClientID{Instance: p[0], MemberClass: p[1], MemberCode: p[2]}, true
}

// parseSubsystemID reads INSTANCE/CLASS/CODE/SUBSYSTEM.
func parseSubsystemID(s string) (xroad.ClientID, bool) {
	p, ok := splitID(s, 4)
	if !ok {
		return xroad.ClientID{}, false
	}
	return xroad.ClientID{Instance: p[0], MemberClass: p[1], MemberCode: p[2], Subsystem: p[3]}, true
}

// parseServiceID reads INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE.
func parseServiceID(s string) (xroad.ServiceID, bool) {
	p, ok := splitID(s, 5)
	if !ok {
		return xroad.ServiceID{}, false
	}
	return xroad.ServiceID{Client: xroad.ClientID{Instance: p[0], MemberClass: p[1], MemberCode: p[2], Subsystem: p[3]},
		ServiceCode: p[4]}, true
}

// parseGroupID reads INSTANCE/CODE.
func parseGroupID(s string) (GroupID, bool) {
	p, ok := splitID(s, 2)
	if !ok {
		return GroupID{}, false
	}
	return GroupID{Instance: p[0], Code: p[1]}, true
}

// clientString writes a member's or subsystem's identifier as the pages
// show it and read it back.
func clientString(c xroad.ClientID) string {
	s := c.Instance + "/" + c.MemberClass + "/" + c.MemberCode
	if c.Subsystem != "" {
		s += "/" + c.Subsystem
	}
	return s
}

// serviceString writes a service's identifier as the pages show it.
func serviceString(s xroad.ServiceID) string { return clientString(s.Client) + "/" + s.ServiceCode }

// pathMember, pathService and pathGroup read the identifier in the
// request's path; one of another shape is not found.
func pathMember(r *http.Request) (xroad.ClientID, error) {
	if c, ok := parseMemberID(r.PathValue("id")); ok {
		return c, nil
	}
	return xroad.ClientID{}, apperr.New(apperr.ENOTFOUND, MsgNoSuchMember)
}

func pathService(r *http.Request) (xroad.ServiceID, error) {
	if s, ok := parseServiceID(r.PathValue("id")); ok {
		return s, nil
	}
	return xroad.ServiceID{}, apperr.New(apperr.ENOTFOUND, MsgNoSuchService)
}

func pathGroup(r *http.Request) (GroupID, error) {
	if g, ok := parseGroupID(r.PathValue("id")); ok {
		return g, nil
	}
	return GroupID{}, apperr.New(apperr.ENOTFOUND, MsgNoSuchGroup)
}

// fieldErrors sorts the error of a form's action. The field errors of
// EINVALID, and the conflicts and unknown references that at assigns to a
// field by message key, come back as messages keyed by the ids of the
// form's inputs (ids renames the registry's field names; a field it does
// not name keeps its name), with the status to answer: 422 for what was
// typed wrong, 409 for a conflict. Any other error comes back as it is,
// for the error page.
func fieldErrors(err error, ids, at map[string]string) (map[string]string, int, error) {
	e := apperr.As(err)
	if e == nil {
		return nil, 0, err
	}
	id := func(field string) string {
		if s, ok := ids[field]; ok {
			return s
		}
		return field
	}
	switch {
	case e.Code == apperr.EINVALID && len(e.Fields) > 0:
		out := make(map[string]string, len(e.Fields))
		for field, msg := range e.Fields {
			out[id(field)] = msg
		}
		return out, http.StatusUnprocessableEntity, nil
	case e.Code == apperr.ECONFLICT || e.Code == apperr.ENOTFOUND:
		field, ok := at[e.Message]
		if !ok {
			return nil, 0, err
		}
		status := http.StatusUnprocessableEntity
		if e.Code == apperr.ECONFLICT {
			status = http.StatusConflict
		}
		return map[string]string{id(field): e.Message}, status, nil
	}
	return nil, 0, err
}

// doneNotices are what the pages say was done after a redirect, by the
// query parameter "done".
var doneNotices = []string{"created", "subsystem", "gateway", "updated", "granted", "revoked", "added", "removed", "approved", "rejected"}

// doneParam is the notice the query names, "" for one the pages do not
// give.
func doneParam(r *http.Request) string {
	if d := r.URL.Query().Get("done"); slices.Contains(doneNotices, d) {
		return d
	}
	return ""
}

// pageParam is the page number in the query, from 1; anything else is 1.
func pageParam(r *http.Request) int {
	n, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// pager is the place of a page in a paged list, for the pagination
// partial.
type pager struct {
	// Page is the page shown, from 1, of Pages; Total counts the rows on
	// all of them.
	Page, Pages, Total int
	// base is the list's address with its filters, to which the page
	// number is added.
	base url.URL
}

func newPager(base string, query url.Values, page, total int) pager {
	q := url.Values{}
	for k, v := range query {
		if k != "page" && k != "lang" {
			q[k] = v
		}
	}
	return pager{Page: page, Pages: (total + pageSize - 1) / pageSize, Total: total, base: url.URL{Path: base, RawQuery: q.Encode()}}
}

func (p pager) link(page int) string {
	u := p.base
	q := u.Query()
	q.Set("page", strconv.Itoa(page))
	u.RawQuery = q.Encode()
	return u.String()
}

// PrevLink is the address of the page before this one.
func (p pager) PrevLink() string { return p.link(p.Page - 1) }

// NextLink is the address of the page after this one.
func (p pager) NextLink() string { return p.link(p.Page + 1) }

// form is what every page with forms carries: what was typed, and the
// problems found, both keyed by the id of the input.
type form struct {
	Values map[string]string
	Errors map[string]string
	// Done names what was just done, for the notice after a redirect.
	Done string
}

// Value is what was typed into the input with the id.
func (f form) Value(id string) string { return f.Values[id] }

// Err is the message key of the problem at the input with the id, "" if
// none.
func (f form) Err(id string) string { return f.Errors[id] }

// Helpers every page's data has, for links and times.
type links struct{}

// navEntry is a section in the pages' navigation.
type navEntry struct {
	Path string
	// Key is the message key of the section's name.
	Key string
	// Here says the page shown is the section's list, In that it is a
	// page within the section.
	Here, In bool
}

// Nav lists the sections, marking the one of the page at path.
func (links) Nav(path string) []navEntry {
	out := []navEntry{{Path: PathAdmin, Key: "bus.admin.overview", Here: path == PathAdmin}}
	for _, s := range []string{"members", "services", "groups", "requests", "log", "traffic"} {
		p := PathAdmin + "/" + s
		out = append(out, navEntry{Path: p, Key: "bus.admin." + s, Here: path == p, In: strings.HasPrefix(path, p+"/")})
	}
	return out
}

// MemberURL is the address of the member's page.
func (links) MemberURL(c xroad.ClientID) string { return memberPath(c) }

// ServiceURL is the address of the service's page.
func (links) ServiceURL(s xroad.ServiceID) string { return servicePath(s) }

// GroupURL is the address of the group's page.
func (links) GroupURL(g GroupID) string { return groupPath(g) }

// OpenAPIURL is the address of the service's OpenAPI description.
func (links) OpenAPIURL(s xroad.ServiceID) string { return openAPIPath(s) }

// ClientID writes a member's or subsystem's identifier.
func (links) ClientID(c xroad.ClientID) string { return clientString(c) }

// ServiceID writes a service's identifier.
func (links) ServiceID(s xroad.ServiceID) string { return serviceString(s) }

// GroupID writes a group's identifier.
func (links) GroupID(g GroupID) string { return g.Instance + "/" + g.Code }

// MemberOf is the member of a subsystem.
func (links) MemberOf(c xroad.ClientID) xroad.ClientID {
	c.Subsystem = ""
	return c
}

// Stamp writes a time to the second, in UTC, the time of the logs.
func (links) Stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05") + " UTC" }

// LogURL is the address of the message log's search for a member's or
// subsystem's exchanges.
func (links) LogURL(c xroad.ClientID) string {
	return PathAdmin + "/log?" + url.Values{"member": {clientString(c)}}.Encode()
}
