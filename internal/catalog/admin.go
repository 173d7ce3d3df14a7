package catalog

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// Staff says who is asking and what they may change in the registry; the
// identity module provides it. Platform administrators may change
// everything, agency administrators only their own agency's services.
type Staff interface {
	// Actor names the signed-in person for the history.
	Actor(ctx context.Context) string
	// MayEdit tells whether they may change the services of agencyID;
	// agencyID "" asks whether they may change the whole registry
	// (agencies, and services of every agency).
	MayEdit(ctx context.Context, agencyID string) bool
}

// Field errors of the administration pages that the registry does not
// produce itself.
const (
	msgNumber       = "catalog.admin.number"
	msgNotYours     = "catalog.admin.not_yours"
	msgDate         = "catalog.admin.date"
	msgExportFormat = "catalog.admin.export_format"
	msgImportFile   = "catalog.admin.import_file"
	adminPageSize   = 200
)

// AdminRoutes registers the registry's administration pages, open to
// holders of perm; staff decides per agency.
func (m *Module) AdminRoutes(r *web.Router, perm web.Permission, staff Staff) {
	m.staff = staff
	r.Handle("GET /admin/services", perm, m.adminServices)
	r.Handle("GET /admin/services/export", perm, m.adminExport)
	r.Handle("POST /admin/services/import", perm, m.adminImport)
	r.Handle("GET /admin/services/new", perm, m.adminNewService)
	r.Handle("POST /admin/services/new", perm, m.adminCreateService)
	r.Handle("GET /admin/services/{code}", perm, m.adminEditService)
	r.Handle("POST /admin/services/{code}", perm, m.adminUpdateService)
	r.Handle("GET /admin/services/{code}/history", perm, m.adminHistory)
	r.Handle("GET /admin/services/{code}/form", perm, m.adminEditForm)
	r.Handle("POST /admin/services/{code}/form", perm, m.adminPublishForm)
}

// adminRow is a service in the administration list.
type adminRow struct {
	*Service
	Agency string
	Form   int
}

// adminListView is the administration list.
type adminListView struct {
	Rows []adminRow
	// All says the person may change the whole registry: import, agencies.
	All bool
	// Page is the page shown, from 1, of Pages; Total counts the
	// services on all of them.
	Page, Pages, Total int
}

// PrevLink and NextLink are the addresses of the pages around this one.
func (v adminListView) PrevLink() string { return "/admin/services?page=" + strconv.Itoa(v.Page-1) }

// NextLink is the address of the page after this one.
func (v adminListView) NextLink() string { return "/admin/services?page=" + strconv.Itoa(v.Page+1) }

func (m *Module) adminServices(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	page, err := intParam(r, "page", 1)
	if err != nil {
		return err
	}
	idx, agencies, err := m.agencyIndex(ctx)
	if err != nil {
		return err
	}
	v := adminListView{All: m.staff.MayEdit(ctx, ""), Page: max(page, 1)}
	f := ServiceFilter{Limit: adminPageSize, Offset: (v.Page - 1) * adminPageSize}
	if !v.All {
		// An agency's administrator sees the services of their agencies.
		f.AgencyIDs = []string{}
		for _, a := range agencies {
			if m.staff.MayEdit(ctx, a.ID) {
				f.AgencyIDs = append(f.AgencyIDs, a.ID)
			}
		}
	}
	list, total, err := m.reg.Services(ctx, f)
	if err != nil {
		return err
	}
	forms, err := m.reg.CurrentForms(ctx)
	if err != nil {
		return err
	}
	loc := web.Locale(ctx)
	for _, s := range list {
		v.Rows = append(v.Rows, adminRow{Service: s, Agency: idx[s.AgencyID].Names.Get(loc), Form: forms[s.ID]})
	}
	v.Total, v.Pages = total, (total+adminPageSize-1)/adminPageSize
	return m.pages.adminList.Render(w, r, http.StatusOK, v)
}

// choice is an option of a select or a checkbox in the passport editor.
type choice struct {
	Value, Label string
	Selected     bool
}

// docRow and actRow are the rows of the documents and legal basis tables
// of the editor, as strings so that what was typed is shown back.
type docRow struct {
	Name     Texts
	Held     bool
	Registry string
}

type actRow struct {
	Title             Texts
	Number, Date, URL string
}

