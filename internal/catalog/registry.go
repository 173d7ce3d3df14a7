package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Auditor records changes to the registry in the caller's transaction.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
}

// Registry is the unified registry of agencies and services.
type Registry struct {
	db    *db.DB
	clock clock.Clock
	audit Auditor
	// agencies caches the agency list, which every catalogue page shows and
	// which changes rarely: a change on another node is seen within
	// agencyCacheTTL, on this node at once.
	agencies struct {
		sync.Mutex
		list []Agency
		at   time.Time
	}
	// forms caches parsed form versions by formKey; a published version
	// never changes.
	forms sync.Map
	// stats caches the figures of the KPI page for agencyCacheTTL,
	// cleared at once by a change on this node.
	stats struct {
		sync.Mutex
		at     time.Time
		all    KPI
		per    []AgencyKPI
		plan   []PlanItem
		planBy []AgencyPlan
	}
}

// agencyCacheTTL bounds how stale the agency list of a node can be.
const agencyCacheTTL = 10 * time.Second

// New returns the registry.
func New(d *db.DB, c clock.Clock, a Auditor) *Registry {
	return &Registry{db: d, clock: c, audit: a}
}

// CreateAgency adds a state body. A code already used is ECONFLICT; a
// parent that does not exist, a bad code or kind or a missing name is
// EINVALID.
func (r *Registry) CreateAgency(ctx context.Context, actor string, a Agency) (*Agency, error) {
	a, f := a.normalize()
	if len(f) > 0 {
		return nil, apperr.Invalid(msgInvalid, f)
	}
	a.ID = db.NewID()
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		return r.insertAgency(ctx, tx, actor, a, r.clock.Now(), "")
	})
	if err != nil {
		return nil, fmt.Errorf("create agency: %w", err)
	}
	r.clearAgencies()
	return &a, nil
}

// normalize validates an agency's code, kind and names and returns it with
// the names completed (Uzbek Cyrillic transliterated where missing) and the
// contact details trimmed; problems come back as field -> message key.
func (a Agency) normalize() (Agency, map[string]string) {
	f := map[string]string{}
	a.Code = strings.TrimSpace(a.Code)
	if !codePattern.MatchString(a.Code) {
		f["code"] = msgAgencyCode
	}
	switch a.Kind {
	case KindMinistry, KindCommittee, KindAgency, KindRegional, KindDistrict, KindOther:
	default:
		f["kind"] = msgAgencyKind
	}
	names, missing := a.Names.complete()
	if len(missing) > 0 {
		f["names"] = msgTextMissing
	}
	a.Names = names
	a.Phone, a.Email, a.Website = strings.TrimSpace(a.Phone), strings.TrimSpace(a.Email), strings.TrimSpace(a.Website)
	if a.Regions == nil {
		a.Regions = []string{}
	}
	return a, f
}

