package bus

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// maxPath bounds path patterns and the request paths matched against them,
// in bytes; the protocol refuses longer URIs anyway.
const maxPath = 2000

// AnyMethod in an Endpoint's Method matches every method, and AnyPath as
// its Path every path: together they are the whole service, like X-Road's
// base endpoint "* **".
const (
	AnyMethod = "*"
	AnyPath   = "**"
)

// methods are the methods an endpoint can name.
var methods = []string{"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", AnyMethod}

// Endpoint is a part of a service that access is granted to: a method and
// a path pattern. The pattern is AnyPath or an absolute path whose
// segments are literal or "*", as X-Road writes an OpenAPI path's
// parameters ("/pets/{id}" becomes "/pets/*"):
//
//   - "*" as an inner segment matches exactly one non-empty segment;
//   - "*" as the last segment matches one or more segments, so "/pets/*"
//     covers "/pets/1" and "/pets/1/photos" but not "/pets";
//   - literal segments match themselves exactly, case and percent-encoding
//     included; "*" inside a segment ("a*") is not a wildcard and is
//     refused.
//
// A request path matches no endpoint, not even AnyPath, if it could reach
// anything but what it names: dot segments ("." and ".."), empty segments
// other than one trailing slash, ';' (which some servers read as
// "..;"), backslashes, bytes outside printable ASCII, or percent-encoded
// '/', '\', '.' or control characters.
type Endpoint struct {
	Method string
	Path   string
}

// Whole is the endpoint of a whole service.
var Whole = Endpoint{Method: AnyMethod, Path: AnyPath}

// validate returns the endpoint's problems as field -> message key.
func (e Endpoint) validate(f map[string]string) {
	if !slices.Contains(methods, e.Method) {
		f["method"] = MsgMethod
	}
	if _, ok := patternSegments(e.Path); !ok {
		f["path"] = MsgPath
	}
}

// Matches tells whether a request with the method and the path (the part
// after the service code, as sent, percent-encoded) falls under e.
func (e Endpoint) Matches(method, path string) bool {
	if e.Method != AnyMethod && e.Method != method || method == "" {
		return false
	}
	req, ok := requestSegments(path)
	if !ok {
		return false
	}
	if e.Path == AnyPath {
		return true
	}
	pat, ok := patternSegments(e.Path)
	if !ok {
		return false
	}
	for i, p := range pat {
		if i >= len(req) {
			return false
		}
		if p == "*" {
			if req[i] == "" {
				return false
			}
			if i == len(pat)-1 {
				return true
			}
			continue
		}
		if p != req[i] {
			return false
		}
	}
	return len(pat) == len(req)
}

// patternSegments splits a path pattern into its segments; false if it is
// not one. AnyPath has no segments of its own and is handled by the caller.
func patternSegments(p string) ([]string, bool) {
	if p == AnyPath {
		return nil, true
	}
	return splitPath(p, true)
}

// requestSegments splits a request path into its segments; false if it
// must match nothing.
func requestSegments(p string) ([]string, bool) { return splitPath(p, false) }

// splitPath splits an absolute path into segments, "/" into none. A
// trailing slash leaves an empty last segment; any other empty segment,
// a dot segment or a segment with a forbidden character makes the path
// unacceptable. In a pattern, a segment may also be "*".
func splitPath(p string, pattern bool) ([]string, bool) {
	if p == "" || p[0] != '/' || len(p) > maxPath {
		return nil, false
	}
	if p == "/" {
		return nil, true
	}
	segs := strings.Split(p[1:], "/")
	for i, s := range segs {
		switch {
		case s == "":
			if i != len(segs)-1 {
				return nil, false
			}
		case pattern && s == "*":
		case strings.Trim(s, ".") == "" || !validSegment(s, pattern):
			return nil, false
		}
	}
	return segs, true
}

// validSegment tells whether s is made of RFC 3986 path characters other
// than ';' (and '*' in patterns), with percent-encodings that decode to
// nothing that could change the path's structure.
func validSegment(s string, pattern bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~!$&'()+,=:@", c) >= 0:
		case c == '*':
			if pattern {
				return false
			}
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return false
			}
			d := unhex(s[i+1])<<4 | unhex(s[i+2])
			if d < 0x20 || d == 0x7f || d == '/' || d == '\\' || d == '.' {
				return false
			}
			i += 2
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	}
	return c - 'a' + 10
}

