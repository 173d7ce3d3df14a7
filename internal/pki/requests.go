package pki

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// Message keys of the requests that wait for approval and of the
// administrators' search.
const (
	MsgRequestProfile = "pki.request.profile"     // only officer certificates wait for approval
	MsgRequestAgency  = "pki.request.agency"      // no agency, or one the person does not serve in
	MsgNoSuchRequest  = "pki.request.not_found"   // no request with that ID (or not one's own)
	MsgRequestDecided = "pki.request.decided"     // the request was approved or rejected already
	MsgRequestOwn     = "pki.request.own"         // deciding on one's own request
	MsgRejectReason   = "pki.request.reason"      // a rejection without a reason, or a too long one
	MsgSearchQuery    = "pki.admin.query_invalid" // a search that is neither a PINFL nor a serial
)

// RequestState is where a request that waits for approval is.
type RequestState string

// The states of a request: it comes pending and is decided once.
const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestRejected RequestState = "rejected"
)

// maxRejectReason bounds the reason an administrator gives for a
// rejection, in characters.
const maxRejectReason = 500

// Request is a certificate request that waits for an administrator: the
// holder's key, in the PKCS#10 request, and the subject the registers gave
// when it came. Only officer certificates are requested this way; the
// others are issued at once (Issue).
type Request struct {
	ID      string
	Owner   string
	Profile Profile
	Subject Subject
	// Agency is the ID of the agency whose administrators decide; its
	// name is Subject.Organization.
	Agency string
	// CSR is the request in DER.
	CSR       []byte
	State     RequestState
	CreatedAt time.Time
	// DecidedBy and DecidedAt say who approved or rejected the request and
	// when; Reason is why it was rejected.
	DecidedBy string
	DecidedAt *time.Time
	Reason    string
	// Serial is the certificate issued on approval.
	Serial string
}

// RequestInput asks for a certificate that an administrator approves.
type RequestInput struct {
	// Profile is ProfileOfficer.
	Profile Profile
	// Subject is the officer as the identity register knows them, with
	// the agency's name as Organization.
	Subject Subject
	// Agency is the ID of the agency the officer serves in.
	Agency string
	// CSR is the PKCS#10 request, PEM or DER.
	CSR []byte
	// Owner is the officer's account, who asks.
	Owner string
}

// RequestFilter selects requests; nil fields do not filter.
type RequestFilter struct {
	Owner *string
	State *RequestState
	// Agencies, when not nil, limits the result to requests of these
	// agencies (none for an empty list).
	Agencies []string
	// Limit bounds the result (default and maximum 100), newest first.
	Limit int
}

// CertificateSearch selects certificates for an administrator: by PINFL or
// by serial. Certificates of the platform's own responder and timestamp
// authority are never listed.
type CertificateSearch struct {
	PINFL, Serial *string
	// Agencies, when not nil, limits the result to officer certificates
	// issued on requests of these agencies (none for an empty list).
	Agencies []string
	// Limit bounds the result (default and maximum 100), newest first.
	Limit int
}

// SubmitRequest stores a request that waits for an administrator's
// decision, checked as Issue would check it so that the holder learns of a
// bad request now rather than at approval.
//
// Errors: EINVALID MsgRequestProfile for a profile issued without
// approval, MsgRequestAgency without an agency, and the errors of Issue
// for the subject and the request.
func (s *Service) SubmitRequest(ctx context.Context, in RequestInput) (*Request, error) {
	if in.Profile != ProfileOfficer {
		return nil, apperr.New(apperr.EINVALID, MsgRequestProfile)
	}
	if strings.TrimSpace(in.Agency) == "" {
		return nil, apperr.Invalid(MsgRequestAgency, map[string]string{"agency": MsgRequestAgency})
	}
	if f := in.Subject.validate(in.Profile); len(f) > 0 {
		return nil, apperr.Invalid(MsgSubjectMismatch, f)
	}
	csr, err := ParseCSR(in.CSR)
	if err != nil {
		return nil, err
	}
	if err := matchRequest(csr, in.Profile, in.Subject); err != nil {
		return nil, err
	}
	r := &Request{ID: db.NewID(), Owner: in.Owner, Profile: in.Profile, Subject: in.Subject, Agency: in.Agency, CSR: csr.Raw,
		State: RequestPending, CreatedAt: s.clock.Now().UTC()}
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := insertRequest(ctx, tx, r); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: r.Owner, Action: "pki.request.submitted", ObjectType: "certificate_request",
			ObjectID: r.ID, Details: map[string]any{"profile": string(r.Profile), "agency": r.Agency}})
	})
	if err != nil {
		return nil, fmt.Errorf("submit certificate request: %w", err)
	}
	return r, nil
}