// editView is the passport editor.
type editView struct {
	New bool
	// Code is the service's code; Version the version the editor started
	// from.
	Code     string
	Version  int
	P        Passport
	FeeKind  string // free, bca, fixed
	Fee      string
	Term     string
	Docs     []docRow
	Acts     []actRow
	Deadline string
	Reason   string
	Agencies []choice // may own the service
	All      []choice // every agency, for participants and the plan
	Events   []choice
	Locales  []i18n.Locale
	Errors   map[string]string
}

// blankRows is how many empty rows the editor offers for new documents and
// legal acts.
const blankRows = 2

func (m *Module) editView(ctx context.Context, p Passport) (editView, error) {
	v := editView{P: p, FeeKind: "free", Locales: i18n.All()}
	switch {
	case p.Fee.BCAMultiple > 0:
		v.FeeKind, v.Fee = "bca", strconv.FormatFloat(p.Fee.BCAMultiple, 'f', -1, 64)
	case p.Fee.FixedSum > 0:
		v.FeeKind, v.Fee = "fixed", strconv.FormatInt(p.Fee.FixedSum, 10)
	}
	v.Term = strconv.Itoa(p.TermDays)
	for _, d := range p.Documents {
		v.Docs = append(v.Docs, docRow{Name: d.Name, Held: d.HeldByState, Registry: d.Registry})
	}
	for _, a := range p.LegalBasis {
		row := actRow{Title: a.Title, Number: a.Number, URL: a.URL}
		if !a.Date.IsZero() {
			row.Date = a.Date.Format(time.DateOnly)
		}
		v.Acts = append(v.Acts, row)
	}
	if p.Plan != nil && !p.Plan.Deadline.IsZero() {
		v.Deadline = p.Plan.Deadline.Format(time.DateOnly)
	}
	return v, m.fillChoices(ctx, &v)
}

// fillChoices lists the agencies and life events the editor offers and adds
// the empty rows.
func (m *Module) fillChoices(ctx context.Context, v *editView) error {
	loc := web.Locale(ctx)
	list, err := m.reg.Agencies(ctx)
	if err != nil {
		return err
	}
	for _, a := range list {
		c := choice{Value: a.ID, Label: a.Names.Get(loc) + " (" + a.Code + ")"}
		if m.staff.MayEdit(ctx, a.ID) {
			v.Agencies = append(v.Agencies, choice{Value: c.Value, Label: c.Label, Selected: a.ID == v.P.AgencyID})
		}
		c.Selected = slices.Contains(v.P.Participants, a.ID)
		v.All = append(v.All, c)
	}
	titles, err := m.events.LifeEventTitles(ctx, loc)
	if err != nil {
		return err
	}
	for slug, title := range titles {
		v.Events = append(v.Events, choice{Value: slug, Label: title, Selected: slices.Contains(v.P.LifeEvents, slug)})
	}
	sort.Slice(v.Events, func(i, j int) bool { return v.Events[i].Label < v.Events[j].Label })
	for range blankRows {
		v.Docs = append(v.Docs, docRow{})
		v.Acts = append(v.Acts, actRow{})
	}
	return nil
}

// PlanResponsible is the ID of the agency responsible for the plan, "" if
// there is no plan.
func (v editView) PlanResponsible() string {
	if v.P.Plan == nil {
		return ""
	}
	return v.P.Plan.ResponsibleID
}

// PlanTarget is the plan's target level, 0 if there is no plan.
func (v editView) PlanTarget() int {
	if v.P.Plan == nil {
		return 0
	}
	return int(v.P.Plan.TargetLevel)
}

func (m *Module) adminNewService(w http.ResponseWriter, r *http.Request) error {
	v, err := m.editView(r.Context(), Passport{Recipients: "citizen", Level: LevelSubmission, Status: StatusPlanned,
		Channels: Channels{Portal: true}})
	if err != nil {
		return err
	}
	v.New = true
	return m.pages.adminEdit.Render(w, r, http.StatusOK, v)
}

func (m *Module) adminEditService(w http.ResponseWriter, r *http.Request) error {
	s, err := m.editable(r)
	if err != nil {
		return err
	}
	v, err := m.editView(r.Context(), s.Passport)
	if err != nil {
		return err
	}
	v.Code, v.Version = s.Code, s.Version
	return m.pages.adminEdit.Render(w, r, http.StatusOK, v)
}

// editable returns the service of the request's path if the person may
// change it; a service of another agency is EFORBIDDEN.
func (m *Module) editable(r *http.Request) (*Service, error) {
	s, err := m.reg.ServiceByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	if !m.staff.MayEdit(r.Context(), s.AgencyID) {
		return nil, apperr.New(apperr.EFORBIDDEN, msgNotYours)
	}
	return s, nil
}

