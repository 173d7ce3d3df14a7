package portal

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"gocloud.dev/blob"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
)

// Message keys of the applications' errors.
const (
	MsgNoService       = "portal.application.no_service"   // no such service, or not one that takes applications online
	MsgStaleForm       = "portal.application.stale_form"   // the form changed since the applicant opened it
	MsgIdempotencyKey  = "portal.application.idempotency"  // a missing or too long idempotency key
	MsgKeyReused       = "portal.application.key_reused"   // the key was used for another service's application
	MsgNoApplication   = "portal.application.not_found"    // no such application of this applicant
	MsgChannel         = "portal.application.channel"      // not online or psc, or psc without an operator
	MsgInvalidAnswers  = "portal.application.invalid"      // some answers are wrong; see the field messages
	MsgAttachment      = "portal.application.attachment"   // an attached file that is not the applicant's
	MsgNoExemption     = "portal.application.no_exemption" // an exemption claimed from a fee that has none
	startProcessJob    = "portal.start_process"            // job kind
	maxIdempotencyKey  = 100                               // characters
	submittedSubject   = "portal.application.submitted"    // event subject, after the outbox prefix
	notifySubmitted    = "application.submitted"           // the applicant is told of it
	eventSubmitted     = "submitted"                       // timeline: the application arrived
	eventProcessStarts = "process_started"                 // timeline: the agency's process started
)

// Statuses of an application, as its applicant reads them.
const (
	StatusReceived     = "received"      // submitted, its process not yet started
	StatusInReview     = "in_review"     // the agency works on it
	StatusMoreInfo     = "more_info"     // the officer asks the applicant for more
	StatusApproved     = "approved"      // decided for the applicant
	StatusRejected     = "rejected"      // decided against, with a reason
	StatusResultIssued = "result_issued" // the result document is ready
)

// Channels by which an application arrives.
const (
	ChannelOnline = "online" // the applicant on the portal or in the app
	ChannelPSC    = "psc"    // an operator of a public service centre for the applicant
)

// ServiceInfo is what the applications need of a service: where its
// applications go, which form version is current, who may apply and how
// long a decision takes.
type ServiceInfo struct {
	Code        string
	AgencyID    string
	ProcessKey  string
	FormVersion int
	// Names is the service's name by language.
	Names map[i18n.Locale]string
	// Recipients is "citizen", "business" or "both".
	Recipients string
	// TermDays is the passport's term of a decision, in working days.
	TermDays int
	// Fee is what an application costs, in tiyin; 0 for a free service.
	Fee int64
	// Exemptions names, by language, who the passport exempts from the
	// fee; empty when nobody is.
	Exemptions map[i18n.Locale]string
	// SignatureRequired says applications must be signed by the
	// applicant (see SignedContent).
	SignatureRequired bool
}

// Name is the service's name in loc, or in Uzbek Latin.
func (s ServiceInfo) Name(loc i18n.Locale) string {
	if n := s.Names[loc]; n != "" {
		return n
	}
	return s.Names[i18n.Default]
}

// Forms gives the services and their forms; the catalogue satisfies it
// through internal/app.
type Forms interface {
	// Service returns a live service that takes applications online;
	// ENOTFOUND otherwise.
	Service(ctx context.Context, code string) (ServiceInfo, error)
	// Form returns version of the service's form.
	Form(ctx context.Context, code string, version int) (*form.Form, error)
}

// Calendar counts working days, for the date a decision is due.
type Calendar interface {
	AddWorkingDays(t time.Time, n int) time.Time
}

// Processes starts the back-office process of an application; the
// workflow engine satisfies it through internal/app. StartOnce must start
// at most one instance per business key, however often it is called.
type Processes interface {
	StartOnce(ctx context.Context, key, businessKey, agencyID string, variables map[string]any) (string, error)
}

// Notifier tells the applicant of what happens to their application by
// the channels they chose; notify satisfies it through internal/app.
// Prepare gathers, before the caller's transaction, what the notice of
// event (a notification event such as "application.submitted") to userID
// about an application for service needs (the applicant's name and
// addresses, the service's title); the function it returns stores the
// notice in the transaction, with personalisation known only there, such
// as the application's number. Reading inside the transaction would hold
// one database connection while waiting for another.
type Notifier interface {
	Prepare(ctx context.Context, userID, service, event string) (func(ctx context.Context, tx *sql.Tx, personalisation map[string]string) error, error)
}

