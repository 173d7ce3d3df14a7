package bus

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// RequestKind is what a registration request asks to add.
type RequestKind string

// The kinds of registration requests.
const (
	RequestSubsystem RequestKind = "subsystem"
	RequestGateway   RequestKind = "gateway"
)

// RequestState is where a registration request is.
type RequestState string

// The states of a request: it comes pending and is decided once.
const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestRejected RequestState = "rejected"
)

// RequestInput is a member's request to add a subsystem or a gateway.
type RequestInput struct {
	Kind RequestKind
	// Subsystem is the subsystem to add, for RequestSubsystem.
	Subsystem xroad.ClientID
	// Gateway is the gateway to add, for RequestGateway.
	Gateway GatewayInput
}

// Request is a registration request and its decision.
type Request struct {
	ID string
	RequestInput
	State       RequestState
	RequestedBy string
	CreatedAt   time.Time
	// DecidedBy and DecidedAt say who approved or rejected the request and
	// when; Reason is why it was rejected.
	DecidedBy string
	DecidedAt *time.Time
	Reason    string
	// ResultID is the ID of the subsystem or gateway added on approval.
	ResultID string
}

// RequestFilter selects requests; nil fields do not filter.
type RequestFilter struct {
	State  *RequestState
	Member *xroad.ClientID
	// Limit bounds the result (default and maximum 100), newest first.
	Limit int
}

// member is the member a request is about.
func (in RequestInput) member() xroad.ClientID {
	if in.Kind == RequestGateway {
		return in.Gateway.Member
	}
	m := in.Subsystem
	m.Subsystem = ""
	return m
}

// code is the subsystem code or the gateway name a request is about.
func (in RequestInput) code() string {
	if in.Kind == RequestGateway {
		return in.Gateway.Name
	}
	return in.Subsystem.Subsystem
}

// normalize validates a request as what it asks to add would be validated.
func (in RequestInput) normalize() (RequestInput, map[string]string) {
	f := map[string]string{}
	switch in.Kind {
	case RequestSubsystem:
		validateClient(f, in.Subsystem, true)
		in.Gateway = GatewayInput{}
	case RequestGateway:
		in.Gateway, f = in.Gateway.normalize()
		in.Subsystem = xroad.ClientID{}
	default:
		f["kind"] = MsgKind
	}
	return in, f
}

