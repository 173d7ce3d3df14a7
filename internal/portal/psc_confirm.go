package portal

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
)

// Message keys of identification by e-signature.
const (
	MsgPSCNoRequest = "portal.psc.no_request_err" // no such request for this person, or it expired
	MsgPSCSignature = "portal.psc.signature"      // the signature is not by this person's valid certificate
	pscRequestTTL   = 5 * time.Minute
)

// PSCRequest is an operator's request that a citizen confirm, with their
// e-signature on their own device, that the operator may serve them.
type PSCRequest struct {
	ID           string
	OperatorName string
	// Challenge is the text the citizen's key signs.
	Challenge string
	ExpiresAt time.Time
}

// AskToConfirm asks the citizen with the PINFL to confirm with their
// e-signature that the operator may serve them, and tells them where; the
// operator's desk serves them once they have.
//
// Errors: EINVALID MsgPSCNoCitizen when nobody has the PINFL.
func (p *PSC) AskToConfirm(ctx context.Context, op Operator, pinfl string) (Citizen, error) {
	c, err := p.citizens.ByPINFL(ctx, strings.TrimSpace(pinfl))
	if apperr.Is(err, apperr.ENOTFOUND) {
		return Citizen{}, apperr.Invalid(MsgPSCNoCitizen, map[string]string{"pinfl": MsgPSCNoCitizen})
	}
	if err != nil {
		return Citizen{}, err
	}
	nonce := make([]byte, 24)
	if _, err := rand.Read(nonce); err != nil {
		return Citizen{}, err
	}
	now := p.apps.m.clock.Now().UTC().Truncate(time.Microsecond)
	challenge := fmt.Sprintf("egov psc %s %s %s", c.PINFL, now.Format(time.RFC3339), base64.RawURLEncoding.EncodeToString(nonce))
	err = p.apps.m.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_psc_requests (id, operator_id, operator_name, operator_session,
			citizen_id, citizen_pinfl, citizen_name, challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			db.NewID(), op.ID, op.Name, op.Session, c.UserID, c.PINFL, c.Name, challenge, now.Add(pscRequestTTL)); err != nil {
			return err
		}
		if err := p.citizens.AskToConfirm(ctx, tx, c, op.Name); err != nil {
			return err
		}
		return p.apps.m.audit.Record(ctx, tx, audit.Record{Actor: op.ID, Action: "portal.psc.confirmation_asked", ObjectType: "user",
			ObjectID: c.UserID})
	})
	return c, err
}

// waiting is the citizen the operator last asked to confirm, while the
// request is open; nil otherwise.
func (p *PSC) waiting(ctx context.Context, op Operator) (*Citizen, error) {
	var c Citizen
	err := p.apps.m.db.Reader().QueryRowContext(ctx, `SELECT citizen_name, citizen_pinfl FROM portal_psc_requests
		WHERE operator_id = $1 AND operator_session = $2 AND confirmed_at IS NULL AND expires_at > $3
		ORDER BY expires_at DESC LIMIT 1`, op.ID, op.Session, p.apps.m.clock.Now().UTC()).Scan(&c.Name, &c.PINFL)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("psc request: %w", err)
	}
	return &c, nil
}

// Request is the citizen's latest open request from an operator; nil when
// there is none.
func (p *PSC) Request(ctx context.Context, citizen string) (*PSCRequest, error) {
	var r PSCRequest
	err := p.apps.m.db.Reader().QueryRowContext(ctx, `SELECT id, operator_name, challenge, expires_at FROM portal_psc_requests
		WHERE citizen_id = $1 AND confirmed_at IS NULL AND expires_at > $2 ORDER BY expires_at DESC LIMIT 1`, citizen,
		p.apps.m.clock.Now().UTC()).Scan(&r.ID, &r.OperatorName, &r.Challenge, &r.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("psc request: %w", err)
	}
	return &r, nil
}