// Grantee is who a right is granted to: a subsystem or a global group,
// exactly one of the two.
type Grantee struct {
	Subsystem xroad.ClientID
	Group     GroupID
}

// Right is an endpoint of a service granted to a subsystem or a group.
type Right struct {
	ID        string
	Service   xroad.ServiceID
	Grantee   Grantee
	Endpoint  Endpoint
	GrantedBy string
	GrantedAt time.Time
}

// GrantRight lets the grantee call the endpoint of the service; Whole
// grants the whole service.
//
// Errors: EINVALID MsgInvalid with fields "grantee", "method" and "path";
// ENOTFOUND MsgNoSuchService, MsgNoSuchSubsystem, MsgNoSuchGroup;
// ECONFLICT MsgRightExists for the same endpoint granted to the same
// grantee.
func (r *Registry) GrantRight(ctx context.Context, actor string, service xroad.ServiceID, to Grantee, e Endpoint) (*Right, error) {
	f := map[string]string{}
	if (to.Subsystem == xroad.ClientID{}) == (to.Group == GroupID{}) {
		f["grantee"] = MsgGrantee
	}
	e.validate(f)
	if err := invalid(f); err != nil {
		return nil, err
	}
	rt := &Right{ID: db.NewID(), Service: service, Grantee: to, Endpoint: e, GrantedBy: actor}
	err := r.change(ctx, rightRecord(actor, "bus.right.granted", rt), func(tx *sql.Tx, now time.Time) error {
		rt.GrantedAt = now
		s, err := findService(ctx, tx, service)
		if err != nil {
			return err
		}
		var sub, group any
		if to.Group != (GroupID{}) {
			if group, err = groupID(ctx, tx, to.Group); err != nil {
				return err
			}
		} else if sub, err = subsystemID(ctx, tx, to.Subsystem); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO bus_rights (id, service_id, subsystem_id, group_id, method, path, granted_by, granted_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, rt.ID, s.ID, sub, group, e.Method, e.Path, actor, now)
		return conflictAs(err, MsgRightExists)
	})
	if err != nil {
		return nil, fmt.Errorf("grant access right: %w", err)
	}
	return rt, nil
}

// rightRecord is the audit record of action on rt.
func rightRecord(actor, action string, rt *Right) audit.Record {
	d := map[string]any{"service": rt.Service.String(), "method": rt.Endpoint.Method, "path": rt.Endpoint.Path}
	if rt.Grantee.Group != (GroupID{}) {
		d["group"] = groupString(rt.Grantee.Group)
	} else {
		d["subsystem"] = rt.Grantee.Subsystem.String()
	}
	return audit.Record{Actor: actor, Action: action, ObjectType: "bus_right", ObjectID: rt.ID, Details: d}
}

// RevokeRight withdraws the right with the ID; the next decision on it
// is a denial.
// Errors: ENOTFOUND MsgNoSuchRight.
func (r *Registry) RevokeRight(ctx context.Context, actor, id string) (*Right, error) {
	rt, err := findRight(ctx, r.db.Reader(), id)
	if err != nil {
		return nil, fmt.Errorf("revoke access right: %w", err)
	}
	err = r.change(ctx, rightRecord(actor, "bus.right.revoked", rt), func(tx *sql.Tx, _ time.Time) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM bus_rights WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return notFound(orNoRows(err), MsgNoSuchRight)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("revoke access right: %w", err)
	}
	return rt, nil
}

// rightSelect reads rights with their service and grantee, for scanRight.
const rightSelect = `SELECT r.id, m.instance, m.member_class, m.member_code, ss.code, s.code,
	COALESCE(gm.instance, ''), COALESCE(gm.member_class, ''), COALESCE(gm.member_code, ''), COALESCE(gs.code, ''),
	COALESCE(g.instance, ''), COALESCE(g.code, ''), r.method, r.path, r.granted_by, r.granted_at
	FROM bus_rights r JOIN bus_services s ON s.id = r.service_id
	JOIN bus_subsystems ss ON ss.id = s.subsystem_id JOIN bus_members m ON m.id = ss.member_id
	LEFT JOIN bus_subsystems gs ON gs.id = r.subsystem_id LEFT JOIN bus_members gm ON gm.id = gs.member_id
	LEFT JOIN bus_groups g ON g.id = r.group_id`