// insertAgency writes a new, normalized agency with its ID set, and its
// audit record, in the caller's transaction. reason, when given, is kept
// in the audit record.
func (r *Registry) insertAgency(ctx context.Context, tx *sql.Tx, actor string, a Agency, now time.Time, reason string) error {
	namesJSON, regionsJSON, parent := agencyColumns(a)
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_agencies (id, code, parent_id, kind, names, phone, email, website, regions, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`, a.ID, a.Code, parent, string(a.Kind), namesJSON,
		a.Phone, a.Email, a.Website, regionsJSON, now); err != nil {
		return err
	}
	return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "catalog.agency.created", ObjectType: "agency", ObjectID: a.ID,
		Details: auditDetails(map[string]any{"code": a.Code}, reason)})
}

// updateAgency replaces everything but the ID and code of an existing,
// normalized agency, with an audit record, in the caller's transaction.
func (r *Registry) updateAgency(ctx context.Context, tx *sql.Tx, actor string, a Agency, now time.Time, reason string) error {
	namesJSON, regionsJSON, parent := agencyColumns(a)
	res, err := tx.ExecContext(ctx, `UPDATE catalog_agencies SET parent_id = $1, kind = $2, names = $3, phone = $4, email = $5, website = $6,
		regions = $7, updated_at = $8 WHERE id = $9`, parent, string(a.Kind), namesJSON, a.Phone, a.Email, a.Website, regionsJSON, now, a.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		if err == nil {
			err = apperr.New(apperr.ENOTFOUND, msgNoSuchAgency)
		}
		return err
	}
	return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "catalog.agency.updated", ObjectType: "agency", ObjectID: a.ID,
		Details: auditDetails(map[string]any{"code": a.Code}, reason)})
}

// agencyColumns encodes an agency's names, regions and parent for SQL.
func agencyColumns(a Agency) (names, regions string, parent any) {
	n, _ := json.Marshal(a.Names)
	g, _ := json.Marshal(a.Regions)
	if a.ParentID != "" {
		parent = a.ParentID
	}
	return string(n), string(g), parent
}

// auditDetails adds the reason for a change to audit details when there is one.
func auditDetails(d map[string]any, reason string) map[string]any {
	if reason = strings.TrimSpace(reason); reason != "" {
		d["reason"] = reason
	}
	return d
}

// clearAgencies drops this node's cached agency list after a change.
func (r *Registry) clearAgencies() {
	r.agencies.Lock()
	r.agencies.list = nil
	r.agencies.Unlock()
}

// Agencies lists every agency ordered by code; the tree is in ParentID.
// The list is shared: callers must not modify it.
func (r *Registry) Agencies(ctx context.Context) ([]Agency, error) {
	r.agencies.Lock()
	defer r.agencies.Unlock()
	if r.agencies.list != nil && time.Since(r.agencies.at) < agencyCacheTTL {
		return r.agencies.list, nil
	}
	list, err := loadAgencies(ctx, r.db.Reader())
	if err != nil {
		return nil, err
	}
	r.agencies.list, r.agencies.at = list, time.Now()
	return list, nil
}

// querier runs a query on the database or in a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// loadAgencies reads every agency, ordered by code.
func loadAgencies(ctx context.Context, q querier) ([]Agency, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, code, COALESCE(parent_id, ''), kind, names, phone, email, website, regions
		FROM catalog_agencies ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("agencies: %w", err)
	}
	defer rows.Close()
	var out []Agency
	for rows.Next() {
		var a Agency
		var names, regions string
		if err := rows.Scan(&a.ID, &a.Code, &a.ParentID, &a.Kind, &names, &a.Phone, &a.Email, &a.Website, &regions); err != nil {
			return nil, fmt.Errorf("agencies: %w", err)
		}
		if err := json.Unmarshal([]byte(names), &a.Names); err != nil {
			return nil, fmt.Errorf("agency %s names: %w", a.Code, err)
		}
		if err := json.Unmarshal([]byte(regions), &a.Regions); err != nil {
			return nil, fmt.Errorf("agency %s regions: %w", a.Code, err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// CreateService registers a service as version 1. A code already used is
// ECONFLICT; an invalid passport or unknown agency is EINVALID.
func (r *Registry) CreateService(ctx context.Context, actor string, p Passport, reason string) (*Service, error) {
	p, err := r.check(ctx, p, reason)
	if err != nil {
		return nil, err
	}
	var s *Service
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		s, err = r.insertService(ctx, tx, actor, p, reason, r.clock.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create service: %w", err)
	}
	r.clearStats()
	return s, nil
}

// UpdateService publishes a new version of a service. expected is the
// version the editor started from: if someone published in between, the
// update is ECONFLICT and changes nothing, so no edit is silently lost.
// An unknown code is ENOTFOUND; an invalid passport or agency EINVALID.
func (r *Registry) UpdateService(ctx context.Context, actor, code string, expected int, p Passport, reason string) (*Service, error) {
	p.Code = code
	p, err := r.check(ctx, p, reason)
	if err != nil {
		return nil, err
	}
	var s *Service
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		s, err = r.updateService(ctx, tx, actor, expected, p, reason, r.clock.Now())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("update service: %w", err)
	}
	r.clearStats()
	return s, nil
}

// insertService writes a checked passport as version 1 of a new service,
// with its history entry, search text and audit record, in the caller's
// transaction.
func (r *Registry) insertService(ctx context.Context, tx *sql.Tx, actor string, p Passport, reason string, now time.Time) (*Service, error) {
	s := &Service{ID: db.NewID(), Version: 1, UpdatedAt: now, UpdatedBy: actor, Passport: p}
	doc, _ := json.Marshal(p)
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_services (id, code, version, agency_id, status, level, recipients, category, mobile, passport, updated_at, updated_by)
		VALUES ($1, $2, 1, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, s.ID, p.Code, p.AgencyID, string(p.Status), int(p.Level),
		p.Recipients, p.Category, p.Channels.Mobile, string(doc), now, actor); err != nil {
		return nil, err
	}
	return s, r.recordVersion(ctx, tx, s, doc, reason, "catalog.service.created")
}

// updateService publishes a checked passport as the version after expected,
// with its history entry, search text and audit record, in the caller's
// transaction: ENOTFOUND if there is no service with the passport's code,
// ECONFLICT if its current version is not expected.
func (r *Registry) updateService(ctx context.Context, tx *sql.Tx, actor string, expected int, p Passport, reason string, now time.Time) (*Service, error) {
	doc, _ := json.Marshal(p)
	var id string
	err := tx.QueryRowContext(ctx, `UPDATE catalog_services SET version = version + 1, agency_id = $1, status = $2, level = $3, recipients = $4,
		category = $5, mobile = $6, passport = $7, updated_at = $8, updated_by = $9 WHERE code = $10 AND version = $11 RETURNING id`,
		p.AgencyID, string(p.Status), int(p.Level), p.Recipients, p.Category, p.Channels.Mobile, string(doc), now, actor, p.Code, expected).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if ok, err := db.Exists(ctx, tx, `SELECT 1 FROM catalog_services WHERE code = $1`, p.Code); err != nil || !ok {
			if err == nil {
				err = apperr.New(apperr.ENOTFOUND, msgNoSuchService)
			}
			return nil, err
		}
		return nil, apperr.New(apperr.ECONFLICT, msgStaleVersion)
	}
	if err != nil {
		return nil, err
	}
	s := &Service{ID: id, Version: expected + 1, UpdatedAt: now, UpdatedBy: actor, Passport: p}
	return s, r.recordVersion(ctx, tx, s, doc, reason, "catalog.service.updated")
}

// check validates a passport, the reason for the change and the agency.
func (r *Registry) check(ctx context.Context, p Passport, reason string) (Passport, error) {
	p, fields := p.validate(reason)
	var one int
	if err := r.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM catalog_agencies WHERE id = $1`, p.AgencyID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		fields["agency_id"] = msgAgency
	} else if err != nil {
		return p, fmt.Errorf("check agency: %w", err)
	}
	if p.Plan != nil && fields["plan"] == "" {
		if err := r.db.Reader().QueryRowContext(ctx, `SELECT 1 FROM catalog_agencies WHERE id = $1`, p.Plan.ResponsibleID).Scan(&one); errors.Is(err, sql.ErrNoRows) {
			fields["plan"] = msgPlan
		} else if err != nil {
			return p, fmt.Errorf("check plan agency: %w", err)
		}
	}
	if len(fields) > 0 {
		return p, apperr.Invalid(msgInvalid, fields)
	}
	return p, nil
}

