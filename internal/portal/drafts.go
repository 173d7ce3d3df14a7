package portal

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

// Message keys of drafts.
const (
	MsgNoDraft      = "portal.draft.not_found"    // no such draft of this applicant
	MsgForBusiness  = "portal.draft.for_business" // the service is for organisations: act for one first
	MsgForCitizens  = "portal.draft.for_citizens" // the service is for people: act for yourself
	maxDraftsListed = 50
)

// Registries fetch what the state holds about an applicant, for the fields
// of a form that the state fills in (form.Prefill); internal/app provides
// them: the identity register, and agencies' registries over the exchange
// bus. Pages name a source by the message "portal.source.<source>".
type Registries interface {
	// Fetch returns the document of source about the applicant (the
	// decoded JSON object); ENOTFOUND when the registry holds none.
	// purpose says why, for the citizen's data tracker.
	Fetch(ctx context.Context, source string, who Applicant, purpose string) (map[string]any, error)
}

// PrefilledValue is a field's value as a registry gave it. Changed tells,
// on a submitted application, that the applicant sent another value.
type PrefilledValue struct {
	Source  string `json:"source"`
	Value   any    `json:"value"`
	Changed bool   `json:"changed,omitempty"`
}

// Draft is an application being filled in, saved page by page so that the
// applicant can leave and come back.
type Draft struct {
	ID          string
	ApplicantID string
	ServiceCode string
	OrgID       string
	FormVersion int
	Answers     map[string]any
	Prefill     DraftPrefill
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// DraftPrefill is what the registries gave when the draft was opened.
type DraftPrefill struct {
	Fields map[string]PrefilledValue `json:"fields"`
	// Unavailable lists the sources that could not answer; their fields
	// are left for the applicant.
	Unavailable []string `json:"unavailable,omitempty"`
}

// OpenDraft returns the applicant's draft for the service (for who.Org,
// when a representative acts for one), making one, filled in from the
// registries, if there is none.
//
// Errors: ENOTFOUND MsgNoService; EFORBIDDEN MsgForBusiness or
// MsgForCitizens when the service is not for whom the applicant acts.
func (a *Applications) OpenDraft(ctx context.Context, who Applicant, service string) (*Draft, error) {
	org := who.Org
	info, err := a.Forms.Service(ctx, service)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoService)
	}
	if err != nil {
		return nil, fmt.Errorf("open draft: %w", err)
	}
	switch {
	case info.Recipients == "business" && org == nil:
		return nil, apperr.New(apperr.EFORBIDDEN, MsgForBusiness)
	case info.Recipients == "citizen" && org != nil:
		return nil, apperr.New(apperr.EFORBIDDEN, MsgForCitizens)
	}
	d, err := scanDraft(a.m.db.Reader().QueryRowContext(ctx, `SELECT `+draftColumns+` FROM portal_drafts
		WHERE applicant_id = $1 AND service_code = $2 AND org_id = $3`, who.UserID, service, orgID(org)))
	if err == nil {
		return d, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("open draft: %w", err)
	}
	f, err := a.Forms.Form(ctx, service, info.FormVersion)
	if err != nil {
		return nil, fmt.Errorf("open draft: %w", err)
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	d = &Draft{ID: db.NewID(), ApplicantID: who.UserID, ServiceCode: service, OrgID: orgID(org), FormVersion: info.FormVersion,
		CreatedAt: now, UpdatedAt: now}
	d.Prefill = a.prefill(ctx, f, who, service)
	d.Answers = map[string]any{}
	for name, v := range d.Prefill.Fields {
		setValue(d.Answers, name, v.Value)
	}
	answers, prefill, err := d.encode()
	if err != nil {
		return nil, fmt.Errorf("open draft: %w", err)
	}
	_, err = a.m.db.Writer().ExecContext(ctx, `INSERT INTO portal_drafts (id, applicant_id, service_code, form_version, answers,
		prefilled, org_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`, d.ID, d.ApplicantID,
		d.ServiceCode, d.FormVersion, answers, prefill, d.OrgID, now)
	if apperr.Is(db.MapError(err), apperr.ECONFLICT) {
		// The same applicant opened it in another tab just now.
		return a.OpenDraft(ctx, who, service)
	}
	if err != nil {
		return nil, fmt.Errorf("open draft: %w", err)
	}
	return d, nil
}

// prefill asks each registry the form names once for what it holds about
// the applicant. A registry that fails is noted, not fatal: the applicant
// fills its fields in.
func (a *Applications) prefill(ctx context.Context, f *form.Form, who Applicant, service string) DraftPrefill {
	out := DraftPrefill{Fields: map[string]PrefilledValue{}}
	if a.Registries == nil {
		return out
	}
	docs := map[string]map[string]any{}
	for _, p := range f.Prefills() {
		doc, asked := docs[p.Source]
		if !asked {
			var err error
			doc, err = a.Registries.Fetch(ctx, p.Source, who, "application/"+service)
			if err != nil && !apperr.Is(err, apperr.ENOTFOUND) {
				slog.WarnContext(ctx, "prefill: registry did not answer", "source", p.Source, "service", service, "error", err)
				out.Unavailable = append(out.Unavailable, p.Source)
			}
			docs[p.Source] = doc
		}
		if v, ok := f.FromSource(p.Name, valueAt(doc, p.Path)); ok {
			out.Fields[p.Name] = PrefilledValue{Source: p.Source, Value: v}
		}
	}
	return out
}