// Queue enqueues jobs in the caller's transaction and runs them.
type Queue interface {
	Enqueue(ctx context.Context, tx db.Runner, spec jobs.Spec) (string, error)
	Handle(kind string, h jobs.Handler)
}

// Applicant is who applies: the account and its PINFL from the identity
// register.
type Applicant struct {
	UserID string
	PINFL  string
	// Org is the organisation the person acts for now; nil when they
	// act for themselves.
	Org *Org
	// Operator is the public service centre operator who applies for the
	// person, who identified them; "" when they apply themselves.
	Operator string
}

// channel is how the applicant's applications arrive now.
func (a Applicant) channel() string {
	if a.Operator != "" {
		return ChannelPSC
	}
	return ChannelOnline
}

// SubmitInput is an application as the applicant sends it.
type SubmitInput struct {
	Applicant   Applicant
	ServiceCode string
	// FormVersion is the version of the form the applicant filled in; it
	// must still be the current one.
	FormVersion int
	Answers     map[string]any
	// IdempotencyKey comes with the form when it is opened: sending it
	// again (a double click, a retry) gives the same application.
	IdempotencyKey string
	// Channel is ChannelOnline or ChannelPSC, with the OperatorID who
	// applied for the citizen at a centre.
	Channel    string
	OperatorID string
	Locale     i18n.Locale
	// Org is the organisation a representative applies for; nil for
	// the applicant's own application.
	Org *Org
	// Prefilled is what registries gave for the fields the state fills
	// in (kept in the draft); the application keeps it for the officer,
	// noting the values the applicant changed.
	Prefilled map[string]PrefilledValue
	// DraftID is the draft the application was made from; it goes with
	// the submission.
	DraftID string
	// Signature is the applicant's detached CAdES signature of
	// SignedContent of the clean answers; empty for an unsigned one.
	Signature []byte
	// FeeExempt says the applicant claims an exemption from the fee that
	// the passport lists; no invoice is made and the officer checks it.
	FeeExempt bool
}

// Org is an organisation a representative applies for.
type Org struct {
	ID   string
	Name string
}

// Application is a submitted application.
type Application struct {
	ID          string
	Number      string
	ApplicantID string
	ServiceCode string
	AgencyID    string
	FormVersion int
	Answers     map[string]any
	Status      string
	Channel     string
	OperatorID  string
	// ProcessInstance is the back-office process, once started.
	ProcessInstance string
	SubmittedAt     time.Time
	UpdatedAt       time.Time
	// OrgID and OrgName name the organisation a representative applied
	// for; empty for a person's own application.
	OrgID, OrgName string
	// Prefilled is what registries gave for the form's fields.
	Prefilled map[string]PrefilledValue
	// DueAt is when the passport's term promises a decision; zero for a
	// service without a term.
	DueAt time.Time
	// Fee is what the applicant owes, in tiyin, and InvoiceID the
	// invoice that asks for it; 0 and "" for a free service.
	Fee       int64
	InvoiceID string
	// Rating is the applicant's 1–5 rating once given, 0 before.
	Rating int
	// SignedBy names the certificate of the applicant's signature; empty
	// for an unsigned application.
	SignedBy string
	// FeeExempt says the applicant claimed an exemption from the fee.
	FeeExempt bool
	// Region is the region the application concerns, from the form's
	// region fields; "" when the form names none.
	Region string
	// Replayed tells that Submit returned an application that the same
	// idempotency key made before.
	Replayed bool
}

// TimelineEntry is one thing that happened to an application.
type TimelineEntry struct {
	At     time.Time
	Kind   string
	Detail string
}

// Applications takes and keeps applications. It is safe for concurrent
// use on any number of nodes.
type Applications struct {
	Deps
	m *Module
}