func scanRight(row interface{ Scan(...any) error }) (*Right, error) {
	var rt Right
	c, to := &rt.Service.Client, &rt.Grantee
	err := row.Scan(&rt.ID, &c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem, &rt.Service.ServiceCode,
		&to.Subsystem.Instance, &to.Subsystem.MemberClass, &to.Subsystem.MemberCode, &to.Subsystem.Subsystem,
		&to.Group.Instance, &to.Group.Code, &rt.Endpoint.Method, &rt.Endpoint.Path, &rt.GrantedBy, &rt.GrantedAt)
	rt.GrantedAt = rt.GrantedAt.UTC()
	return &rt, err
}

// findRight returns the right with the ID; ENOTFOUND MsgNoSuchRight if
// there is none.
func findRight(ctx context.Context, q querier, id string) (*Right, error) {
	rt, err := scanRight(q.QueryRowContext(ctx, rightSelect+` WHERE r.id = $1`, id))
	return rt, notFound(err, MsgNoSuchRight)
}

// Rights lists the rights granted on the service, oldest first.
// Errors: ENOTFOUND MsgNoSuchService.
func (r *Registry) Rights(ctx context.Context, service xroad.ServiceID) ([]*Right, error) {
	s, err := findService(ctx, r.db.Reader(), service)
	if err != nil {
		return nil, fmt.Errorf("list access rights: %w", err)
	}
	rows, err := r.db.Reader().QueryContext(ctx, rightSelect+` WHERE r.service_id = $1 ORDER BY r.granted_at, r.id`, s.ID)
	if err != nil {
		return nil, fmt.Errorf("list access rights: %w", err)
	}
	out, err := db.Collect(rows, scanRight)
	if err != nil {
		return nil, fmt.Errorf("list access rights: %w", err)
	}
	return out, nil
}

// granted returns the endpoints of service granted to client, itself or
// through its groups. A client that is not a registered subsystem (a
// member, or an unknown one) has none.
func (r *Registry) granted(ctx context.Context, client xroad.ClientID, service xroad.ServiceID) ([]Endpoint, error) {
	q := r.db.Reader()
	s, err := findService(ctx, q, service)
	if err != nil {
		return nil, err
	}
	if client.Subsystem == "" {
		return nil, nil
	}
	sub, err := subsystemID(ctx, q, client)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT method, path FROM bus_rights WHERE service_id = $1
		AND (subsystem_id = $2 OR group_id IN (SELECT group_id FROM bus_group_members WHERE subsystem_id = $2))`, s.ID, sub)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, func(row interface{ Scan(...any) error }) (Endpoint, error) {
		var e Endpoint
		err := row.Scan(&e.Method, &e.Path)
		return e, err
	})
}

// Allowed tells whether client may call service with the method and path
// (the request path after the service code, percent-encoded as sent): true
// if an endpoint granted to the client subsystem, or to a group it is in,
// matches (see Endpoint). Members, unknown clients and paths that try to
// escape their segments are never allowed.
// Errors: ENOTFOUND MsgNoSuchService, so the gateway can tell an unknown
// service from a denied one.
func (r *Registry) Allowed(ctx context.Context, client xroad.ClientID, service xroad.ServiceID, method, path string) (bool, error) {
	eps, err := r.granted(ctx, client, service)
	if err != nil {
		return false, fmt.Errorf("check access: %w", err)
	}
	return Permits(eps, method, path), nil
}

// AllowedMethods lists the endpoints of service that client may call, for
// the allowedMethods metaservice: each granted endpoint once, by path and
// method.
// Errors: ENOTFOUND MsgNoSuchService.
func (r *Registry) AllowedMethods(ctx context.Context, client xroad.ClientID, service xroad.ServiceID) ([]Endpoint, error) {
	eps, err := r.granted(ctx, client, service)
	if err != nil {
		return nil, fmt.Errorf("list allowed methods: %w", err)
	}
	return SortEndpoints(eps), nil
}