// SubmitRequest stores actor's request to add a subsystem or a gateway of
// a member, checked now as approval would check it so that the member
// learns of a bad request at once. Nothing is added before approval.
//
// Errors: EINVALID MsgInvalid with field "kind" and the fields of
// CreateSubsystem or CreateGateway; ENOTFOUND MsgNoSuchMember; ECONFLICT
// MsgSubsystemExists for a subsystem there is already, MsgRequestPending
// when the same subsystem or gateway name waits for a decision.
func (r *Registry) SubmitRequest(ctx context.Context, actor string, in RequestInput) (*Request, error) {
	in, f := in.normalize()
	if err := invalid(f); err != nil {
		return nil, err
	}
	q := &Request{ID: db.NewID(), RequestInput: in, State: RequestPending, RequestedBy: actor, CreatedAt: r.now()}
	err := r.db.Tx(ctx, func(tx *sql.Tx) error {
		member, err := memberID(ctx, tx, in.member())
		if err != nil {
			return err
		}
		if in.Kind == RequestSubsystem {
			if _, err := subsystemID(ctx, tx, in.Subsystem); err == nil {
				return apperr.New(apperr.ECONFLICT, MsgSubsystemExists)
			} else if !apperr.Is(err, apperr.ENOTFOUND) {
				return err
			}
		}
		g := in.Gateway
		if _, err := tx.ExecContext(ctx, `INSERT INTO bus_requests (id, kind, member_id, code, address, auth_serial, sign_serial,
			state, requested_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, q.ID, string(in.Kind), member,
			in.code(), g.Address, g.AuthSerial, g.SignSerial, string(q.State), actor, q.CreatedAt); err != nil {
			return conflictAs(err, MsgRequestPending)
		}
		return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "bus.request.submitted", ObjectType: "bus_request",
			ObjectID: q.ID, Details: map[string]any{"kind": string(in.Kind), "member": in.member().String(), "code": in.code()}})
	})
	if err != nil {
		return nil, fmt.Errorf("submit registration request: %w", err)
	}
	return q, nil
}

// requestSelect reads requests with their member, for scanRequest.
const requestSelect = `SELECT q.id, q.kind, m.instance, m.member_class, m.member_code, q.code, q.address, q.auth_serial,
	q.sign_serial, q.state, q.requested_by, q.created_at, q.decided_by, q.decided_at, q.reason, q.result_id
	FROM bus_requests q JOIN bus_members m ON m.id = q.member_id`

func scanRequest(row interface{ Scan(...any) error }) (*Request, error) {
	var q Request
	var kind, state, code string
	var member xroad.ClientID
	var decidedAt sql.NullTime
	if err := row.Scan(&q.ID, &kind, &member.Instance, &member.MemberClass, &member.MemberCode, &code, &q.Gateway.Address,
		&q.Gateway.AuthSerial, &q.Gateway.SignSerial, &state, &q.RequestedBy, &q.CreatedAt, &q.DecidedBy, &decidedAt, &q.Reason,
		&q.ResultID); err != nil {
		return nil, err
	}
	q.Kind, q.State, q.CreatedAt = RequestKind(kind), RequestState(state), q.CreatedAt.UTC()
	if q.Kind == RequestGateway {
		q.Gateway.Member, q.Gateway.Name = member, code
	} else {
		q.Subsystem = member
		q.Subsystem.Subsystem = code
	}
	if decidedAt.Valid {
		t := decidedAt.Time.UTC()
		q.DecidedAt = &t
	}
	return &q, nil
}

// FindRequest returns the request with the ID.
// Errors: ENOTFOUND MsgNoSuchRequest.
func (r *Registry) FindRequest(ctx context.Context, id string) (*Request, error) {
	q, err := scanRequest(r.db.Reader().QueryRowContext(ctx, requestSelect+` WHERE q.id = $1`, id))
	if err != nil {
		return nil, fmt.Errorf("find registration request: %w", notFound(err, MsgNoSuchRequest))
	}
	return q, nil
}

// FindRequests lists the requests f selects, newest first.
func (r *Registry) FindRequests(ctx context.Context, f RequestFilter) ([]*Request, error) {
	var w db.Filter
	if f.State != nil {
		w.Add("q.state = %s", string(*f.State))
	}
	if f.Member != nil {
		w.Add("m.instance = %s", f.Member.Instance)
		w.Add("m.member_class = %s", f.Member.MemberClass)
		w.Add("m.member_code = %s", f.Member.MemberCode)
	}
	if f.Limit <= 0 || f.Limit > 100 {
		f.Limit = 100
	}
	rows, err := r.db.Reader().QueryContext(ctx, requestSelect+w.Where()+` ORDER BY q.created_at DESC, q.id DESC LIMIT `+w.Arg(f.Limit),
		w.Args()...)
	if err != nil {
		return nil, fmt.Errorf("find registration requests: %w", err)
	}
	out, err := db.Collect(rows, scanRequest)
	if err != nil {
		return nil, fmt.Errorf("find registration requests: %w", err)
	}
	return out, nil
}

// ApproveRequest adds what a pending request asks for and records actor's
// decision, in one transaction: if the subsystem or gateway cannot be
// added, the request stays pending.
//
// Errors: ENOTFOUND MsgNoSuchRequest; ECONFLICT MsgRequestDecided, or the
// conflicts of CreateSubsystem and CreateGateway; EFORBIDDEN MsgRequestOwn
// when actor made the request.
func (r *Registry) ApproveRequest(ctx context.Context, actor, id string) (*Request, error) {
	q, err := r.pendingRequest(ctx, actor, id)
	if err != nil {
		return nil, fmt.Errorf("approve registration request: %w", err)
	}
	q.State, q.DecidedBy, q.ResultID = RequestApproved, actor, db.NewID()
	var rec audit.Record
	var insert func(tx *sql.Tx, now time.Time) error
	if q.Kind == RequestGateway {
		g := &Gateway{ID: q.ResultID, GatewayInput: q.Gateway}
		rec = gatewayRecord(actor, g, q.ID)
		insert = func(tx *sql.Tx, now time.Time) error { g.CreatedAt = now; return insertGateway(ctx, tx, g) }
	} else {
		s := &Subsystem{ID: q.ResultID, Client: q.Subsystem}
		rec = subsystemRecord(actor, s, q.ID)
		insert = func(tx *sql.Tx, now time.Time) error { s.CreatedAt = now; return insertSubsystem(ctx, tx, s) }
	}
	err = r.change(ctx, rec, func(tx *sql.Tx, now time.Time) error {
		q.DecidedAt = &now
		if err := decideRequest(ctx, tx, q); err != nil {
			return err
		}
		if err := insert(tx, now); err != nil {
			return err
		}
		return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "bus.request.approved", ObjectType: "bus_request",
			ObjectID: q.ID, Details: map[string]any{"kind": string(q.Kind), "result": q.ResultID}})
	})
	if err != nil {
		return nil, fmt.Errorf("approve registration request: %w", err)
	}
	return q, nil
}

// RejectRequest refuses a pending request for the reason actor gives,
// which the member sees.
//
// Errors: EINVALID MsgInvalid with field "reason" for no reason or one
// over 500 characters; ENOTFOUND MsgNoSuchRequest; ECONFLICT
// MsgRequestDecided; EFORBIDDEN MsgRequestOwn when actor made the request.
func (r *Registry) RejectRequest(ctx context.Context, actor, id, reason string) (*Request, error) {
	reason, ok := cleanText(reason, maxDescription, true)
	if !ok {
		return nil, apperr.Invalid(MsgInvalid, map[string]string{"reason": MsgReason})
	}
	q, err := r.pendingRequest(ctx, actor, id)
	if err != nil {
		return nil, fmt.Errorf("reject registration request: %w", err)
	}
	now := r.now()
	q.State, q.DecidedBy, q.DecidedAt, q.Reason = RequestRejected, actor, &now, reason
	err = r.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := decideRequest(ctx, tx, q); err != nil {
			return err
		}
		return r.audit.Record(ctx, tx, audit.Record{Actor: actor, Action: "bus.request.rejected", ObjectType: "bus_request",
			ObjectID: q.ID, Details: map[string]any{"kind": string(q.Kind), "reason": reason}})
	})
	if err != nil {
		return nil, fmt.Errorf("reject registration request: %w", err)
	}
	return q, nil
}

// pendingRequest returns the request with the ID for actor to decide on.
func (r *Registry) pendingRequest(ctx context.Context, actor, id string) (*Request, error) {
	q, err := r.FindRequest(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case q.State != RequestPending:
		return nil, apperr.New(apperr.ECONFLICT, MsgRequestDecided)
	case q.RequestedBy == actor:
		return nil, apperr.New(apperr.EFORBIDDEN, MsgRequestOwn)
	}
	return q, nil
}

// decideRequest writes the decision q carries if the request is still
// pending; ECONFLICT MsgRequestDecided if another decision came first.
func decideRequest(ctx context.Context, tx *sql.Tx, q *Request) error {
	res, err := tx.ExecContext(ctx, `UPDATE bus_requests SET state = $1, decided_by = $2, decided_at = $3, reason = $4, result_id = $5
		WHERE id = $6 AND state = $7`, string(q.State), q.DecidedBy, *q.DecidedAt, q.Reason, q.ResultID, q.ID, string(RequestPending))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return apperr.New(apperr.ECONFLICT, MsgRequestDecided)
}