// valueAt returns the member at a dotted path of a JSON document, or nil.
func valueAt(doc map[string]any, path string) any {
	var cur any = doc
	for _, name := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[name]
	}
	return cur
}

// setValue sets the field name ("phone", "address.region") in answers.
func setValue(answers map[string]any, name string, v any) {
	group, field, nested := strings.Cut(name, ".")
	if !nested {
		answers[name] = v
		return
	}
	g, _ := answers[group].(map[string]any)
	if g == nil {
		g = map[string]any{}
		answers[group] = g
	}
	g[field] = v
}

// compareAnswers returns the prefilled values marked Changed where the
// clean answers differ from them.
func compareAnswers(prefilled map[string]PrefilledValue, clean map[string]any) map[string]PrefilledValue {
	out := make(map[string]PrefilledValue, len(prefilled))
	for name, p := range prefilled {
		p.Changed = fmt.Sprint(valueAt(clean, name)) != fmt.Sprint(p.Value)
		out[name] = p
	}
	return out
}

// draftColumns are what scanDraft reads.
const draftColumns = `id, applicant_id, service_code, org_id, form_version, answers, prefilled, created_at, updated_at`

func scanDraft(row interface{ Scan(...any) error }) (*Draft, error) {
	var (
		d                  Draft
		answers, prefilled string
	)
	if err := row.Scan(&d.ID, &d.ApplicantID, &d.ServiceCode, &d.OrgID, &d.FormVersion, &answers, &prefilled, &d.CreatedAt,
		&d.UpdatedAt); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	if err := json.Unmarshal([]byte(answers), &d.Answers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(prefilled), &d.Prefill); err != nil {
		return nil, err
	}
	return &d, nil
}

func (d *Draft) encode() (answers, prefill string, err error) {
	a, err := json.Marshal(d.Answers)
	if err != nil {
		return "", "", err
	}
	p, err := json.Marshal(d.Prefill)
	return string(a), string(p), err
}

// Draft returns the applicant's draft with the ID; another applicant's is
// not found, exactly as one that does not exist.
//
// Errors: ENOTFOUND MsgNoDraft.
func (a *Applications) Draft(ctx context.Context, applicant, id string) (*Draft, error) {
	d, err := scanDraft(a.m.db.Reader().QueryRowContext(ctx, `SELECT `+draftColumns+` FROM portal_drafts
		WHERE id = $1 AND applicant_id = $2`, id, applicant))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoDraft)
	}
	if err != nil {
		return nil, fmt.Errorf("find draft: %w", err)
	}
	return d, nil
}

// Drafts lists the applicant's drafts, the latest changed first.
func (a *Applications) Drafts(ctx context.Context, applicant string) ([]*Draft, error) {
	rows, err := a.m.db.Reader().QueryContext(ctx, `SELECT `+draftColumns+` FROM portal_drafts WHERE applicant_id = $1
		ORDER BY updated_at DESC, id DESC LIMIT $2`, applicant, maxDraftsListed)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	out, err := db.Collect(rows, scanDraft)
	if err != nil {
		return nil, fmt.Errorf("list drafts: %w", err)
	}
	return out, nil
}

// SaveDraft stores the draft's answers and form version.
//
// Errors: ENOTFOUND MsgNoDraft when it is gone (submitted or deleted).
func (a *Applications) SaveDraft(ctx context.Context, d *Draft) error {
	answers, _, err := d.encode()
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	d.UpdatedAt = a.m.clock.Now().UTC().Truncate(time.Microsecond)
	res, err := a.m.db.Writer().ExecContext(ctx, `UPDATE portal_drafts SET answers = $1, form_version = $2, updated_at = $3
		WHERE id = $4 AND applicant_id = $5`, answers, d.FormVersion, d.UpdatedAt, d.ID, d.ApplicantID)
	if err != nil {
		return fmt.Errorf("save draft: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return apperr.New(apperr.ENOTFOUND, MsgNoDraft)
	}
	return nil
}

// DeleteDraft throws the applicant's draft away.
func (a *Applications) DeleteDraft(ctx context.Context, applicant, id string) error {
	if _, err := a.m.db.Writer().ExecContext(ctx, `DELETE FROM portal_drafts WHERE id = $1 AND applicant_id = $2`, id,
		applicant); err != nil {
		return fmt.Errorf("delete draft: %w", err)
	}
	return nil
}