// Deps are what applications need of the rest of the platform.
type Deps struct {
	Forms       Forms
	Processes   Processes
	Jobs        Queue
	Outbox      *events.Outbox
	Notifier    Notifier
	Calendar    Calendar
	Registries  Registries
	Publisher   Publisher
	Invoices    Invoices
	Results     ResultMaker
	Attachments Attachments
	// Signatures check applicants' signatures and result documents'.
	Signatures SignatureChecker
	// Blob keeps result documents; BaseURL is the portal's public
	// address, for the verification links they carry.
	Blob    *blob.Bucket
	BaseURL string
}

// Attachments keep the files applicants attach to applications; the
// uploads module satisfies it through internal/app.
type Attachments interface {
	// Store checks and keeps a file the owner posted and returns its
	// reference; a refused file is EINVALID with the reason's message key.
	Store(ctx context.Context, owner, name, declared string, body io.Reader) (string, error)
	// Check refuses, EINVALID, any reference that is not one of the
	// owner's files.
	Check(ctx context.Context, owner string, refs ...string) error
	// Claim marks the owner's file as used by the application, in tx.
	Claim(ctx context.Context, tx *sql.Tx, owner, ref, application string) error
	// Serve sends the file to a member of staff; the caller has checked
	// that they may see it.
	Serve(w http.ResponseWriter, r *http.Request, ref string) error
}

// Invoices bill the fees of applications; the payments module satisfies
// it through internal/app.
type Invoices interface {
	// CreateInvoice asks payer for amount (tiyin) in the caller's
	// transaction, once per reference, and returns the invoice's ID.
	CreateInvoice(ctx context.Context, tx *sql.Tx, reference, payer, description string, amount int64) (string, error)
}

// UseApplications connects the module to the catalogue's forms, the
// workflow, the job queue and the registries, and registers the job that
// starts an application's process.
func (m *Module) UseApplications(d Deps) *Applications {
	a := &Applications{Deps: d, m: m}
	d.Jobs.Handle(startProcessJob, a.startProcess)
	d.Jobs.Handle(deliverJob, a.deliver)
	return a
}