func (m *Module) adminCreateService(w http.ResponseWriter, r *http.Request) error {
	p, errs := passportFromPost(r.PostForm)
	return m.savePassport(w, r, p, errs, func(reason string) (*Service, error) {
		return m.reg.CreateService(r.Context(), m.staff.Actor(r.Context()), p, reason)
	}, 0)
}

func (m *Module) adminUpdateService(w http.ResponseWriter, r *http.Request) error {
	s, err := m.editable(r)
	if err != nil {
		return err
	}
	p, errs := passportFromPost(r.PostForm)
	p.Code = s.Code
	expected, convErr := strconv.Atoi(r.PostFormValue("version"))
	if convErr != nil {
		return apperr.New(apperr.EINVALID, msgNumber)
	}
	return m.savePassport(w, r, p, errs, func(reason string) (*Service, error) {
		return m.reg.UpdateService(r.Context(), m.staff.Actor(r.Context()), s.Code, expected, p, reason)
	}, expected)
}

// savePassport checks that the person may give the service to the agency
// chosen, saves it with save and goes to the list; on errors it shows the
// editor again with what was typed, the errors, and nothing saved.
func (m *Module) savePassport(w http.ResponseWriter, r *http.Request, p Passport, errs map[string]string, save func(reason string) (*Service, error), version int) error {
	ctx := r.Context()
	reason := r.PostFormValue("reason")
	if !m.staff.MayEdit(ctx, p.AgencyID) {
		errs["agency_id"] = msgNotYours
	}
	var saved *Service
	if len(errs) > 0 {
		// Show the registry's own findings too, so that one round trip
		// lists every problem.
		_, err := m.reg.check(ctx, p, reason)
		if e := apperr.As(err); e != nil {
			for k, msg := range e.Fields {
				if errs[k] == "" {
					errs[k] = msg
				}
			}
		} else if err != nil {
			return err
		}
	} else {
		var err error
		saved, err = save(reason)
		if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
			for k, msg := range e.Fields {
				errs[k] = msg
			}
		} else if err != nil {
			return err
		}
	}
	if saved != nil {
		http.Redirect(w, r, "/admin/services/"+url.PathEscape(saved.Code)+"/history", http.StatusSeeOther)
		return nil
	}
	v := editView{New: version == 0, Code: p.Code, Version: version, P: p, FeeKind: r.PostFormValue("fee_kind"), Fee: r.PostFormValue("fee"),
		Term: r.PostFormValue("term_days"), Deadline: r.PostFormValue("plan_deadline"), Reason: reason, Locales: i18n.All(), Errors: errs}
	v.Docs, v.Acts = rowsFromPost(r.PostForm)
	if err := m.fillChoices(ctx, &v); err != nil {
		return err
	}
	return m.pages.adminEdit.Render(w, r, http.StatusUnprocessableEntity, v)
}