// validate normalizes a passport and checks the reason for the change; the
// problems come back as field -> message key (never nil). Whether the
// agencies named exist is for the caller to check.
func (p Passport) validate(reason string) (Passport, map[string]string) {
	p, err := p.normalize()
	fields := map[string]string{}
	if e := apperr.As(err); e != nil {
		fields = e.Fields
	}
	if !validReason(reason) {
		fields["reason"] = msgReason
	}
	return p, fields
}

// validReason tells whether a reason for a change is given and short enough.
func validReason(reason string) bool {
	n := utf8.RuneCountInString(strings.TrimSpace(reason))
	return n > 0 && n <= 500
}

func (r *Registry) recordVersion(ctx context.Context, tx *sql.Tx, s *Service, doc []byte, reason, action string) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_service_versions (service_id, version, passport, changed_by, changed_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.ID, s.Version, string(doc), s.UpdatedBy, s.UpdatedAt, strings.TrimSpace(reason)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_service_events WHERE service_id = $1`, s.ID); err != nil {
		return err
	}
	for _, e := range s.LifeEvents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_service_events (service_id, event) VALUES ($1, $2) ON CONFLICT DO NOTHING`, s.ID, e); err != nil {
			return err
		}
	}
	if err := r.indexService(ctx, tx, s.ID, s.Passport); err != nil {
		return err
	}
	return r.audit.Record(ctx, tx, audit.Record{Actor: s.UpdatedBy, Action: action, ObjectType: "service", ObjectID: s.ID,
		Details: map[string]any{"code": s.Code, "version": s.Version, "reason": strings.TrimSpace(reason)}})
}