// Submit stores an application and, in the same transaction, queues the
// start of its service's process and the submitted event: once Submit
// returns, the application exists exactly once and its process will run,
// even if the node dies at once. Sending the same idempotency key again
// returns the application made the first time.
//
// Errors: EINVALID MsgIdempotencyKey, MsgChannel, or MsgInvalidAnswers
// with the fields' message keys; ENOTFOUND MsgNoService; ECONFLICT
// MsgStaleForm when the form changed since it was opened, MsgKeyReused
// when the key went with another service.
func (a *Applications) Submit(ctx context.Context, in SubmitInput) (*Application, error) {
	key := strings.TrimSpace(in.IdempotencyKey)
	switch {
	case key == "" || utf8.RuneCountInString(key) > maxIdempotencyKey:
		return nil, apperr.New(apperr.EINVALID, MsgIdempotencyKey)
	case in.Channel != ChannelOnline && in.Channel != ChannelPSC, (in.Channel == ChannelPSC) == (in.OperatorID == ""):
		return nil, apperr.New(apperr.EINVALID, MsgChannel)
	}
	if prior, err := a.byKey(ctx, a.m.db.Reader(), in.Applicant.UserID, key); err == nil {
		return sameService(prior, in.ServiceCode)
	} else if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	info, err := a.Forms.Service(ctx, in.ServiceCode)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoService)
	}
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	if in.FormVersion != info.FormVersion {
		return nil, apperr.New(apperr.ECONFLICT, MsgStaleForm)
	}
	f, err := a.Forms.Form(ctx, in.ServiceCode, in.FormVersion)
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	clean, fields := f.Validate(in.Answers, in.Locale)
	if len(fields) > 0 {
		return nil, apperr.Invalid(MsgInvalidAnswers, fields)
	}
	signedBy := ""
	switch {
	case len(in.Signature) > 0:
		content, err := SignedContent(in.ServiceCode, in.FormVersion, in.Applicant.PINFL, clean)
		if err != nil {
			return nil, fmt.Errorf("submit application: %w", err)
		}
		if signedBy, err = a.checkSignature(ctx, content, in.Signature, in.Applicant.PINFL); err != nil {
			return nil, err
		}
	case info.SignatureRequired && in.Channel == ChannelOnline:
		return nil, apperr.Invalid(MsgSignatureRequired, map[string]string{"signature": MsgSignatureRequired})
	}
	refs := f.FileRefs(clean)
	if len(refs) > 0 {
		if a.Attachments == nil {
			return nil, errors.New("submit application: the form has files and the portal no attachments")
		}
		if err := a.Attachments.Check(ctx, in.Applicant.UserID, refs...); apperr.Is(err, apperr.EINVALID) {
			return nil, apperr.Invalid(MsgInvalidAnswers, map[string]string{"": MsgAttachment})
		} else if err != nil {
			return nil, fmt.Errorf("submit application: %w", err)
		}
	}
	answers, err := json.Marshal(clean)
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	prefilled, err := json.Marshal(compareAnswers(in.Prefilled, clean))
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	notice, err := a.Notifier.Prepare(ctx, in.Applicant.UserID, in.ServiceCode, notifySubmitted)
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	app := &Application{ID: db.NewID(), ApplicantID: in.Applicant.UserID, ServiceCode: in.ServiceCode, AgencyID: info.AgencyID,
		FormVersion: in.FormVersion, Answers: clean, Status: StatusReceived, Channel: in.Channel, OperatorID: in.OperatorID,
		SubmittedAt: now, UpdatedAt: now, Prefilled: compareAnswers(in.Prefilled, clean), Fee: info.Fee, SignedBy: signedBy,
		Region: f.Region(clean)}
	if in.FeeExempt {
		if app.Fee == 0 || len(info.Exemptions) == 0 {
			return nil, apperr.Invalid(MsgNoExemption, map[string]string{"fee_exempt": MsgNoExemption})
		}
		app.Fee, app.FeeExempt = 0, true
	}
	if in.Org != nil {
		app.OrgID, app.OrgName = in.Org.ID, in.Org.Name
	}
	var due *time.Time
	if info.TermDays > 0 && a.Calendar != nil {
		app.DueAt = a.Calendar.AddWorkingDays(now, info.TermDays).UTC()
		due = &app.DueAt
	}
	// The year's number counter is a single row that every submission
	// locks until it commits, so it is taken last: the application is
	// stored first under a provisional number (its ID), and a submission
	// that loses an idempotency race fails before it waits for the lock.
	err = a.m.db.Tx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO portal_applications (id, number, applicant_id, applicant_pinfl, service_code,
			agency_id, form_version, answers, status, channel, operator_id, idempotency_key, process_key, process_instance, submitted_at,
			updated_at, prefilled, org_id, org_name, due_at, signature, signed_by, region) VALUES ($1, $1, $2, $3, $4, $5, $6, $7, $8,
			$9, $10, $11, $12, '', $13, $13, $14, $15, $16, $17, $18, $19, $20)`, app.ID, app.ApplicantID, in.Applicant.PINFL,
			app.ServiceCode, app.AgencyID, app.FormVersion, string(answers), app.Status, app.Channel, app.OperatorID, key,
			info.ProcessKey, now, string(prefilled), app.OrgID, app.OrgName, due, base64.StdEncoding.EncodeToString(in.Signature),
			signedBy, app.Region); err != nil {
			return err
		}
		if app.FeeExempt {
			if _, err := tx.ExecContext(ctx, `UPDATE portal_applications SET fee_exempt = TRUE WHERE id = $1`, app.ID); err != nil {
				return err
			}
		}
		if app.Fee > 0 {
			if a.Invoices == nil {
				return errors.New("the service has a fee and the portal no invoices")
			}
			id, err := a.Invoices.CreateInvoice(ctx, tx, app.ID, app.ApplicantID, info.Name(in.Locale), app.Fee)
			if err != nil {
				return err
			}
			app.InvoiceID = id
			if _, err := tx.ExecContext(ctx, `UPDATE portal_applications SET fee = $1, invoice_id = $2 WHERE id = $3`, app.Fee, id,
				app.ID); err != nil {
				return err
			}
		}
		for _, ref := range refs {
			if err := a.Attachments.Claim(ctx, tx, app.ApplicantID, ref, app.ID); err != nil {
				return err
			}
		}
		if in.DraftID != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM portal_drafts WHERE id = $1 AND applicant_id = $2`, in.DraftID,
				app.ApplicantID); err != nil {
				return err
			}
		}
		if err := addEvent(ctx, tx, app.ID, now, eventSubmitted, app.Channel); err != nil {
			return err
		}
		payload, _ := json.Marshal(map[string]string{"id": app.ID})
		if _, err := a.Jobs.Enqueue(ctx, tx, jobs.Spec{Kind: startProcessJob, Key: app.ID, Payload: payload}); err != nil {
			return err
		}
		var last int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO portal_application_numbers (year, last) VALUES ($1, 1)
			ON CONFLICT (year) DO UPDATE SET last = portal_application_numbers.last + 1 RETURNING last`, now.Year()).Scan(&last); err != nil {
			return err
		}
		app.Number = fmt.Sprintf("%d-%07d", now.Year(), last)
		if _, err := tx.ExecContext(ctx, `UPDATE portal_applications SET number = $1 WHERE id = $2`, app.Number, app.ID); err != nil {
			return err
		}
		if _, err := a.Outbox.Write(ctx, tx, a.Outbox.Subject(submittedSubject), map[string]any{"id": app.ID, "number": app.Number,
			"service": app.ServiceCode, "agency": app.AgencyID, "channel": app.Channel, "region": app.Region, "at": now}); err != nil {
			return err
		}
		return notice(ctx, tx, map[string]string{"reference": app.Number})
	})
	if e := apperr.As(db.MapError(err)); e != nil && e.Code == apperr.ECONFLICT {
		// The same key won a race with this submission: answer with it.
		prior, perr := a.byKey(ctx, a.m.db.Writer(), in.Applicant.UserID, key)
		if perr != nil {
			return nil, fmt.Errorf("submit application: %w", perr)
		}
		return sameService(prior, in.ServiceCode)
	}
	if err != nil {
		return nil, fmt.Errorf("submit application: %w", err)
	}
	a.Outbox.Nudge()
	return app, nil
}

// sameService returns prior, the application an idempotency key was used
// for, if it is for service.
func sameService(prior *Application, service string) (*Application, error) {
	if prior.ServiceCode != service {
		return nil, apperr.New(apperr.ECONFLICT, MsgKeyReused)
	}
	prior.Replayed = true
	return prior, nil
}

// addEvent adds an entry to the application's timeline.
func addEvent(ctx context.Context, tx *sql.Tx, id string, at time.Time, kind, detail string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_application_events (application_id, seq, at, kind, detail)
		VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM portal_application_events WHERE application_id = $1), $2, $3, $4)`,
		id, at, kind, detail)
	return err
}

