package app

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/platform/web"
)

// usePayments sets up fees: invoices, the payer's pages and the gateways'
// callbacks, and on a demo node the demo gateway, whose signed callbacks
// come in through this node's own handler, as a real gateway's come over
// the network.
func (a *App) usePayments(secret []byte, base string) (*payments.Service, error) {
	svc, err := payments.New(a.DB, a.clock, a.log, a.Web.Renderer(), payments.Config{})
	if err != nil {
		return nil, err
	}
	svc.Routes(a.Web.Router(), identity.PermSelf, a.applicantID)
	if err := svc.APIRoutes(a.Web, identity.PermSelf, a.applicantID); err != nil {
		return nil, err
	}
	if !a.cfg.Demo {
		return svc, nil
	}
	demo, err := payments.NewDemoProvider(payments.DemoConfig{Secret: derive(secret, "egov demo payment gateway"),
		CallbackURL: base + payments.CallbackPath(payments.DemoName),
		Client:      &http.Client{Transport: handlerTransport{a.Web}}}, a.clock)
	if err != nil {
		return nil, err
	}
	svc.AddProvider(demo)
	svc.DemoRoutes(a.Web.Router(), identity.PermSelf, a.applicantID, demo)
	return svc, nil
}

// handlerTransport serves requests with this node's own handler: the demo
// gateway's callbacks reach the same routes, checks and signature
// verification as a real gateway's, wherever the node listens.
type handlerTransport struct{ srv *web.Server }

// RoundTrip serves req and returns the recorded response.
func (t handlerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	req.RemoteAddr = "127.0.0.1:0"
	t.srv.Handler().ServeHTTP(rec, req)
	return rec.Result(), nil
}

// paymentInvoices bills applications' fees through the payments module.
type paymentInvoices struct{ svc *payments.Service }

// CreateInvoice asks the payer for the amount in the caller's transaction.
func (p paymentInvoices) CreateInvoice(ctx context.Context, tx *sql.Tx, reference, payer, description string, amount int64) (string, error) {
	inv, err := p.svc.CreateInvoice(ctx, tx, payments.Invoice{Reference: reference, PayerID: payer, Description: description,
		Amount: amount})
	return inv.ID, err
}
