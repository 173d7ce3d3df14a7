package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/db"
)

// MaxPage is the most rows one call of a paged list returns; a larger or
// non-positive Limit means MaxPage.
const MaxPage = 500

// pageLimit is limit within 1..MaxPage, and offset at least 0.
func pageLimit(limit, offset int) (int, int) {
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	return limit, max(offset, 0)
}

// Counts is the size of the registry, for the operators' overview.
type Counts struct {
	Members, Subsystems, Gateways, Services, Groups, Rights int
	// PendingRequests counts the registration requests waiting for a
	// decision.
	PendingRequests int
	// Version is the registry's version (see Registry.Version).
	Version int64
}

// Counts counts what the registry holds.
func (r *Registry) Counts(ctx context.Context) (Counts, error) {
	var c Counts
	err := r.db.Reader().QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM bus_members), (SELECT COUNT(*) FROM bus_subsystems),
		(SELECT COUNT(*) FROM bus_gateways), (SELECT COUNT(*) FROM bus_services), (SELECT COUNT(*) FROM bus_groups),
		(SELECT COUNT(*) FROM bus_rights), (SELECT COUNT(*) FROM bus_requests WHERE state = $1),
		(SELECT version FROM bus_registry WHERE id = 1)`, string(RequestPending)).
		Scan(&c.Members, &c.Subsystems, &c.Gateways, &c.Services, &c.Groups, &c.Rights, &c.PendingRequests, &c.Version)
	if err != nil {
		return Counts{}, fmt.Errorf("count registry: %w", err)
	}
	return c, nil
}

// MemberFilter pages the list of members.
type MemberFilter struct {
	Limit, Offset int
}

// FindMembers lists members in identifier order, a page of them, with the
// number of members in all.
func (r *Registry) FindMembers(ctx context.Context, f MemberFilter) ([]*Member, int, error) {
	limit, offset := pageLimit(f.Limit, f.Offset)
	q := r.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bus_members`).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find members: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, instance, member_class, member_code, name, created_at FROM bus_members
		ORDER BY instance, member_class, member_code LIMIT $1 OFFSET $2`, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("find members: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (*Member, error) {
		var m Member
		err := row.Scan(&m.ID, &m.Client.Instance, &m.Client.MemberClass, &m.Client.MemberCode, &m.Name, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return &m, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find members: %w", err)
	}
	return out, total, nil
}

// Subsystems lists the subsystems of the member c names (its Subsystem is
// ignored), by code.
// Errors: ENOTFOUND MsgNoSuchMember.
func (r *Registry) Subsystems(ctx context.Context, c xroad.ClientID) ([]*Subsystem, error) {
	q := r.db.Reader()
	member, err := memberID(ctx, q, c)
	if err != nil {
		return nil, fmt.Errorf("list subsystems: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, code, created_at FROM bus_subsystems WHERE member_id = $1 ORDER BY code`, member)
	if err != nil {
		return nil, fmt.Errorf("list subsystems: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (*Subsystem, error) {
		s := Subsystem{Client: c}
		err := row.Scan(&s.ID, &s.Client.Subsystem, &s.CreatedAt)
		s.CreatedAt = s.CreatedAt.UTC()
		return &s, err
	})
	if err != nil {
		return nil, fmt.Errorf("list subsystems: %w", err)
	}
	return out, nil
}

