package bus

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/db"
)

// Snapshot is everything gateways need of the registry at one version:
// what the signed global configuration is built from. Each list comes in
// the order the registry's own list methods use, so that answers built
// from a snapshot come in the same order as the registry's.
type Snapshot struct {
	// Version is the registry's version the contents are at (see
	// Registry.Version).
	Version int64
	// Members by identifier.
	Members []Member
	// Subsystems by identifier.
	Subsystems []Subsystem
	// Gateways by member and name, as Registry.Gateways lists them.
	Gateways []Gateway
	// Services by identifier.
	Services []*Service
	// Groups by identifier.
	Groups []Group
	// GroupMembers are the subsystems in each group, by group and then
	// subsystem identifier.
	GroupMembers []GroupMembership
	// Rights by service, oldest first within one, as Registry.Rights
	// lists them.
	Rights []*Right
}

// GroupMembership is a subsystem's being in a global group.
type GroupMembership struct {
	Group     GroupID
	Subsystem xroad.ClientID
}

// Snapshot reads the registry's whole content with its version in one
// read transaction, so that the version names exactly the state read even
// while changes commit meanwhile.
func (r *Registry) Snapshot(ctx context.Context) (*Snapshot, error) {
	// Repeatable read gives one snapshot on PostgreSQL; on SQLite any read
	// transaction does.
	tx, err := r.db.Reader().BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("registry snapshot: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	s := &Snapshot{}
	if err := tx.QueryRowContext(ctx, `SELECT version FROM bus_registry WHERE id = 1`).Scan(&s.Version); err != nil {
		return nil, fmt.Errorf("registry snapshot: %w", err)
	}
	steps := []func(context.Context, *sql.Tx, *Snapshot) error{snapMembers, snapSubsystems, snapGateways, snapServices,
		snapGroups, snapGroupMembers, snapRights}
	for _, step := range steps {
		if err := step(ctx, tx, s); err != nil {
			return nil, fmt.Errorf("registry snapshot: %w", err)
		}
	}
	return s, nil
}

// snapRow is a row the snapshot scans.
type snapRow = interface{ Scan(...any) error }

func snapMembers(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, instance, member_class, member_code, name, created_at FROM bus_members
		ORDER BY instance, member_class, member_code`)
	if err != nil {
		return err
	}
	s.Members, err = db.Collect(rows, func(row snapRow) (Member, error) {
		var m Member
		c := &m.Client
		err := row.Scan(&m.ID, &c.Instance, &c.MemberClass, &c.MemberCode, &m.Name, &m.CreatedAt)
		m.CreatedAt = m.CreatedAt.UTC()
		return m, err
	})
	return err
}

func snapSubsystems(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.id, m.instance, m.member_class, m.member_code, s.code, s.created_at
		FROM bus_subsystems s JOIN bus_members m ON m.id = s.member_id
		ORDER BY m.instance, m.member_class, m.member_code, s.code`)
	if err != nil {
		return err
	}
	s.Subsystems, err = db.Collect(rows, func(row snapRow) (Subsystem, error) {
		var sub Subsystem
		c := &sub.Client
		err := row.Scan(&sub.ID, &c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem, &sub.CreatedAt)
		sub.CreatedAt = sub.CreatedAt.UTC()
		return sub, err
	})
	return err
}

func snapGateways(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	var err error
	s.Gateways, err = queryGateways(ctx, tx)
	return err
}

func snapServices(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+serviceColumns+serviceJoin+`
		ORDER BY m.instance, m.member_class, m.member_code, ss.code, s.code`)
	if err != nil {
		return err
	}
	s.Services, err = db.Collect(rows, scanService)
	return err
}

func snapGroups(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, instance, code, description, created_at FROM bus_groups ORDER BY instance, code`)
	if err != nil {
		return err
	}
	s.Groups, err = db.Collect(rows, func(row snapRow) (Group, error) {
		var g Group
		err := row.Scan(&g.ID, &g.Group.Instance, &g.Group.Code, &g.Description, &g.CreatedAt)
		g.CreatedAt = g.CreatedAt.UTC()
		return g, err
	})
	return err
}

func snapGroupMembers(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, `SELECT g.instance, g.code, m.instance, m.member_class, m.member_code, s.code
		FROM bus_group_members gm JOIN bus_groups g ON g.id = gm.group_id
		JOIN bus_subsystems s ON s.id = gm.subsystem_id JOIN bus_members m ON m.id = s.member_id
		ORDER BY g.instance, g.code, m.instance, m.member_class, m.member_code, s.code`)
	if err != nil {
		return err
	}
	s.GroupMembers, err = db.Collect(rows, func(row snapRow) (GroupMembership, error) {
		var gm GroupMembership
		c := &gm.Subsystem
		err := row.Scan(&gm.Group.Instance, &gm.Group.Code, &c.Instance, &c.MemberClass, &c.MemberCode, &c.Subsystem)
		return gm, err
	})
	return err
}

func snapRights(ctx context.Context, tx *sql.Tx, s *Snapshot) error {
	rows, err := tx.QueryContext(ctx, rightSelect+`
		ORDER BY m.instance, m.member_class, m.member_code, ss.code, s.code, r.granted_at, r.id`)
	if err != nil {
		return err
	}
	s.Rights, err = db.Collect(rows, scanRight)
	return err
}