// ServiceByCode returns the current version of a service; ENOTFOUND if none.
func (r *Registry) ServiceByCode(ctx context.Context, code string) (*Service, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, version, updated_at, updated_by, passport FROM catalog_services WHERE code = $1`, code)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", code, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, err
		}
		return nil, apperr.New(apperr.ENOTFOUND, msgNoSuchService)
	}
	return scanService(rows)
}

// ServiceFilter selects services; nil fields do not filter.
type ServiceFilter struct {
	Code     *string
	AgencyID *string
	// AgencyIDs keeps services of these agencies, when not nil.
	AgencyIDs []string
	Status    *Status
	LifeEvent *string
	// ByName orders by the name in this language instead of by code.
	ByName i18n.Locale
	Limit  int
	Offset int
}

// Services lists services by code with the total that match the filter.
func (r *Registry) Services(ctx context.Context, f ServiceFilter) ([]*Service, int, error) {
	var q db.Filter
	q.AddIf("s.code = %s", f.Code)
	q.AddIf("s.agency_id = %s", f.AgencyID)
	if f.AgencyIDs != nil {
		ids := []string{"''"} // no agency: nothing matches
		for _, id := range f.AgencyIDs {
			ids = append(ids, q.Arg(id))
		}
		q.Cond("s.agency_id IN (" + strings.Join(ids, ", ") + ")")
	}
	if f.Status != nil {
		q.Add("s.status = %s", string(*f.Status))
	}
	q.AddIf("s.id IN (SELECT e.service_id FROM catalog_service_events e WHERE e.event = %s)", f.LifeEvent)
	var total int
	if err := r.db.Reader().QueryRowContext(ctx, `SELECT count(*) FROM catalog_services s`+q.Where(), q.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count services: %w", err)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	order := "s.code"
	if slices.Contains(i18n.All(), f.ByName) {
		// The -> and ->> operators read JSON alike on both engines. The
		// locale is written into the query (it is one of four known
		// values) so that the engine uses the index on this expression.
		order = "s.passport -> 'name' ->> '" + string(f.ByName) + "', s.code"
	}
	where := q.Where()
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT s.id, s.version, s.updated_at, s.updated_by, s.passport FROM catalog_services s`+where+
		` ORDER BY `+order+q.Page(f.Limit, max(f.Offset, 0)), q.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("services: %w", err)
	}
	defer rows.Close()
	var out []*Service
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// scanService reads id, version, updated_at, updated_by and passport.
func scanService(rows *sql.Rows) (*Service, error) {
	s := &Service{}
	var doc string
	if err := rows.Scan(&s.ID, &s.Version, &s.UpdatedAt, &s.UpdatedBy, &doc); err != nil {
		return nil, fmt.Errorf("services: %w", err)
	}
	if err := json.Unmarshal([]byte(doc), &s.Passport); err != nil {
		return nil, fmt.Errorf("service passport: %w", err)
	}
	return s, nil
}

// History lists every version of a service, newest first.
func (r *Registry) History(ctx context.Context, code string) ([]Version, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT v.version, v.changed_by, v.changed_at, v.reason, v.passport
		FROM catalog_service_versions v JOIN catalog_services s ON s.id = v.service_id WHERE s.code = $1 ORDER BY v.version DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var doc string
		if err := rows.Scan(&v.Version, &v.ChangedBy, &v.ChangedAt, &v.Reason, &doc); err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if err := json.Unmarshal([]byte(doc), &v.Passport); err != nil {
			return nil, fmt.Errorf("history passport: %w", err)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.ENOTFOUND, msgNoSuchService)
	}
	return out, rows.Err()
}
