package catalog

import (
	"context"
	"embed"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// Locales is the catalogue's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// LifeEvents names the life events the portal shows; the portal module
// provides it.
type LifeEvents interface {
	LifeEventTitles(ctx context.Context, loc i18n.Locale) (map[string]string, error)
}

// Module serves the public catalogue and the digitisation figures.
type Module struct {
	reg     *Registry
	events  LifeEvents
	targets Targets
	staff   Staff
	pages   struct {
		list, service, kpi, form                                   *web.Page
		adminList, adminEdit, adminHistory, adminForm, adminImport *web.Page
	}
}

// NewModule parses the catalogue's pages.
func NewModule(reg *Registry, events LifeEvents, targets Targets, rd *web.Renderer) (*Module, error) {
	m := &Module{reg: reg, events: events, targets: targets}
	for name, dst := range map[string]**web.Page{"services": &m.pages.list, "service": &m.pages.service, "kpi": &m.pages.kpi,
		"admin_services": &m.pages.adminList, "admin_service": &m.pages.adminEdit, "admin_history": &m.pages.adminHistory, "admin_form": &m.pages.adminForm,
		"admin_import": &m.pages.adminImport} {
		p, err := rd.Page(templateFS, "templates/"+name+".html", "templates/partials.html")
		if err != nil {
			return nil, err
		}
		*dst = p
	}
	p, err := rd.Page(form.WithPartial(templateFS), "templates/form.html", form.Partial)
	if err != nil {
		return nil, err
	}
	m.pages.form = p
	return m, nil
}

// Routes registers the public pages.
func (m *Module) Routes(r *web.Router) {
	r.Handle("GET /services", web.Public, m.showServices)
	r.Handle("GET /services/{code}", web.Public, m.showService)
	r.Handle("GET /services/{code}/form", web.Public, m.showFormPreview)
	r.Handle("POST /services/{code}/form", web.Public, m.showFormPreview)
	r.Handle("GET /kpi", web.Public, m.showKPIs)
}

// eventLink is a life event in the catalogue's filter.
type eventLink struct {
	Slug, Title string
	Current     bool
}

// listView is the catalogue page.
type listView struct {
	Query    string
	Events   []eventLink
	Event    string
	Agency   *Agency
	Services []*Service
	Agencies map[string]Agency
	Total    int
	// Page is the page shown, from 1, of Pages.
	Page, Pages int
}

// listPageSize is how many services a catalogue page lists.
const listPageSize = 50

// PrevLink is the address of the page before this one.
func (v listView) PrevLink() string { return v.pageLink(v.Page - 1) }

// NextLink is the address of the page after this one.
func (v listView) NextLink() string { return v.pageLink(v.Page + 1) }

// pageLink is the address of page n of the same list.
func (v listView) pageLink(n int) string {
	q := url.Values{"page": {strconv.Itoa(n)}}
	if v.Event != "" {
		q.Set("event", v.Event)
	}
	if v.Agency != nil {
		q.Set("agency", v.Agency.Code)
	}
	return "/services?" + q.Encode()
}

func (m *Module) agencyIndex(ctx context.Context) (map[string]Agency, []Agency, error) {
	list, err := m.reg.Agencies(ctx)
	if err != nil {
		return nil, nil, err
	}
	idx := make(map[string]Agency, len(list))
	for _, a := range list {
		idx[a.ID] = a
	}
	return idx, list, nil
}

func (m *Module) showServices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	loc := web.Locale(ctx)
	live := StatusLive
	page, err := intParam(r, "page", 1)
	if err != nil {
		return err
	}
	page = max(page, 1)
	f := ServiceFilter{Status: &live, ByName: loc, Limit: listPageSize, Offset: (page - 1) * listPageSize}
	v := listView{Event: r.URL.Query().Get("event"), Page: page}
	titles, err := m.events.LifeEventTitles(ctx, loc)
	if err != nil {
		return err
	}
	for slug, title := range titles {
		v.Events = append(v.Events, eventLink{Slug: slug, Title: title, Current: slug == v.Event})
	}
	sort.Slice(v.Events, func(i, j int) bool { return v.Events[i].Title < v.Events[j].Title })
	if v.Event != "" {
		f.LifeEvent = &v.Event
	}
	idx, list, err := m.agencyIndex(ctx)
	if err != nil {
		return err
	}
	v.Agencies = idx
	if code := r.URL.Query().Get("agency"); code != "" {
		for i := range list {
			if list[i].Code == code {
				v.Agency = &list[i]
				f.AgencyID = &list[i].ID
			}
		}
	}
	if v.Query = r.URL.Query().Get("q"); v.Query != "" {
		// Search ranks by relevance; other filters do not apply.
		if v.Services, err = m.reg.Search(ctx, v.Query, 50); err != nil {
			return err
		}
		v.Total = len(v.Services)
		return m.pages.list.Render(w, r, http.StatusOK, v)
	}
	if v.Services, v.Total, err = m.reg.Services(ctx, f); err != nil {
		return err
	}
	v.Pages = (v.Total + listPageSize - 1) / listPageSize
	return m.pages.list.Render(w, r, http.StatusOK, v)
}

// serviceView is a service's page.
type serviceView struct {
	Service *Service
	Agency  Agency
	Events  []eventLink
	// Form is the current version of the application form, 0 if none.
	Form int
}

func (m *Module) showService(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	s, err := m.reg.ServiceByCode(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	idx, _, err := m.agencyIndex(ctx)
	if err != nil {
		return err
	}
	titles, err := m.events.LifeEventTitles(ctx, web.Locale(ctx))
	if err != nil {
		return err
	}
	v := serviceView{Service: s, Agency: idx[s.AgencyID]}
	if v.Form, err = m.reg.FormVersion(ctx, s.ID); err != nil {
		return err
	}
	for _, e := range s.LifeEvents {
		if t, ok := titles[e]; ok {
			v.Events = append(v.Events, eventLink{Slug: e, Title: t})
		}
	}
	return m.pages.service.Render(w, r, http.StatusOK, v)
}

// planShown bounds the plan's table: the overdue and soonest items; the
// counts per agency cover the whole plan and the export lists it all.
const planShown = 100

// kpiView is the digitisation page.
type kpiView struct {
	All       KPI
	PerAgency []AgencyKPI
	Targets   Targets
	// Plan is the soonest part of the plan, PlanTotal the number of
	// services on it.
	Plan      []PlanItem
	PlanTotal int
	PlanBy    []AgencyPlan
	Agencies  map[string]Agency
}

// Percent turns a share into a whole percentage, for bars and figures.
func (kpiView) Percent(f float64) int { return int(f*100 + 0.5) }

// LiveProgress is the share of the target number of live services reached.
func (v kpiView) LiveProgress() float64 { return min(share(v.All.Live, v.Targets.Live), 1) }

func (m *Module) showKPIs(w http.ResponseWriter, r *http.Request) error {
	all, per, err := m.reg.KPIs(r.Context())
	if err != nil {
		return err
	}
	plan, planBy, err := m.reg.DigitisationPlan(r.Context())
	if err != nil {
		return err
	}
	idx, _, err := m.agencyIndex(r.Context())
	if err != nil {
		return err
	}
	v := kpiView{All: all, PerAgency: per, Targets: m.targets, Plan: plan[:min(len(plan), planShown)], PlanTotal: len(plan), PlanBy: planBy, Agencies: idx}
	return m.pages.kpi.Render(w, r, http.StatusOK, v)
}