// FindRequest returns the request with the ID.
// Errors: ENOTFOUND MsgNoSuchRequest.
func (s *Service) FindRequest(ctx context.Context, id string) (*Request, error) {
	r, err := findRequest(ctx, s.db.Reader(), id)
	if err != nil {
		return nil, fmt.Errorf("find certificate request: %w", err)
	}
	return r, nil
}

// FindRequests lists the requests f selects, newest first.
func (s *Service) FindRequests(ctx context.Context, f RequestFilter) ([]*Request, error) {
	out, err := findRequests(ctx, s.db.Reader(), f)
	if err != nil {
		return nil, fmt.Errorf("find certificate requests: %w", err)
	}
	return out, nil
}

// ApproveRequest issues the certificate a pending request asks for, with
// the subject it was stored with, and records actor's decision. Should
// another administrator decide the same request meanwhile, the certificate
// just issued is revoked again and ECONFLICT returned, so that a request
// never yields two certificates.
//
// Errors: ENOTFOUND MsgNoSuchRequest; ECONFLICT MsgRequestDecided;
// EFORBIDDEN MsgRequestOwn when actor made the request; the errors of
// Issue.
func (s *Service) ApproveRequest(ctx context.Context, actor, id string) (*Request, *Certificate, error) {
	r, err := s.pendingRequest(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Issue(ctx, IssueRequest{Profile: r.Profile, Subject: r.Subject, CSR: r.CSR, Owner: r.Owner, Actor: actor})
	if err != nil {
		return nil, nil, fmt.Errorf("approve certificate request: %w", err)
	}
	r.State, r.DecidedBy, r.Serial = RequestApproved, actor, c.Serial
	err = s.decide(ctx, r, "pki.request.approved", map[string]any{"serial": c.Serial})
	if apperr.Is(err, apperr.ECONFLICT) {
		if _, rerr := s.Revoke(ctx, actor, c.Serial, ReasonCessationOfOperation); rerr != nil {
			s.log.Error("revoke the certificate of a request decided twice", "request", id, "serial", c.Serial, "err", rerr)
		}
	}
	if err != nil {
		return nil, nil, fmt.Errorf("approve certificate request: %w", err)
	}
	return r, c, nil
}

// RejectRequest refuses a pending request for the reason actor gives,
// which the holder sees.
//
// Errors: EINVALID MsgRejectReason (field "reason") for no reason or one
// over 500 characters; ENOTFOUND MsgNoSuchRequest; ECONFLICT
// MsgRequestDecided; EFORBIDDEN MsgRequestOwn when actor made the request.
func (s *Service) RejectRequest(ctx context.Context, actor, id, reason string) (*Request, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > maxRejectReason {
		return nil, apperr.Invalid(MsgRejectReason, map[string]string{"reason": MsgRejectReason})
	}
	r, err := s.pendingRequest(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	r.State, r.DecidedBy, r.Reason = RequestRejected, actor, reason
	if err := s.decide(ctx, r, "pki.request.rejected", map[string]any{"reason": reason}); err != nil {
		return nil, fmt.Errorf("reject certificate request: %w", err)
	}
	return r, nil
}

// pendingRequest returns the request with the ID for actor to decide on.
func (s *Service) pendingRequest(ctx context.Context, actor, id string) (*Request, error) {
	r, err := s.FindRequest(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case r.State != RequestPending:
		return nil, apperr.New(apperr.ECONFLICT, MsgRequestDecided)
	case r.Owner == actor:
		return nil, apperr.New(apperr.EFORBIDDEN, MsgRequestOwn)
	}
	return r, nil
}

// decide stores the decision r carries, if r is still pending, with an
// audit record of action; ECONFLICT MsgRequestDecided if it is not.
func (s *Service) decide(ctx context.Context, r *Request, action string, details map[string]any) error {
	now := s.clock.Now().UTC()
	r.DecidedAt = &now
	details["agency"], details["owner"] = r.Agency, r.Owner
	return s.db.Tx(ctx, func(tx *sql.Tx) error {
		if err := decideRequest(ctx, tx, r); err != nil {
			return err
		}
		return s.audit.Record(ctx, tx, audit.Record{Actor: r.DecidedBy, Action: action, ObjectType: "certificate_request",
			ObjectID: r.ID, Details: details})
	})
}

// SearchCertificates lists the certificates f selects, newest first.
// Errors: EINVALID MsgSearchQuery without a PINFL or serial, MsgSerial for
// a serial that is not hex.
func (s *Service) SearchCertificates(ctx context.Context, f CertificateSearch) ([]*Certificate, error) {
	if f.PINFL == nil && f.Serial == nil {
		return nil, apperr.New(apperr.EINVALID, MsgSearchQuery)
	}
	if f.Serial != nil {
		n, err := ParseSerial(*f.Serial)
		if err != nil {
			return nil, err
		}
		serial := serialHex(n)
		f.Serial = &serial
	}
	out, err := searchCertificates(ctx, s.db.Reader(), f)
	if err != nil {
		return nil, fmt.Errorf("search certificates: %w", err)
	}
	return out, nil
}

func insertRequest(ctx context.Context, tx *sql.Tx, r *Request) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO pki_requests (id, owner, profile, pinfl, given_name, surname, organization, agency,
		csr, state, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		r.ID, r.Owner, string(r.Profile), r.Subject.PINFL, r.Subject.GivenName, r.Subject.Surname, r.Subject.Organization, r.Agency,
		r.CSR, string(r.State), r.CreatedAt)
	return err
}

// decideRequest writes the decision r carries if the request is still
// pending; ECONFLICT MsgRequestDecided if it is not.
func decideRequest(ctx context.Context, tx *sql.Tx, r *Request) error {
	var serial any
	if r.Serial != "" {
		serial = r.Serial
	}
	res, err := tx.ExecContext(ctx, `UPDATE pki_requests SET state = $1, decided_by = $2, decided_at = $3, reason = $4, serial = $5
		WHERE id = $6 AND state = $7`, string(r.State), r.DecidedBy, *r.DecidedAt, r.Reason, serial, r.ID, string(RequestPending))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	return apperr.New(apperr.ECONFLICT, MsgRequestDecided)
}

const requestColumns = `id, owner, profile, pinfl, given_name, surname, organization, agency, csr, state, created_at,
	decided_by, decided_at, reason, COALESCE(serial, '')`

func scanRequest(row interface{ Scan(...any) error }) (*Request, error) {
	var r Request
	var profile, state string
	var decidedAt sql.NullTime
	if err := row.Scan(&r.ID, &r.Owner, &profile, &r.Subject.PINFL, &r.Subject.GivenName, &r.Subject.Surname, &r.Subject.Organization,
		&r.Agency, &r.CSR, &state, &r.CreatedAt, &r.DecidedBy, &decidedAt, &r.Reason, &r.Serial); err != nil {
		return nil, err
	}
	r.Profile, r.State, r.CreatedAt = Profile(profile), RequestState(state), r.CreatedAt.UTC()
	if decidedAt.Valid {
		t := decidedAt.Time.UTC()
		r.DecidedAt = &t
	}
	return &r, nil
}

// findRequest returns the request with the ID; ENOTFOUND MsgNoSuchRequest
// if there is none.
func findRequest(ctx context.Context, q querier, id string) (*Request, error) {
	r, err := scanRequest(q.QueryRowContext(ctx, `SELECT `+requestColumns+` FROM pki_requests WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoSuchRequest)
	}
	return r, err
}

// findRequests lists the requests matching f, newest first.
func findRequests(ctx context.Context, q querier, f RequestFilter) ([]*Request, error) {
	if f.Agencies != nil && len(f.Agencies) == 0 {
		return nil, nil
	}
	var w db.Filter
	w.AddIf("owner = %s", f.Owner)
	if f.State != nil {
		w.Add("state = %s", string(*f.State))
	}
	if f.Agencies != nil {
		w.Cond("agency IN (" + placeholders(&w, f.Agencies) + ")")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+requestColumns+` FROM pki_requests`+w.Where()+
		` ORDER BY created_at DESC, id LIMIT `+w.Arg(limit(f.Limit)), w.Args()...)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanRequest)
}

// searchCertificates lists the certificates matching f, newest first.
func searchCertificates(ctx context.Context, q querier, f CertificateSearch) ([]*Certificate, error) {
	if f.Agencies != nil && len(f.Agencies) == 0 {
		return nil, nil
	}
	var w db.Filter
	w.Cond(fmt.Sprintf("profile NOT IN ('%s', '%s')", ProfileOCSP, ProfileTSA))
	w.AddIf("pinfl = %s", f.PINFL)
	w.AddIf("serial = %s", f.Serial)
	if f.Agencies != nil {
		w.Add("profile = %s", string(ProfileOfficer))
		w.Cond("serial IN (SELECT serial FROM pki_requests WHERE agency IN (" + placeholders(&w, f.Agencies) + "))")
	}
	rows, err := q.QueryContext(ctx, `SELECT `+certificateColumns+` FROM pki_certificates`+w.Where()+
		` ORDER BY issued_at DESC, serial LIMIT `+w.Arg(limit(f.Limit)), w.Args()...)
	if err != nil {
		return nil, err
	}
	return db.Collect(rows, scanCertificate)
}

// placeholders adds values to w and returns their placeholders, comma
// separated, for an IN list.
func placeholders(w *db.Filter, values []string) string {
	ph := make([]string, len(values))
	for i, v := range values {
		ph[i] = w.Arg(v)
	}
	return strings.Join(ph, ", ")
}

// limit is a list's size: n within 1..100, 100 otherwise.
func limit(n int) int {
	if n <= 0 || n > 100 {
		return 100
	}
	return n
}
