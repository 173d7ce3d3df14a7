// Package payments collects the fees of state services. A service passport
// states its fee as a multiple of the base calculation amount (BCA) or as a
// fixed sum; Due turns it into an amount in tiyin, zero for a free service
// or an exempt payer, who get no invoice.
//
// The flow: the portal calls CreateInvoice in the same transaction that
// stores the application, so an application that needs paying always has
// its invoice. The payer opens the invoice page, chooses a gateway and is
// sent to the gateway's hosted page (Provider.Checkout). The gateway then
// tells egov about the payment server to server: a signed callback to
// POST /payments/callback/{provider}. HandleCallback trusts nothing that is
// not signed, checks the invoice, amount and currency, and marks the
// invoice paid once; in that same transaction it runs the OnPaid hooks,
// through which the portal moves the waiting process on. A replayed
// callback is acknowledged without a second effect; a rejected one
// changes nothing and is recorded in payments_callbacks and the log.
//
// DemoProvider is a gateway run inside egov for demonstrations and tests:
// its "bank" page takes the payment and it sends the same signed callback
// over HTTP that a real gateway such as Click or Payme would.
package payments

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed migrations
var migrationFS embed.FS

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// Migrations are the module's tables.
func Migrations() db.Migrations { return db.Migrations{Module: "payments", FS: migrationFS} }

// Locales is the module's message catalog.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// DefaultBCA is the base calculation amount in soʻm in force since
// 1 August 2025.
const DefaultBCA = 412000

// Currency is the one currency fees are paid in.
const Currency = "UZS"

// Config configures the module.
type Config struct {
	// BCA is the base calculation amount in soʻm that BCA multiples are
	// taken of; 0 means DefaultBCA.
	BCA int64
}

// Status is where an invoice is.
type Status string

// Invoice statuses. An invoice is created pending and becomes paid once,
// by a verified callback, or cancelled by the caller; neither is undone.
const (
	Pending   Status = "pending"
	Paid      Status = "paid"
	Cancelled Status = "cancelled"
)

// Invoice is a fee a payer owes for one caller's reference, such as an
// application.
type Invoice struct {
	ID string
	// Reference is the caller's key, e.g. an application ID; one invoice
	// per reference.
	Reference   string
	PayerID     string
	Description string
	// Amount is in tiyin (1 soʻm = 100 tiyin).
	Amount   int64
	Currency string
	Status   Status
	// Provider and ProviderTxn name the gateway and its transaction once
	// the invoice is paid.
	Provider    string
	ProviderTxn string
	CreatedAt   time.Time
	// PaidAt is zero until the invoice is paid.
	PaidAt time.Time
}

// PaidHook runs in the transaction that marks inv paid; an error rolls the
// payment back, and the gateway is answered with an error so it retries.
type PaidHook func(ctx context.Context, tx *sql.Tx, inv Invoice) error

// Service keeps invoices and settles gateways' callbacks.
type Service struct {
	db        *db.DB
	clock     clock.Clock
	log       *slog.Logger
	bca       int64
	providers []Provider
	hooks     []PaidHook
	rd        *web.Renderer
	receipt   *web.Page
	checkout  *web.Page
}

