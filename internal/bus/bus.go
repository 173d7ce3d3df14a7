// Package bus is egov's interagency data exchange bus, compatible with
// X-Road's Message Protocol for REST. This part is the central registry:
// members (organisations, by STIR), their subsystems and gateways, the
// services subsystems provide with their OpenAPI descriptions, global
// groups, access rights per service endpoint, and the registration
// requests by which members ask to add subsystems and gateways. Gateways
// ask the registry whether a client may call an endpoint (Allowed), and
// the registry keeps a version number that grows with every change, for
// the signed global configuration built from it.
package bus

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed locales
var localeFS embed.FS

// Migrations are the registry's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "bus", FS: migrationFS} }

// Locales is the module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Message keys of the errors the registry returns. Field errors carry the
// key of the field's problem; the error's own message is MsgInvalid.
const (
	MsgInvalid = "bus.invalid" // some fields are wrong; see the field messages

	MsgInstance    = "bus.field.instance"     // not an instance identifier
	MsgMemberClass = "bus.field.member_class" // not GOV, COM, NGO or ORG
	MsgMemberCode  = "bus.field.member_code"  // not a STIR of 9 digits
	MsgSubsystem   = "bus.field.subsystem"    // not a subsystem code, or one where none belongs
	MsgName        = "bus.field.name"         // missing or too long a name
	MsgGatewayName = "bus.field.gateway_name" // not a gateway name
	MsgAddress     = "bus.field.address"      // not a host name or IP address with an optional port
	MsgSerial      = "bus.field.serial"       // not a certificate serial in hex
	MsgSameSerial  = "bus.field.same_serial"  // one certificate for both authentication and signing
	MsgServiceCode = "bus.field.service_code" // not a service code
	MsgTitle       = "bus.field.title"        // missing or too long a title
	MsgBaseURL     = "bus.field.base_url"     // not an absolute http(s) URL
	MsgOpenAPI     = "bus.field.openapi"      // not an OpenAPI document with "openapi" and "paths"
	MsgGroupCode   = "bus.field.group_code"   // not a group code
	MsgDescription = "bus.field.description"  // too long a description
	MsgMethod      = "bus.field.method"       // not an HTTP method or '*'
	MsgPath        = "bus.field.path"         // not a path pattern
	MsgGrantee     = "bus.field.grantee"      // neither or both of a subsystem and a group
	MsgKind        = "bus.field.kind"         // not a kind of registration request
	MsgReason      = "bus.field.reason"       // a rejection without a reason, or a too long one
	MsgLabel       = "bus.field.label"        // missing or too long a label of an API key

	MsgNoSuchMember      = "bus.member.not_found"
	MsgNoSuchSubsystem   = "bus.subsystem.not_found"
	MsgNoSuchService     = "bus.service.not_found"
	MsgNoSuchGroup       = "bus.group.not_found"
	MsgNoSuchGroupMember = "bus.group_member.not_found"
	MsgNoSuchRight       = "bus.right.not_found"
	MsgNoSuchRequest     = "bus.request.not_found"
	MsgNoSuchAPIKey      = "bus.api_key.not_found"
	MsgNoSuchGateway     = "bus.gateway.not_found"

	MsgMemberExists      = "bus.member.exists"
	MsgSubsystemExists   = "bus.subsystem.exists"
	MsgGatewayExists     = "bus.gateway.exists" // the name within the member, or the authentication certificate
	MsgServiceExists     = "bus.service.exists"
	MsgGroupExists       = "bus.group.exists"
	MsgGroupMemberExists = "bus.group_member.exists"
	MsgRightExists       = "bus.right.exists"
	MsgRequestPending    = "bus.request.pending" // the same request waits already
	MsgRequestDecided    = "bus.request.decided" // approved or rejected already
	MsgRequestOwn        = "bus.request.own"     // deciding on one's own request
	MsgAPIKeyRevoked     = "bus.api_key.revoked"
	MsgCertificateExists = "bus.client_certificate.exists"
)

// Member classes.
const (
	ClassGOV = "GOV" // state bodies
	ClassCOM = "COM" // companies
	ClassNGO = "NGO" // non-governmental organisations
	ClassORG = "ORG" // other organisations
)

// Auditor records changes to the registry in the caller's transaction.
type Auditor interface {
	Record(ctx context.Context, tx *sql.Tx, r audit.Record) error
}

// Registry is the central registry of the bus. It is safe for concurrent
// use, on one node or many.
type Registry struct {
	db    *db.DB
	clock clock.Clock
	audit Auditor
}

// New returns the registry over d, which must have Migrations applied.
func New(d *db.DB, c clock.Clock, a Auditor) *Registry {
	return &Registry{db: d, clock: c, audit: a}
}

// Version returns the registry's version: 0 when empty, then one more for
// every change to its members, subsystems, gateways, services, groups or
// rights. Registration requests that are submitted or rejected change
// nothing the gateways see and leave it as it is.
func (r *Registry) Version(ctx context.Context) (int64, error) {
	var v int64
	if err := r.db.Reader().QueryRowContext(ctx, `SELECT version FROM bus_registry WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("registry version: %w", err)
	}
	return v, nil
}

// now is the time stamped on changes, cut to what PostgreSQL keeps so that
// values read back equal those returned.
func (r *Registry) now() time.Time { return r.clock.Now().UTC().Truncate(time.Microsecond) }

// change runs fn in a write transaction, then advances the registry's
// version and records the audit entry rec with the new version in its
// details, so that the change, the version and the entry commit together.
func (r *Registry) change(ctx context.Context, rec audit.Record, fn func(tx *sql.Tx, now time.Time) error) error {
	now := r.now()
	return r.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx, now); err != nil {
			return err
		}
		var v int64
		if err := tx.QueryRowContext(ctx, `UPDATE bus_registry SET version = version + 1, changed_at = $1 WHERE id = 1
			RETURNING version`, now).Scan(&v); err != nil {
			return fmt.Errorf("advance version: %w", err)
		}
		if rec.Details == nil {
			rec.Details = map[string]any{}
		}
		rec.Details["version"] = v
		return r.audit.Record(ctx, tx, rec)
	})
}

// conflictAs gives a unique violation from an insert the message key msg,
// so the caller learns what exists already; other errors pass unchanged.
func conflictAs(err error, msg string) error {
	if e := apperr.As(db.MapError(err)); e != nil && e.Code == apperr.ECONFLICT {
		return &apperr.Error{Code: apperr.ECONFLICT, Message: msg, Err: err}
	}
	return err
}

// notFound turns sql.ErrNoRows into ENOTFOUND msg.
func notFound(err error, msg string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return &apperr.Error{Code: apperr.ENOTFOUND, Message: msg, Err: err}
	}
	return err
}

// querier runs queries on the database or in a transaction.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