// Confirm takes the citizen's e-signature of an operator's request: the
// signature must be over the request's challenge by a valid certificate
// naming the citizen's PINFL. The operator's session then serves the
// citizen. A request is confirmed once.
//
// Errors: ENOTFOUND MsgPSCNoRequest; EINVALID MsgPSCSignature.
func (p *PSC) Confirm(ctx context.Context, who Applicant, id string, certificate, signature []byte) error {
	now := p.apps.m.clock.Now().UTC().Truncate(time.Microsecond)
	var (
		op        Operator
		c         Citizen
		challenge string
	)
	err := p.apps.m.db.Reader().QueryRowContext(ctx, `SELECT operator_id, operator_session, citizen_id, citizen_pinfl, citizen_name,
		challenge FROM portal_psc_requests WHERE id = $1 AND citizen_id = $2 AND confirmed_at IS NULL AND expires_at > $3`, id,
		who.UserID, now).Scan(&op.ID, &op.Session, &c.UserID, &c.PINFL, &c.Name, &challenge)
	if errors.Is(err, sql.ErrNoRows) {
		return apperr.New(apperr.ENOTFOUND, MsgPSCNoRequest)
	}
	if err != nil {
		return fmt.Errorf("psc confirm: %w", err)
	}
	pinfl, err := p.citizens.SignedBy(ctx, certificate, []byte(challenge), signature)
	if apperr.Is(err, apperr.EUNAUTHORIZED) || (err == nil && pinfl != c.PINFL) {
		return apperr.Invalid(MsgPSCSignature, map[string]string{"signature": MsgPSCSignature})
	}
	if err != nil {
		return err
	}
	return p.apps.m.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_psc_requests SET confirmed_at = $1 WHERE id = $2 AND confirmed_at IS NULL`,
			now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return apperr.New(apperr.ENOTFOUND, MsgPSCNoRequest)
		}
		_, err = p.serve(ctx, tx, op.ID, op.Session, c, now)
		return err
	})
}

// confirmView is the citizen's page of an operator's request.
type confirmView struct {
	Request *PSCRequest
	Done    bool
	Errors  map[string]string
}

// askToConfirm asks the citizen to confirm with their e-signature and
// shows the desk waiting for it.
func (p pscPages) askToConfirm(w http.ResponseWriter, r *http.Request, op Operator, pinfl string) error {
	c, err := p.psc.AskToConfirm(r.Context(), op, pinfl)
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return p.desk.Render(w, r, http.StatusUnprocessableEntity, deskView{PINFL: pinfl, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	return p.desk.Render(w, r, http.StatusOK, deskView{Waiting: &c})
}

// showConfirm shows the signed-in citizen the operator's open request, to
// sign in their browser.
func (p pscPages) showConfirm(w http.ResponseWriter, r *http.Request) error {
	return p.renderConfirm(w, r, http.StatusOK, nil)
}

func (p pscPages) renderConfirm(w http.ResponseWriter, r *http.Request, status int, errs map[string]string) error {
	who, _ := p.who.Applicant(r.Context())
	req, err := p.psc.Request(r.Context(), who.UserID)
	if err != nil {
		return err
	}
	return p.confirm.Render(w, r, status, confirmView{Request: req, Done: r.URL.Query().Get("done") == "1", Errors: errs})
}

// confirmRequest takes the citizen's signature of a request.
func (p pscPages) confirmRequest(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	cert, err1 := base64.StdEncoding.DecodeString(r.PostFormValue("certificate"))
	sig, err2 := base64.StdEncoding.DecodeString(r.PostFormValue("signature"))
	err := errors.Join(err1, err2)
	if err == nil {
		err = p.psc.Confirm(r.Context(), who, r.PathValue("id"), cert, sig)
	} else {
		err = apperr.Invalid(MsgPSCSignature, map[string]string{"signature": MsgPSCSignature})
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return p.renderConfirm(w, r, http.StatusUnprocessableEntity, e.Fields)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/psc/confirm?done=1", http.StatusSeeOther)
	return nil
}