// passportFromPost reads the editor's fields. Numbers and dates that do
// not parse are field errors here; everything else the registry checks.
func passportFromPost(f url.Values) (Passport, map[string]string) {
	errs := map[string]string{}
	p := Passport{
		Code: strings.TrimSpace(f.Get("code")), AgencyID: f.Get("agency_id"), Participants: f["participants"],
		Recipients: f.Get("recipients"), Category: strings.TrimSpace(f.Get("category")), LifeEvents: f["life_events"],
		Name: textsFromPost(f, "name"), Description: textsFromPost(f, "description"), Result: textsFromPost(f, "result"),
		Channels: Channels{Portal: f.Get("portal") == "on", Mobile: f.Get("mobile") == "on", PSC: f.Get("psc") == "on", Office: f.Get("office") == "on"},
		Status:   Status(f.Get("status")), ProcessKey: strings.TrimSpace(f.Get("process_key")),
		SignatureRequired: f.Get("signature_required") == "on",
	}
	if level, err := strconv.Atoi(f.Get("level")); err == nil {
		p.Level = Level(level)
	}
	amount := strings.ReplaceAll(strings.TrimSpace(f.Get("fee")), ",", ".")
	switch f.Get("fee_kind") {
	case "bca":
		n, err := strconv.ParseFloat(amount, 64)
		if err != nil || n <= 0 {
			errs["fee"] = msgNumber
		}
		p.Fee.BCAMultiple = n
	case "fixed":
		n, err := strconv.ParseInt(strings.ReplaceAll(amount, " ", ""), 10, 64)
		if err != nil || n <= 0 {
			errs["fee"] = msgNumber
		}
		p.Fee.FixedSum = n
	}
	if ex := textsFromPost(f, "exemptions"); ex[i18n.UzLatn] != "" || ex[i18n.Ru] != "" || ex[i18n.En] != "" {
		p.Fee.Exemptions = ex
	}
	term, err := strconv.Atoi(strings.TrimSpace(f.Get("term_days")))
	if err != nil {
		errs["term_days"] = msgNumber
	}
	p.TermDays = term
	docs, acts := rowsFromPost(f)
	for _, d := range docs {
		p.Documents = append(p.Documents, Document{Name: d.Name, HeldByState: d.Held, Registry: strings.TrimSpace(d.Registry)})
	}
	for _, a := range acts {
		act := LegalAct{Title: a.Title, Number: strings.TrimSpace(a.Number), URL: strings.TrimSpace(a.URL)}
		if act.Date, err = time.Parse(time.DateOnly, strings.TrimSpace(a.Date)); err != nil {
			errs["legal_basis"] = msgDate
		}
		p.LegalBasis = append(p.LegalBasis, act)
	}
	if target := f.Get("plan_target"); target != "" {
		p.Plan = &Plan{ResponsibleID: f.Get("plan_responsible")}
		if n, err := strconv.Atoi(target); err == nil {
			p.Plan.TargetLevel = Level(n)
		}
		if p.Plan.Deadline, err = time.Parse(time.DateOnly, strings.TrimSpace(f.Get("plan_deadline"))); err != nil {
			errs["plan"] = msgDate
		}
	}
	return p, errs
}

// textsFromPost reads a text in four languages from fields name.<locale>.
func textsFromPost(f url.Values, name string) Texts {
	t := Texts{}
	for _, loc := range i18n.All() {
		t[loc] = strings.TrimSpace(f.Get(name + "." + string(loc)))
	}
	return t
}

// rowsFromPost reads the rows of the documents and legal acts tables,
// numbered from 0; rows left wholly empty are dropped.
func rowsFromPost(f url.Values) ([]docRow, []actRow) {
	var docs []docRow
	var acts []actRow
	for i := range 100 {
		prefix := "documents." + strconv.Itoa(i) + "."
		d := docRow{Name: textsFromPost(f, prefix+"name"), Held: f.Get(prefix+"held") == "on", Registry: f.Get(prefix + "registry")}
		if !d.Name.empty() || d.Registry != "" || d.Held {
			docs = append(docs, d)
		}
		prefix = "legal." + strconv.Itoa(i) + "."
		a := actRow{Title: textsFromPost(f, prefix+"title"), Number: f.Get(prefix + "number"), Date: f.Get(prefix + "date"), URL: f.Get(prefix + "url")}
		if !a.Title.empty() || strings.TrimSpace(a.Number+a.Date+a.URL) != "" {
			acts = append(acts, a)
		}
	}
	return docs, acts
}

// empty tells whether no language has text.
func (t Texts) empty() bool {
	for _, s := range t {
		if s != "" {
			return false
		}
	}
	return true
}

// historyEntry is a version in the history page with the parts of the
// passport it changed.
type historyEntry struct {
	Version
	Changed []string
}

// historyView is a service's history.
type historyView struct {
	Service *Service
	Entries []historyEntry
	Forms   []ServiceForm
}

func (m *Module) adminHistory(w http.ResponseWriter, r *http.Request) error {
	s, err := m.editable(r)
	if err != nil {
		return err
	}
	versions, err := m.reg.History(r.Context(), s.Code)
	if err != nil {
		return err
	}
	v := historyView{Service: s}
	for i, ver := range versions {
		e := historyEntry{Version: ver}
		if i+1 < len(versions) {
			e.Changed = changedParts(versions[i+1].Passport, ver.Passport)
		}
		v.Entries = append(v.Entries, e)
	}
	if v.Forms, err = m.reg.FormVersions(r.Context(), s.Code); err != nil {
		return err
	}
	return m.pages.adminHistory.Render(w, r, http.StatusOK, v)
}