// applicationColumns are what scanApplication reads.
const applicationColumns = `id, number, applicant_id, service_code, agency_id, form_version, answers, status, channel,
	operator_id, process_instance, submitted_at, updated_at, prefilled, org_id, org_name, due_at, fee, invoice_id, rating, signed_by, fee_exempt, region`

// scanApplication reads one row of applicationColumns.
func scanApplication(row interface{ Scan(...any) error }) (*Application, error) {
	var (
		app                Application
		answers, prefilled string
		due                sql.NullTime
	)
	if err := row.Scan(&app.ID, &app.Number, &app.ApplicantID, &app.ServiceCode, &app.AgencyID, &app.FormVersion, &answers,
		&app.Status, &app.Channel, &app.OperatorID, &app.ProcessInstance, &app.SubmittedAt, &app.UpdatedAt, &prefilled,
		&app.OrgID, &app.OrgName, &due, &app.Fee, &app.InvoiceID, &app.Rating, &app.SignedBy, &app.FeeExempt, &app.Region); err != nil {
		return nil, err
	}
	app.SubmittedAt, app.UpdatedAt = app.SubmittedAt.UTC(), app.UpdatedAt.UTC()
	if due.Valid {
		app.DueAt = due.Time.UTC()
	}
	if err := json.Unmarshal([]byte(answers), &app.Answers); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(prefilled), &app.Prefilled); err != nil {
		return nil, err
	}
	return &app, nil
}

