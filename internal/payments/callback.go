package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
)

// Outcome is what became of a gateway's callback.
type Outcome string

// Callback outcomes. A duplicate is a callback for a payment already
// recorded (a gateway's retry or a replay): acknowledged, with no effect.
const (
	OutcomePaid      Outcome = "paid"
	OutcomeDuplicate Outcome = "duplicate"
	OutcomeRejected  Outcome = "rejected"
)

// Why callbacks are rejected, as stored in payments_callbacks.reason and
// named in the message key "payments.callback.<reason>".
const (
	reasonProvider  = "provider"     // no such gateway
	reasonSignature = "signature"    // not signed by the gateway
	reasonMalformed = "malformed"    // signed, but not a valid notification
	reasonInvoice   = "invoice"      // no such invoice
	reasonStatus    = "status"       // not a successful payment
	reasonAmount    = "amount"       // not the invoice's amount
	reasonCurrency  = "currency"     // not the invoice's currency
	reasonCancelled = "cancelled"    // the invoice was cancelled
	reasonPaid      = "already_paid" // paid before by another transaction
	reasonTxn       = "txn_reused"   // the transaction paid another invoice
)

// rejection is the error a callback rejected for reason is answered with.
func rejection(reason string) error {
	code := apperr.EINVALID
	switch reason {
	case reasonProvider, reasonInvoice:
		code = apperr.ENOTFOUND
	case reasonSignature:
		code = apperr.EUNAUTHORIZED
	case reasonCancelled, reasonPaid, reasonTxn:
		code = apperr.ECONFLICT
	}
	return apperr.New(code, "payments.callback."+reason)
}

// Callback is one callback a gateway sent, accepted or rejected, as
// recorded for operators. Fields the callback did not reliably carry are
// empty.
type Callback struct {
	ID          string
	Provider    string
	InvoiceID   string
	ProviderTxn string
	Amount      int64
	Outcome     Outcome
	Reason      string
	RequestID   string
	RemoteAddr  string
	ReceivedAt  time.Time
}

// HandleCallback settles a callback the gateway named provider sent, given
// its headers and exact body. The gateway must sign it (Provider.Verify);
// the invoice must exist, be pending and match the amount and currency.
// The invoice is then marked paid and the OnPaid hooks run, in one
// transaction. A callback for the transaction that already paid the
// invoice returns OutcomeDuplicate and changes nothing. Every callback is
// recorded; a rejected one changes nothing else and returns an apperr:
// ENOTFOUND (unknown gateway or invoice), EUNAUTHORIZED (bad signature),
// EINVALID (malformed, wrong status, amount or currency) or ECONFLICT
// (invoice cancelled or paid by another transaction). Any other error is
// internal and nothing is recorded as paid: the gateway should retry.
func (s *Service) HandleCallback(ctx context.Context, provider string, header http.Header, body []byte) (Outcome, error) {
	rec := Callback{Provider: provider}
	p, err := s.provider(provider)
	if err != nil {
		return s.reject(ctx, rec, reasonProvider, err)
	}
	n, err := p.Verify(header, body)
	if err == nil && (!validID(n.InvoiceID) || !validID(n.ProviderTxn)) {
		err = fmt.Errorf("%s callback: bad invoice or transaction ID", provider)
	}
	if err != nil {
		reason := reasonMalformed
		if errors.Is(err, ErrSignature) {
			reason = reasonSignature
		}
		return s.reject(ctx, rec, reason, err)
	}
	rec.InvoiceID, rec.ProviderTxn, rec.Amount = n.InvoiceID, n.ProviderTxn, n.Amount
	err = s.db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		if rec.Outcome, rec.Reason, err = s.settle(ctx, tx, provider, n); err != nil {
			return err
		}
		return s.record(ctx, tx, &rec)
	})
	if err != nil {
		return "", fmt.Errorf("handle %s callback for invoice %s: %w", provider, n.InvoiceID, err)
	}
	s.logCallback(ctx, rec, nil)
	if rec.Outcome == OutcomeRejected {
		return rec.Outcome, rejection(rec.Reason)
	}
	return rec.Outcome, nil
}

