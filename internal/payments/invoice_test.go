package payments_test

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"testing"

	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// createInvoice creates inv in a transaction of its own.
func createInvoice(t *testing.T, d *db.DB, svc *payments.Service, inv payments.Invoice) (payments.Invoice, error) {
	t.Helper()
	var out payments.Invoice
	err := d.Tx(context.Background(), func(tx *sql.Tx) error {
		var err error
		out, err = svc.CreateInvoice(context.Background(), tx, inv)
		return err
	})
	return out, err
}

func TestInvoices(t *testing.T) {
	dbtest.Each(t, []db.Migrations{payments.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		svc, err := payments.New(d, clock.System{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, payments.Config{})
		if err != nil {
			t.Fatal(err)
		}
		amount, _ := svc.Due(payments.Fee{BCAMultiple: 0.1}, false)
		want := payments.Invoice{Reference: "app-1", PayerID: "alice", Description: "Nikohni qayd etish", Amount: amount}

		// Created in the caller's transaction: rolled back, it is gone.
		rollback := errors.New("rolled back")
		err = d.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := svc.CreateInvoice(ctx, tx, want); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		var kept int
		if err := d.Reader().QueryRowContext(ctx, `SELECT COUNT(*) FROM payments_invoices WHERE reference = 'app-1'`).Scan(&kept); err != nil || kept != 0 {
			t.Fatalf("rolled-back invoice: %d kept, %v", kept, err)
		}

		first, err := createInvoice(t, d, svc, want)
		if err != nil {
			t.Fatal(err)
		}
		if first.ID == "" || first.Status != payments.Pending || first.Currency != payments.Currency || first.Amount != 41_200_00 || first.CreatedAt.IsZero() {
			t.Fatalf("created %+v", first)
		}
		again, err := createInvoice(t, d, svc, want)
		if err != nil || again != first {
			t.Fatalf("second create = %+v, %v; want %+v", again, err, first)
		}
		if _, err := createInvoice(t, d, svc, payments.Invoice{Reference: "app-1", PayerID: "bob", Description: "x", Amount: amount}); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("same reference, another payer: %v", err)
		}
		if _, err := createInvoice(t, d, svc, payments.Invoice{Reference: "app-1", PayerID: "alice", Description: "x", Amount: amount + 100}); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("same reference, another amount: %v", err)
		}
		for _, bad := range []payments.Invoice{
			{PayerID: "alice", Description: "x", Amount: 100},
			{Reference: "r", Description: "x", Amount: 100},
			{Reference: "r", PayerID: "alice", Amount: 100},
			{Reference: "r", PayerID: "alice", Description: "x"},
			{Reference: "r", PayerID: "alice", Description: "x", Amount: -100},
		} {
			if _, err := createInvoice(t, d, svc, bad); !apperr.Is(err, apperr.EINVALID) {
				t.Errorf("create %+v: %v", bad, err)
			}
		}

		if got, err := svc.Find(ctx, "alice", first.ID); err != nil || got != first {
			t.Errorf("alice finds %+v, %v", got, err)
		}
		_, other := svc.Find(ctx, "bob", first.ID)
		_, missing := svc.Find(ctx, "bob", db.NewID())
		if !apperr.Is(other, apperr.ENOTFOUND) || !apperr.Is(missing, apperr.ENOTFOUND) || other.Error() != missing.Error() {
			t.Errorf("bob finds alice's invoice: %v; a missing one: %v", other, missing)
		}

		cancel := func(ref string) error {
			return d.Tx(ctx, func(tx *sql.Tx) error { return svc.Cancel(ctx, tx, ref) })
		}
		if err := cancel("app-1"); err != nil {
			t.Fatal(err)
		}
		if err := cancel("app-1"); err != nil {
			t.Errorf("cancel twice: %v", err)
		}
		if got, _ := svc.Find(ctx, "alice", first.ID); got.Status != payments.Cancelled {
			t.Errorf("after cancel: %s", got.Status)
		}
		if err := cancel("no-such"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("cancel unknown: %v", err)
		}
		if _, err := svc.Checkout(ctx, "alice", first.ID, payments.DemoName, "/"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("checkout of a cancelled invoice: %v", err)
		}
	})
}

func TestTemplatesUseKnownKeys(t *testing.T) {
	b, err := i18n.Load(web.Locales(), payments.Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, payments.Templates())
}