// New returns the service. rd renders the pages and the callbacks'
// problems; it may be nil when no routes are served. It fails for a
// negative BCA.
func New(d *db.DB, c clock.Clock, log *slog.Logger, rd *web.Renderer, cfg Config) (*Service, error) {
	if cfg.BCA < 0 {
		return nil, fmt.Errorf("payments: BCA must be positive, got %d", cfg.BCA)
	}
	if cfg.BCA == 0 {
		cfg.BCA = DefaultBCA
	}
	s := &Service{db: d, clock: c, log: log, bca: cfg.BCA, rd: rd}
	if rd != nil {
		var err error
		if s.receipt, err = rd.Page(templateFS, "templates/receipt.html"); err != nil {
			return nil, err
		}
		if s.checkout, err = rd.Page(templateFS, "templates/demo_checkout.html"); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// now is the clock's time to the microsecond, the precision PostgreSQL
// stores, so that an invoice in hand equals the stored one on both engines.
func (s *Service) now() time.Time { return s.clock.Now().Truncate(time.Microsecond) }

// OnPaid registers a hook run when an invoice is paid, in the transaction
// that marks it paid, exactly once per invoice. Register hooks before the
// routes serve.
func (s *Service) OnPaid(h PaidHook) { s.hooks = append(s.hooks, h) }

// AddProvider makes a gateway available to payers and to callbacks at
// CallbackPath(p.Name()). Add providers before the routes serve.
func (s *Service) AddProvider(p Provider) { s.providers = append(s.providers, p) }

// provider returns the gateway named name, or ENOTFOUND.
func (s *Service) provider(name string) (Provider, error) {
	i := slices.IndexFunc(s.providers, func(p Provider) bool { return p.Name() == name })
	if i < 0 {
		return nil, apperr.New(apperr.ENOTFOUND, "payments.error.provider")
	}
	return s.providers[i], nil
}

// Providers lists the names of the gateways payers can choose.
func (s *Service) Providers() []string {
	out := make([]string, len(s.providers))
	for i, p := range s.providers {
		out[i] = p.Name()
	}
	return out
}

// CreateInvoice stores a pending invoice for inv's Reference, PayerID,
// Description and Amount (tiyin) in the caller's transaction, so that it
// exists if and only if the caller's change commits. It is idempotent: for
// a reference that already has an invoice with the same payer and amount
// it returns that invoice. It returns EINVALID for a missing field or an
// amount that is not positive (a free service or an exempt payer gets no
// invoice), and ECONFLICT when the reference has an invoice for another
// payer or amount.
func (s *Service) CreateInvoice(ctx context.Context, tx *sql.Tx, inv Invoice) (Invoice, error) {
	fields := map[string]string{}
	for name, v := range map[string]string{"reference": inv.Reference, "payer": inv.PayerID, "description": inv.Description} {
		if v == "" {
			fields[name] = "payments.error.required"
		}
	}
	if inv.Amount <= 0 {
		fields["amount"] = "payments.error.amount"
	}
	if len(fields) > 0 {
		return Invoice{}, apperr.Invalid("payments.error.invoice", fields)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO payments_invoices
		(id, reference, payer_id, description, amount, currency, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7) ON CONFLICT (reference) DO NOTHING`,
		db.NewID(), inv.Reference, inv.PayerID, inv.Description, inv.Amount, Currency, s.now())
	if err != nil {
		return Invoice{}, fmt.Errorf("create invoice: %w", err)
	}
	got, err := findInvoice(ctx, tx, "reference = $1", inv.Reference)
	if err != nil {
		return Invoice{}, fmt.Errorf("create invoice: %w", err)
	}
	if got.PayerID != inv.PayerID || got.Amount != inv.Amount {
		return Invoice{}, apperr.New(apperr.ECONFLICT, "payments.error.reference")
	}
	return got, nil
}

// Find returns the payer's invoice id. Someone else's invoice is ENOTFOUND,
// exactly like a missing one, so the answer tells nothing about it.
func (s *Service) Find(ctx context.Context, payerID, id string) (Invoice, error) {
	inv, err := findInvoice(ctx, s.db.Reader(), "id = $1 AND payer_id = $2", id, payerID)
	if err != nil {
		return Invoice{}, fmt.Errorf("find invoice: %w", err)
	}
	return inv, nil
}

// Cancel cancels the pending invoice of reference in the caller's
// transaction, e.g. when its application is withdrawn; a callback for it is
// then rejected. Cancelling a cancelled invoice does nothing. It returns
// ENOTFOUND for an unknown reference and ECONFLICT for a paid invoice.
func (s *Service) Cancel(ctx context.Context, tx *sql.Tx, reference string) error {
	inv, err := findInvoice(ctx, tx, "reference = $1", reference)
	if err != nil {
		return fmt.Errorf("cancel invoice: %w", err)
	}
	switch inv.Status {
	case Cancelled:
		return nil
	case Paid:
		return apperr.New(apperr.ECONFLICT, "payments.error.paid")
	}
	res, err := tx.ExecContext(ctx, `UPDATE payments_invoices SET status = 'cancelled' WHERE id = $1 AND status = 'pending'`, inv.ID)
	if err != nil {
		return fmt.Errorf("cancel invoice: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("cancel invoice: %w", err)
	} else if n == 0 {
		return apperr.New(apperr.ECONFLICT, "payments.error.paid")
	}
	return nil
}

// Checkout starts paying the payer's pending invoice id through the
// gateway named provider and returns where to send the payer's browser;
// the gateway sends them back to returnURL. It returns ENOTFOUND for an
// invoice that is not the payer's or an unknown gateway, and ECONFLICT for
// an invoice that is no longer pending.
func (s *Service) Checkout(ctx context.Context, payerID, id, provider, returnURL string) (string, error) {
	inv, err := s.Find(ctx, payerID, id)
	if err != nil {
		return "", err
	}
	if inv.Status != Pending {
		return "", apperr.New(apperr.ECONFLICT, "payments.error.not_pending")
	}
	p, err := s.provider(provider)
	if err != nil {
		return "", err
	}
	u, err := p.Checkout(ctx, inv, returnURL)
	if err != nil {
		return "", fmt.Errorf("checkout with %s: %w", provider, err)
	}
	return u, nil
}