// byKey finds the applicant's application sent with the idempotency key;
// sql.ErrNoRows when there is none.
func (a *Applications) byKey(ctx context.Context, q db.Runner, applicant, key string) (*Application, error) {
	return scanApplication(q.QueryRowContext(ctx, `SELECT `+applicationColumns+` FROM portal_applications
		WHERE applicant_id = $1 AND idempotency_key = $2`, applicant, key))
}

// Find returns the applicant's application with the ID. Another
// applicant's is not found, exactly as one that does not exist.
//
// Errors: ENOTFOUND MsgNoApplication.
func (a *Applications) Find(ctx context.Context, applicant, id string) (*Application, error) {
	app, err := scanApplication(a.m.db.Reader().QueryRowContext(ctx, `SELECT `+applicationColumns+` FROM portal_applications
		WHERE id = $1 AND applicant_id = $2`, id, applicant))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	if err != nil {
		return nil, fmt.Errorf("find application: %w", err)
	}
	return app, nil
}

// List returns the applicant's applications, newest first, at most limit.
func (a *Applications) List(ctx context.Context, applicant string, limit int) ([]*Application, error) {
	rows, err := a.m.db.Reader().QueryContext(ctx, `SELECT `+applicationColumns+` FROM portal_applications
		WHERE applicant_id = $1 ORDER BY submitted_at DESC, id DESC LIMIT $2`, applicant, limit)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	out, err := db.Collect(rows, scanApplication)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return out, nil
}

// Timeline returns what happened to the applicant's application, in order.
//
// Errors: ENOTFOUND MsgNoApplication.
func (a *Applications) Timeline(ctx context.Context, applicant, id string) ([]TimelineEntry, error) {
	rows, err := a.m.db.Reader().QueryContext(ctx, `SELECT e.at, e.kind, e.detail FROM portal_application_events e
		JOIN portal_applications a ON a.id = e.application_id WHERE e.application_id = $1 AND a.applicant_id = $2
		ORDER BY e.seq`, id, applicant)
	if err != nil {
		return nil, fmt.Errorf("application timeline: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (TimelineEntry, error) {
		var e TimelineEntry
		err := row.Scan(&e.At, &e.Kind, &e.Detail)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("application timeline: %w", err)
	}
	if len(out) == 0 {
		// Every application has its submission entry: none means it is
		// not this applicant's.
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoApplication)
	}
	return out, nil
}

// startProcess starts the process of a submitted application: the job
// Submit queued. It may run more than once (after a crash); StartOnce and
// the check of process_instance make that harmless.
func (a *Applications) startProcess(ctx context.Context, j jobs.Job) error {
	var p struct{ ID string }
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return jobs.Permanent(fmt.Errorf("bad payload: %w", err))
	}
	var (
		number, agency, answers, channel, applicant, pinfl, processKey, instance string
		fee                                                                      int64
	)
	err := a.m.db.Reader().QueryRowContext(ctx, `SELECT number, agency_id, answers, channel, applicant_id, applicant_pinfl,
		process_key, process_instance, fee FROM portal_applications WHERE id = $1`, p.ID).Scan(&number, &agency, &answers, &channel,
		&applicant, &pinfl, &processKey, &instance, &fee)
	if err != nil {
		return fmt.Errorf("start process of application %s: %w", p.ID, err)
	}
	if instance != "" {
		return nil
	}
	var clean map[string]any
	if err := json.Unmarshal([]byte(answers), &clean); err != nil {
		return jobs.Permanent(err)
	}
	vars := map[string]any{"applicationId": number, "applicant": map[string]any{"userId": applicant, "pinfl": pinfl},
		"answers": clean, "channel": channel, "feeDue": fee}
	instance, err = a.Processes.StartOnce(ctx, processKey, number, agency, vars)
	if err != nil {
		return fmt.Errorf("start process of application %s: %w", number, err)
	}
	now := a.m.clock.Now().UTC().Truncate(time.Microsecond)
	return a.m.db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE portal_applications SET process_instance = $1, status = $2, updated_at = $3
			WHERE id = $4 AND process_instance = ''`, instance, StatusInReview, now, p.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return addEvent(ctx, tx, p.ID, now, eventProcessStarts, processKey)
	})
}
