package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
)

// Message keys of the public service centre's pages.
const (
	MsgPSCNoCitizen = "portal.psc.no_citizen" // no account with that PINFL
	MsgPSCWrongCode = "portal.psc.wrong_code" // a wrong, used up or expired code
	pscCodeTTL      = 5 * time.Minute
	pscMaxAttempts  = 5
	pscServiceTime  = 30 * time.Minute // how long an operator serves one identified citizen
)

// Citizens find the people a centre's operators serve and text them their
// one-time codes; internal/app provides it from identity and notify.
type Citizens interface {
	// ByPINFL returns the person with the PINFL; ENOTFOUND if none.
	ByPINFL(ctx context.Context, pinfl string) (Citizen, error)
	// SendCode texts the person the code in their language, in tx.
	SendCode(ctx context.Context, tx *sql.Tx, c Citizen, code string) error
	// AskToConfirm tells the person, in tx, that the operator asks to
	// serve them and where they confirm it.
	AskToConfirm(ctx context.Context, tx *sql.Tx, c Citizen, operator string) error
	// SignedBy checks that signature is the key's of a valid personal
	// certificate over challenge and returns the PINFL it names;
	// EUNAUTHORIZED otherwise.
	SignedBy(ctx context.Context, certificate, challenge, signature []byte) (string, error)
}

// Citizen is a person an operator serves.
type Citizen struct {
	UserID, PINFL, Name, Phone string
}

// PSCSession is an operator serving an identified citizen.
type PSCSession struct {
	ID         string
	OperatorID string
	Citizen    Citizen
	StartedAt  time.Time
	ExpiresAt  time.Time
}

// PSC is the public service centre channel: operators identify citizens
// by PINFL and a one-time code sent to the citizen's phone, then apply for
// them; the applications record the channel and the operator.
type PSC struct {
	apps     *Applications
	citizens Citizens
}

// UsePSC turns on the public service centre channel.
func (a *Applications) UsePSC(c Citizens) *PSC { return &PSC{apps: a, citizens: c} }

func codeHash(citizen, code string) string {
	sum := sha256.Sum256([]byte(citizen + ":" + code))
	return hex.EncodeToString(sum[:])
}