// changedParts names the top-level passport fields (by their JSON names)
// that differ between two versions.
func changedParts(before, after Passport) []string {
	var a, b map[string]json.RawMessage
	ja, _ := json.Marshal(before)
	jb, _ := json.Marshal(after)
	_ = json.Unmarshal(ja, &a)
	_ = json.Unmarshal(jb, &b)
	var out []string
	for k := range b {
		if !reflect.DeepEqual(a[k], b[k]) {
			out = append(out, k)
		}
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// formEditView is the form editor.
type formEditView struct {
	Service  *Service
	Version  int // the current form version, 0 if none
	Document string
	Reason   string
	Errors   map[string]string
	// Problem is the form's error with its arguments, when the document
	// was refused.
	Problem *apperr.Error
	Forms   []ServiceForm
}

// Arg is the i-th argument of Problem, "" if it has none: the template
// passes the first three to the translation of the message.
func (v formEditView) Arg(i int) any {
	if v.Problem == nil || i >= len(v.Problem.Args) {
		return ""
	}
	return v.Problem.Args[i]
}

func (m *Module) adminEditForm(w http.ResponseWriter, r *http.Request) error {
	s, err := m.editable(r)
	if err != nil {
		return err
	}
	v := formEditView{Service: s}
	sf, err := m.reg.Form(r.Context(), s.Code, 0)
	switch {
	case err == nil:
		v.Version, v.Document = sf.Version, indentJSON(sf.Form.Canonical())
	case !apperr.Is(err, apperr.ENOTFOUND):
		return err
	}
	if v.Forms, err = m.reg.FormVersions(r.Context(), s.Code); err != nil {
		return err
	}
	return m.pages.adminForm.Render(w, r, http.StatusOK, v)
}

func (m *Module) adminPublishForm(w http.ResponseWriter, r *http.Request) error {
	s, err := m.editable(r)
	if err != nil {
		return err
	}
	expected, err := strconv.Atoi(r.PostFormValue("version"))
	if err != nil {
		return apperr.New(apperr.EINVALID, msgNumber)
	}
	v := formEditView{Service: s, Version: expected, Document: r.PostFormValue("document"), Reason: r.PostFormValue("reason")}
	_, err = m.reg.PublishForm(r.Context(), m.staff.Actor(r.Context()), s.Code, expected, []byte(v.Document), v.Reason)
	e := apperr.As(err)
	switch {
	case err == nil:
		http.Redirect(w, r, "/services/"+url.PathEscape(s.Code)+"/form", http.StatusSeeOther)
		return nil
	case e == nil || (e.Code != apperr.EINVALID && e.Code != apperr.ECONFLICT):
		return err
	case len(e.Fields) > 0:
		v.Errors = e.Fields
	default:
		v.Problem = e
	}
	if v.Forms, err = m.reg.FormVersions(r.Context(), s.Code); err != nil {
		return err
	}
	return m.pages.adminForm.Render(w, r, http.StatusUnprocessableEntity, v)
}

// indentJSON lays out a compact JSON document for editing.
func indentJSON(doc []byte) string {
	var b strings.Builder
	var out json.RawMessage = doc
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if enc.Encode(out) != nil {
		return string(doc)
	}
	return b.String()
}

// langField is one language's input of a text in the editor.
type langField struct {
	Name, ID, Value string
	Locale          i18n.Locale
	// Optional is Uzbek Cyrillic: left empty, it is transliterated.
	Optional bool
}

// Langs lays out the inputs of the text name in every language.
func (editView) Langs(name string, t Texts) []langField {
	var out []langField
	for _, loc := range i18n.All() {
		n := name + "." + string(loc)
		out = append(out, langField{Name: n, ID: strings.ReplaceAll(n, ".", "-"), Value: t[loc], Locale: loc, Optional: loc == i18n.UzCyrl})
	}
	return out
}

// Row prefixes the name of a field of row i of a table ("documents", 2,
// "name" is "documents.2.name").
func (editView) Row(table string, i int, field string) string {
	return table + "." + strconv.Itoa(i) + "." + field
}

// Num is a row's number for people: i+1.
func (editView) Num(i int) int { return i + 1 }

// Options lists the values of a choice of the editor.
func (editView) Options(kind string) []string {
	switch kind {
	case "recipients":
		return []string{"citizen", "business", "both"}
	case "fee":
		return []string{"free", "bca", "fixed"}
	case "level":
		return []string{"1", "2", "3", "4", "5"}
	case "target":
		return []string{"2", "3", "4", "5"}
	case "status":
		return []string{string(StatusPlanned), string(StatusDigitising), string(StatusLive), string(StatusSuspended), string(StatusRetired)}
	}
	return nil
}