// settle checks a verified notification against its invoice in tx and,
// when it pays it, marks the invoice paid and runs the hooks. It returns
// the outcome, with the reason of a rejection; an error only for a
// failure, never for a rejection, so that the rejection is recorded.
func (s *Service) settle(ctx context.Context, tx *sql.Tx, provider string, n Notification) (Outcome, string, error) {
	inv, err := findInvoice(ctx, tx, "id = $1", n.InvoiceID)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return OutcomeRejected, reasonInvoice, nil
	}
	if err != nil {
		return "", "", err
	}
	switch {
	case n.Status != Paid:
		return OutcomeRejected, reasonStatus, nil
	case n.Amount != inv.Amount:
		return OutcomeRejected, reasonAmount, nil
	case n.Currency != inv.Currency:
		return OutcomeRejected, reasonCurrency, nil
	case inv.Status == Paid && inv.Provider == provider && inv.ProviderTxn == n.ProviderTxn:
		return OutcomeDuplicate, "", nil
	case inv.Status == Paid:
		return OutcomeRejected, reasonPaid, nil
	case inv.Status == Cancelled:
		return OutcomeRejected, reasonCancelled, nil
	}
	// This invoice is left out: another node may have just paid it with
	// this very transaction, which the UPDATE below finds out.
	reused, err := db.Exists(ctx, tx, `SELECT 1 FROM payments_invoices WHERE provider = $1 AND provider_txn = $2 AND id <> $3`,
		provider, n.ProviderTxn, inv.ID)
	if err != nil {
		return "", "", err
	}
	if reused {
		return OutcomeRejected, reasonTxn, nil
	}
	now := s.now()
	res, err := tx.ExecContext(ctx, `UPDATE payments_invoices SET status = 'paid', provider = $1, provider_txn = $2, paid_at = $3
		WHERE id = $4 AND status = 'pending'`, provider, n.ProviderTxn, now, inv.ID)
	if err != nil {
		return "", "", err
	}
	if changed, err := res.RowsAffected(); err != nil {
		return "", "", err
	} else if changed == 0 {
		// Another node settled it since we read it: judge again.
		return s.settle(ctx, tx, provider, n)
	}
	inv.Status, inv.Provider, inv.ProviderTxn, inv.PaidAt = Paid, provider, n.ProviderTxn, now
	for _, h := range s.hooks {
		if err := h(ctx, tx, inv); err != nil {
			return "", "", fmt.Errorf("on paid: %w", err)
		}
	}
	return OutcomePaid, "", nil
}

// reject records a callback refused before it could be read and returns
// the rejection.
func (s *Service) reject(ctx context.Context, rec Callback, reason string, cause error) (Outcome, error) {
	rec.Outcome, rec.Reason = OutcomeRejected, reason
	if err := s.db.Tx(ctx, func(tx *sql.Tx) error { return s.record(ctx, tx, &rec) }); err != nil {
		return "", fmt.Errorf("record rejected callback: %w", err)
	}
	s.logCallback(ctx, rec, cause)
	return rec.Outcome, rejection(reason)
}

// record stores the callback rec in tx, filling in its ID, time and the
// request's ID and client address. A gateway name that is not an ID (it
// comes from the URL) is stored as "?".
func (s *Service) record(ctx context.Context, tx *sql.Tx, rec *Callback) error {
	if !validID(rec.Provider) {
		rec.Provider = "?"
	}
	rec.ID, rec.ReceivedAt = db.NewID(), s.now()
	rec.RequestID, rec.RemoteAddr = web.RequestID(ctx), web.ClientIP(ctx)
	_, err := tx.ExecContext(ctx, `INSERT INTO payments_callbacks
		(id, provider, invoice_id, provider_txn, amount, outcome, reason, request_id, remote_addr, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		rec.ID, rec.Provider, rec.InvoiceID, rec.ProviderTxn, rec.Amount, string(rec.Outcome), rec.Reason,
		rec.RequestID, rec.RemoteAddr, rec.ReceivedAt)
	if err != nil {
		return fmt.Errorf("record callback: %w", err)
	}
	return nil
}

// logCallback writes the callback to the log: a warning when it was
// rejected, with the cause the gateway is not told.
func (s *Service) logCallback(ctx context.Context, rec Callback, cause error) {
	level := slog.LevelInfo
	attrs := []slog.Attr{slog.String("provider", rec.Provider), slog.String("outcome", string(rec.Outcome)),
		slog.String("invoice", rec.InvoiceID), slog.String("provider_txn", rec.ProviderTxn),
		slog.Int64("amount", rec.Amount), slog.String("request_id", rec.RequestID), slog.String("remote_addr", rec.RemoteAddr)}
	if rec.Outcome == OutcomeRejected {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("reason", rec.Reason))
		if cause != nil {
			attrs = append(attrs, slog.String("err", cause.Error()))
		}
	}
	s.log.LogAttrs(ctx, level, "payment callback", attrs...)
}

// RecentCallbacks lists the newest callbacks, accepted and rejected,
// newest first, for operators.
func (s *Service) RecentCallbacks(ctx context.Context, limit int) ([]Callback, error) {
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT id, provider, invoice_id, provider_txn, amount, outcome, reason,
		request_id, remote_addr, received_at FROM payments_callbacks ORDER BY received_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("recent callbacks: %w", err)
	}
	out, err := db.Collect(rows, func(row interface{ Scan(...any) error }) (Callback, error) {
		var c Callback
		var outcome string
		err := row.Scan(&c.ID, &c.Provider, &c.InvoiceID, &c.ProviderTxn, &c.Amount, &outcome, &c.Reason,
			&c.RequestID, &c.RemoteAddr, &c.ReceivedAt)
		c.Outcome, c.ReceivedAt = Outcome(outcome), c.ReceivedAt.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("recent callbacks: %w", err)
	}
	return out, nil
}
