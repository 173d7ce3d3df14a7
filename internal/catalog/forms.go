package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// ServiceForm is one published version of a service's application form.
// Versions never change once published: an application records the version
// it was submitted with and can always be shown with that form.
type ServiceForm struct {
	ServiceID   string
	Code        string
	Version     int
	PublishedBy string
	PublishedAt time.Time
	Reason      string
	// Form is the parsed form; Form.Canonical() is its document.
	Form *form.Form
}

// Message keys of the forms store.
const (
	msgNoSuchForm  = "catalog.form.not_found"
	msgStaleForm   = "catalog.form.stale"
	msgFormInvalid = "catalog.form.invalid"
	msgNoSuchStep  = "catalog.form.no_step"
)

// PublishForm publishes a new version of the application form of the
// service code. expected is the form version the editor started from (0
// when the service has no form yet): if someone published in between, the
// call is ECONFLICT and changes nothing. A document form.Parse refuses is
// returned as Parse's EINVALID error, whose key and arguments say what is
// wrong and where; a missing reason is EINVALID on the field "reason".
func (r *Registry) PublishForm(ctx context.Context, actor, code string, expected int, doc []byte, reason string) (*ServiceForm, error) {
	f, err := form.Parse(doc)
	if err != nil {
		return nil, err
	}
	if !validReason(reason) {
		return nil, apperr.Invalid(msgFormInvalid, map[string]string{"reason": msgReason})
	}
	sf := &ServiceForm{Code: code, Version: expected + 1, PublishedBy: actor, PublishedAt: r.clock.Now(),
		Reason: strings.TrimSpace(reason), Form: f}
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT id FROM catalog_services WHERE code = $1`, code).Scan(&sf.ServiceID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return apperr.New(apperr.ENOTFOUND, msgNoSuchService)
			}
			return err
		}
		var current int
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM catalog_forms WHERE service_id = $1`, sf.ServiceID).Scan(&current); err != nil {
			return err
		}
		if current != expected {
			return apperr.New(apperr.ECONFLICT, msgStaleForm)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_forms (service_id, version, document, published_by, published_at, reason)
			VALUES ($1, $2, $3, $4, $5, $6)`, sf.ServiceID, sf.Version, string(f.Canonical()), actor, sf.PublishedAt, sf.Reason); err != nil {
			// Two editors publishing the same version at once: the
			// primary key lets one in.
			if apperr.Code(db.MapError(err)) == apperr.ECONFLICT {
				return apperr.New(apperr.ECONFLICT, msgStaleForm)
			}
			return err
		}
		return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "catalog.form.published", ObjectType: "service", ObjectID: sf.ServiceID,
			Details: map[string]any{"code": code, "form_version": sf.Version, "reason": sf.Reason}})
	})
	if err != nil {
		return nil, fmt.Errorf("publish form: %w", err)
	}
	r.forms.Store(formKey{sf.ServiceID, sf.Version}, f)
	return sf, nil
}

// formKey names one form version in the cache of parsed forms.
type formKey struct {
	serviceID string
	version   int
}

// Form returns version of the form of the service code, the current one
// when version is 0; ENOTFOUND when there is no such service or version.
func (r *Registry) Form(ctx context.Context, code string, version int) (*ServiceForm, error) {
	q := `SELECT f.service_id, f.version, f.published_by, f.published_at, f.reason, f.document FROM catalog_forms f
		JOIN catalog_services s ON s.id = f.service_id WHERE s.code = $1`
	args := []any{code}
	if version > 0 {
		q += ` AND f.version = $2`
		args = append(args, version)
	} else {
		q += ` ORDER BY f.version DESC LIMIT 1`
	}
	sf := &ServiceForm{Code: code}
	var doc string
	err := r.db.Reader().QueryRowContext(ctx, q, args...).Scan(&sf.ServiceID, &sf.Version, &sf.PublishedBy, &sf.PublishedAt, &sf.Reason, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, msgNoSuchForm)
	}
	if err != nil {
		return nil, fmt.Errorf("form %s: %w", code, err)
	}
	// Published versions never change, so a parsed form can be kept for
	// as long as the process runs.
	key := formKey{sf.ServiceID, sf.Version}
	if f, ok := r.forms.Load(key); ok {
		sf.Form = f.(*form.Form)
		return sf, nil
	}
	if sf.Form, err = form.Parse([]byte(doc)); err != nil {
		return nil, fmt.Errorf("stored form %s v%d: %w", code, sf.Version, err)
	}
	r.forms.Store(key, sf.Form)
	return sf, nil
}

// FormVersion returns the current form version of the service with the
// internal ID serviceID, 0 if it has no form.
func (r *Registry) FormVersion(ctx context.Context, serviceID string) (int, error) {
	var v int
	if err := r.db.Reader().QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM catalog_forms WHERE service_id = $1`, serviceID).Scan(&v); err != nil {
		return 0, fmt.Errorf("form version: %w", err)
	}
	return v, nil
}

// CurrentForms maps each service's internal ID to its current form
// version; services without a form are absent.
func (r *Registry) CurrentForms(ctx context.Context) (map[string]int, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT service_id, MAX(version) FROM catalog_forms GROUP BY service_id`)
	if err != nil {
		return nil, fmt.Errorf("current forms: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var id string
		var v int
		if err := rows.Scan(&id, &v); err != nil {
			return nil, fmt.Errorf("current forms: %w", err)
		}
		out[id] = v
	}
	return out, rows.Err()
}

// FormVersions lists every published version of a service's form, newest
// first, without parsing them. A service without a form has none.
func (r *Registry) FormVersions(ctx context.Context, code string) ([]ServiceForm, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT f.service_id, f.version, f.published_by, f.published_at, f.reason FROM catalog_forms f
		JOIN catalog_services s ON s.id = f.service_id WHERE s.code = $1 ORDER BY f.version DESC`, code)
	if err != nil {
		return nil, fmt.Errorf("form versions %s: %w", code, err)
	}
	defer rows.Close()
	var out []ServiceForm
	for rows.Next() {
		sf := ServiceForm{Code: code}
		if err := rows.Scan(&sf.ServiceID, &sf.Version, &sf.PublishedBy, &sf.PublishedAt, &sf.Reason); err != nil {
			return nil, fmt.Errorf("form versions %s: %w", code, err)
		}
		out = append(out, sf)
	}
	return out, rows.Err()
}
