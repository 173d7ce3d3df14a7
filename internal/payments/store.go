package payments

import (
	"context"
	"database/sql"
	"errors"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

const invoiceColumns = `id, reference, payer_id, description, amount, currency, status, provider, provider_txn, created_at, paid_at`

// findInvoice returns the one invoice matching where (a condition with $n
// placeholders for args), read with q: a pool or the caller's transaction.
// No match is ENOTFOUND.
func findInvoice(ctx context.Context, q db.Runner, where string, args ...any) (Invoice, error) {
	var inv Invoice
	var status string
	var paid sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT `+invoiceColumns+` FROM payments_invoices WHERE `+where, args...).
		Scan(&inv.ID, &inv.Reference, &inv.PayerID, &inv.Description, &inv.Amount, &inv.Currency, &status,
			&inv.Provider, &inv.ProviderTxn, &inv.CreatedAt, &paid)
	if errors.Is(err, sql.ErrNoRows) {
		return Invoice{}, apperr.New(apperr.ENOTFOUND, "error.not_found")
	}
	if err != nil {
		return Invoice{}, err
	}
	inv.Status, inv.PaidAt = Status(status), paid.Time
	inv.CreatedAt = inv.CreatedAt.UTC()
	inv.PaidAt = inv.PaidAt.UTC()
	return inv, nil
}