// SendCode texts a one-time code to the citizen with the PINFL, for the
// operator to ask for; a new code replaces the operator's previous one.
// The audit log records who asked about whom.
//
// Errors: EINVALID MsgPSCNoCitizen when nobody has the PINFL.
func (p *PSC) SendCode(ctx context.Context, operator, pinfl string) (Citizen, error) {
	c, err := p.citizens.ByPINFL(ctx, strings.TrimSpace(pinfl))
	if apperr.Is(err, apperr.ENOTFOUND) {
		return Citizen{}, apperr.Invalid(MsgPSCNoCitizen, map[string]string{"pinfl": MsgPSCNoCitizen})
	}
	if err != nil {
		return Citizen{}, err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return Citizen{}, err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := p.apps.m.clock.Now().UTC()
	err = p.apps.m.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_psc_codes (operator_id, citizen_id, citizen_pinfl, citizen_name,
			code_hash, attempts, expires_at) VALUES ($1, $2, $3, $4, $5, 0, $6) ON CONFLICT (operator_id) DO UPDATE SET
			citizen_id = excluded.citizen_id, citizen_pinfl = excluded.citizen_pinfl, citizen_name = excluded.citizen_name,
			code_hash = excluded.code_hash, attempts = 0, expires_at = excluded.expires_at`, operator, c.UserID, c.PINFL, c.Name,
			codeHash(c.UserID, code), now.Add(pscCodeTTL)); err != nil {
			return err
		}
		if err := p.citizens.SendCode(ctx, tx, c, code); err != nil {
			return err
		}
		return p.apps.m.audit.Record(ctx, tx, audit.Record{Actor: operator, Action: "portal.psc.code_sent", ObjectType: "user",
			ObjectID: c.UserID})
	})
	return c, err
}

// Identify checks the code the citizen tells the operator and starts the
// operator's service of the citizen in the operator's browser session.
// After pscMaxAttempts wrong codes the code is void.
//
// Errors: EINVALID MsgPSCWrongCode.
func (p *PSC) Identify(ctx context.Context, operator, operatorSession, code string) (*PSCSession, error) {
	wrong := apperr.Invalid(MsgPSCWrongCode, map[string]string{"code": MsgPSCWrongCode})
	now := p.apps.m.clock.Now().UTC().Truncate(time.Microsecond)
	var s *PSCSession
	var failed bool
	err := p.apps.m.db.Tx(ctx, func(tx *sql.Tx) error {
		var c Citizen
		var stored string
		var attempts int
		var expires time.Time
		err := tx.QueryRowContext(ctx, `SELECT citizen_id, citizen_pinfl, citizen_name, code_hash, attempts, expires_at
			FROM portal_psc_codes WHERE operator_id = $1`, operator).Scan(&c.UserID, &c.PINFL, &c.Name, &stored, &attempts, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return wrong
		}
		if err != nil {
			return err
		}
		if !now.Before(expires) || attempts >= pscMaxAttempts {
			return wrong
		}
		if subtle.ConstantTimeCompare([]byte(stored), []byte(codeHash(c.UserID, strings.TrimSpace(code)))) != 1 {
			failed = true
			_, err := tx.ExecContext(ctx, `UPDATE portal_psc_codes SET attempts = attempts + 1 WHERE operator_id = $1`, operator)
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM portal_psc_codes WHERE operator_id = $1`, operator); err != nil {
			return err
		}
		s, err = p.serve(ctx, tx, operator, operatorSession, c, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if failed {
		return nil, wrong
	}
	return s, nil
}

// serve starts the operator's service of the citizen.
func (p *PSC) serve(ctx context.Context, tx *sql.Tx, operator, operatorSession string, c Citizen, now time.Time) (*PSCSession, error) {
	s := &PSCSession{ID: db.NewID(), OperatorID: operator, Citizen: c, StartedAt: now, ExpiresAt: now.Add(pscServiceTime)}
	if _, err := tx.ExecContext(ctx, `UPDATE portal_psc_sessions SET ended_at = $1 WHERE operator_id = $2 AND ended_at IS NULL`,
		now, operator); err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO portal_psc_sessions (id, operator_id, operator_session, citizen_id, citizen_pinfl,
		citizen_name, started_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, s.ID, operator, operatorSession, c.UserID,
		c.PINFL, c.Name, now, s.ExpiresAt); err != nil {
		return nil, err
	}
	return s, p.apps.m.audit.Record(ctx, tx, audit.Record{Actor: operator, Action: "portal.psc.identified", ObjectType: "user",
		ObjectID: c.UserID})
}

// Active returns the citizen the operator serves in their browser session,
// or nil.
func (p *PSC) Active(ctx context.Context, operator, operatorSession string) (*PSCSession, error) {
	var s PSCSession
	err := p.apps.m.db.Reader().QueryRowContext(ctx, `SELECT id, citizen_id, citizen_pinfl, citizen_name, started_at, expires_at
		FROM portal_psc_sessions WHERE operator_id = $1 AND operator_session = $2 AND ended_at IS NULL AND expires_at > $3
		ORDER BY started_at DESC LIMIT 1`, operator, operatorSession, p.apps.m.clock.Now().UTC()).Scan(&s.ID, &s.Citizen.UserID,
		&s.Citizen.PINFL, &s.Citizen.Name, &s.StartedAt, &s.ExpiresAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("psc session: %w", err)
	}
	s.OperatorID = operator
	return &s, nil
}

// End ends the operator's service of whoever they serve.
func (p *PSC) End(ctx context.Context, operator string) error {
	_, err := p.apps.m.db.Writer().ExecContext(ctx, `UPDATE portal_psc_sessions SET ended_at = $1 WHERE operator_id = $2
		AND ended_at IS NULL`, p.apps.m.clock.Now().UTC(), operator)
	return err
}

// Operators tell the centre's pages who the signed-in operator is and
// their browser session; internal/app provides it from identity.
type Operators interface {
	Operator(ctx context.Context) (Operator, bool)
}

// Operator is a public service centre's operator at their desk.
type Operator struct {
	ID, Name string
	// Session is the operator's browser session, which serves the
	// citizen once identified.
	Session string
}

// pscPages serve the operator's desk.
type pscPages struct {
	psc     *PSC
	ops     Operators
	who     Applicants
	desk    *web.Page
	confirm *web.Page
}

// deskView is the operator's desk.
type deskView struct {
	Serving *PSCSession
	// Sent is the citizen a code was just sent to.
	Sent   *Citizen
	PINFL  string
	Errors map[string]string
	// Waiting is the citizen asked to confirm with their e-signature.
	Waiting *Citizen
}

func (p pscPages) operator(r *http.Request) (Operator, error) {
	op, ok := p.ops.Operator(r.Context())
	if !ok {
		return Operator{}, apperr.New(apperr.EFORBIDDEN, "error.forbidden")
	}
	return op, nil
}

func (p pscPages) show(w http.ResponseWriter, r *http.Request) error {
	op, err := p.operator(r)
	if err != nil {
		return err
	}
	s, err := p.psc.Active(r.Context(), op.ID, op.Session)
	if err != nil {
		return err
	}
	v := deskView{Serving: s}
	if s == nil {
		if v.Waiting, err = p.psc.waiting(r.Context(), op); err != nil {
			return err
		}
	}
	return p.desk.Render(w, r, http.StatusOK, v)
}

func (p pscPages) sendCode(w http.ResponseWriter, r *http.Request) error {
	op, err := p.operator(r)
	if err != nil {
		return err
	}
	pinfl := r.PostFormValue("pinfl")
	if r.PostFormValue("by") == "signature" {
		return p.askToConfirm(w, r, op, pinfl)
	}
	c, err := p.psc.SendCode(r.Context(), op.ID, pinfl)
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		return p.desk.Render(w, r, http.StatusUnprocessableEntity, deskView{PINFL: pinfl, Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	return p.desk.Render(w, r, http.StatusOK, deskView{Sent: &Citizen{Name: c.Name, PINFL: c.PINFL}, PINFL: c.PINFL})
}

func (p pscPages) identify(w http.ResponseWriter, r *http.Request) error {
	op, err := p.operator(r)
	if err != nil {
		return err
	}
	_, err = p.psc.Identify(r.Context(), op.ID, op.Session, r.PostFormValue("code"))
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
		pinfl := r.PostFormValue("pinfl")
		return p.desk.Render(w, r, http.StatusUnprocessableEntity, deskView{Sent: &Citizen{PINFL: pinfl}, PINFL: pinfl,
			Errors: e.Fields})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/psc", http.StatusSeeOther)
	return nil
}

func (p pscPages) end(w http.ResponseWriter, r *http.Request) error {
	op, err := p.operator(r)
	if err != nil {
		return err
	}
	if err := p.psc.End(r.Context(), op.ID); err != nil {
		return err
	}
	http.Redirect(w, r, "/psc", http.StatusSeeOther)
	return nil
}

// Routes registers the operator's desk, open to holders of perm, and the
// page where a citizen (self, a signed-in person's permission) confirms an
// operator's request with their e-signature.
func (p *PSC) Routes(r *web.Router, rd *web.Renderer, perm, self web.Permission, ops Operators, who Applicants) error {
	desk, err := rd.Page(templateFS, "templates/psc.html")
	if err != nil {
		return err
	}
	confirm, err := rd.Page(templateFS, "templates/psc_confirm.html")
	if err != nil {
		return err
	}
	pp := pscPages{psc: p, ops: ops, desk: desk, confirm: confirm, who: who}
	r.Handle("GET /psc/confirm", self, pp.showConfirm)
	r.Handle("POST /psc/confirm/{id}", self, pp.confirmRequest)
	r.Handle("GET /psc", perm, pp.show)
	r.Handle("POST /psc/code", perm, pp.sendCode)
	r.Handle("POST /psc/identify", perm, pp.identify)
	r.Handle("POST /psc/end", perm, pp.end)
	return nil
}