// MemberGateways lists the gateways of the member c names (its Subsystem
// is ignored), by name.
// Errors: ENOTFOUND MsgNoSuchMember.
func (r *Registry) MemberGateways(ctx context.Context, c xroad.ClientID) ([]Gateway, error) {
	q := r.db.Reader()
	member, err := memberID(ctx, q, c)
	if err != nil {
		return nil, fmt.Errorf("list member gateways: %w", err)
	}
	c.Subsystem = ""
	rows, err := q.QueryContext(ctx, `SELECT id, name, address, auth_serial, sign_serial, created_at FROM bus_gateways
		WHERE member_id = $1 ORDER BY name`, member)
	if err != nil {
		return nil, fmt.Errorf("list member gateways: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (Gateway, error) {
		g := Gateway{GatewayInput: GatewayInput{Member: c}}
		err := row.Scan(&g.ID, &g.Name, &g.Address, &g.AuthSerial, &g.SignSerial, &g.CreatedAt)
		g.CreatedAt = g.CreatedAt.UTC()
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("list member gateways: %w", err)
	}
	return out, nil
}

// ServiceFilter selects services for FindServices; nil fields do not
// filter.
type ServiceFilter struct {
	// Member selects the services of a member's subsystems (its Subsystem
	// is ignored).
	Member *xroad.ClientID
	// Subsystem selects the services of one subsystem.
	Subsystem     *xroad.ClientID
	Limit, Offset int
}

// ServiceSummary is a service as lists show it: without its OpenAPI
// description, which may be large, but saying whether it has one.
type ServiceSummary struct {
	ID         string
	Service    xroad.ServiceID
	Title      string
	BaseURL    string
	HasOpenAPI bool
	// Rights counts the access rights granted on the service.
	Rights    int
	UpdatedAt time.Time
}

// FindServices lists the services f selects, by subsystem and code, a page
// of them, with the number selected in all.
func (r *Registry) FindServices(ctx context.Context, f ServiceFilter) ([]ServiceSummary, int, error) {
	limit, offset := pageLimit(f.Limit, f.Offset)
	var w db.Filter
	if c := f.Member; c != nil {
		w.Add("m.instance = %s", c.Instance)
		w.Add("m.member_class = %s", c.MemberClass)
		w.Add("m.member_code = %s", c.MemberCode)
	}
	if c := f.Subsystem; c != nil {
		w.Add("m.instance = %s", c.Instance)
		w.Add("m.member_class = %s", c.MemberClass)
		w.Add("m.member_code = %s", c.MemberCode)
		w.Add("ss.code = %s", c.Subsystem)
	}
	q := r.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+serviceJoin+w.Where(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("find services: %w", err)
	}
	rows, err := q.QueryContext(ctx, `SELECT s.id, m.instance, m.member_class, m.member_code, ss.code, s.code, s.title, s.base_url,
		s.openapi <> '', (SELECT COUNT(*) FROM bus_rights r WHERE r.service_id = s.id), s.updated_at`+serviceJoin+w.Where()+`
		ORDER BY m.instance, m.member_class, m.member_code, ss.code, s.code`+w.Page(limit, offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("find services: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (ServiceSummary, error) {
		var s ServiceSummary
		c := &s.Service.Client
		err := row.Scan(&s.ID, &c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem, &s.Service.ServiceCode, &s.Title, &s.BaseURL,
			&s.HasOpenAPI, &s.Rights, &s.UpdatedAt)
		s.UpdatedAt = s.UpdatedAt.UTC()
		return s, err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("find services: %w", err)
	}
	return out, total, nil
}

// GroupSummary is a global group with the number of subsystems in it.
type GroupSummary struct {
	Group
	Members int
}

// Groups lists every global group by identifier, with its size.
func (r *Registry) Groups(ctx context.Context) ([]GroupSummary, error) {
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT g.id, g.instance, g.code, g.description, g.created_at,
		(SELECT COUNT(*) FROM bus_group_members gm WHERE gm.group_id = g.id) FROM bus_groups g ORDER BY g.instance, g.code`)
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (GroupSummary, error) {
		var g GroupSummary
		err := row.Scan(&g.ID, &g.Group.Group.Instance, &g.Group.Group.Code, &g.Description, &g.CreatedAt, &g.Members)
		g.CreatedAt = g.CreatedAt.UTC()
		return g, err
	})
	if err != nil {
		return nil, fmt.Errorf("list groups: %w", err)
	}
	return out, nil
}

// FindGroup returns the global group id names.
// Errors: ENOTFOUND MsgNoSuchGroup.
func (r *Registry) FindGroup(ctx context.Context, id GroupID) (*Group, error) {
	g := &Group{Group: id}
	err := r.db.Reader().QueryRowContext(ctx, `SELECT id, description, created_at FROM bus_groups WHERE instance = $1 AND code = $2`,
		id.Instance, id.Code).Scan(&g.ID, &g.Description, &g.CreatedAt)
	if err != nil {
		return nil, fmt.Errorf("find group: %w", notFound(err, MsgNoSuchGroup))
	}
	g.CreatedAt = g.CreatedAt.UTC()
	return g, nil
}

// RequestList selects registration requests for the administrator's
// list, a page at a time.
type RequestList struct {
	// Decided lists the approved and rejected requests, the latest
	// decision first; otherwise the pending ones, oldest first, in the
	// order they are to be decided.
	Decided       bool
	Limit, Offset int
}

// ListRequests lists the requests f selects, a page of them, with the
// number selected in all.
func (r *Registry) ListRequests(ctx context.Context, f RequestList) ([]*Request, int, error) {
	limit, offset := pageLimit(f.Limit, f.Offset)
	var w db.Filter
	order := ` ORDER BY q.created_at, q.id`
	if f.Decided {
		w.Add("q.state <> %s", string(RequestPending))
		order = ` ORDER BY q.decided_at DESC, q.id DESC`
	} else {
		w.Add("q.state = %s", string(RequestPending))
	}
	q := r.db.Reader()
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM bus_requests q`+w.Where(), w.Args()...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("list registration requests: %w", err)
	}
	rows, err := q.QueryContext(ctx, requestSelect+w.Where()+order+w.Page(limit, offset), w.Args()...)
	if err != nil {
		return nil, 0, fmt.Errorf("list registration requests: %w", err)
	}
	out, err := db.Collect(rows, scanRequest)
	if err != nil {
		return nil, 0, fmt.Errorf("list registration requests: %w", err)
	}
	return out, total, nil
}
