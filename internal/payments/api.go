package payments

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed openapi.json
var openAPIFragment []byte

// invoiceJSON is an invoice as the API gives it.
type invoiceJSON struct {
	ID          string     `json:"id"`
	Reference   string     `json:"reference"`
	Description string     `json:"description"`
	Amount      int64      `json:"amount"`
	Currency    string     `json:"currency"`
	Status      Status     `json:"status"`
	Provider    string     `json:"provider,omitempty"`
	ProviderTxn string     `json:"provider_txn,omitempty"`
	PaidAt      *time.Time `json:"paid_at,omitempty"`
	// Providers are the gateways it can be paid through, while pending.
	Providers []string `json:"providers,omitempty"`
}

// APIRoutes registers the payer's invoices for apps, open to holders of
// perm, for the user that user returns, and describes them in the OpenAPI
// document: an app shows the invoice and opens the gateway's page the
// checkout answers in a browser view; the gateway's signed callback pays
// it.
//
//	GET  /api/v1/payments/{id}            the invoice
//	POST /api/v1/payments/{id}/checkout   {"provider", "return"}: where to send the payer
func (s *Service) APIRoutes(srv *web.Server, perm web.Permission, user CurrentUser) error {
	r := srv.Router()
	r.Handle("GET /api/v1/payments/{id}", perm, func(w http.ResponseWriter, r *http.Request) error {
		inv, err := s.payerInvoice(r, user, r.PathValue("id"))
		if err != nil {
			return err
		}
		v := invoiceJSON{ID: inv.ID, Reference: inv.Reference, Description: inv.Description, Amount: inv.Amount,
			Currency: inv.Currency, Status: inv.Status, Provider: inv.Provider, ProviderTxn: inv.ProviderTxn}
		if !inv.PaidAt.IsZero() {
			v.PaidAt = &inv.PaidAt
		}
		if inv.Status == Pending {
			v.Providers = s.Providers()
		}
		return web.WriteJSON(w, http.StatusOK, v)
	})
	r.Handle("POST /api/v1/payments/{id}/checkout", perm, func(w http.ResponseWriter, r *http.Request) error {
		uid, err := signedIn(r, user)
		if err != nil {
			return err
		}
		var body struct {
			Provider string `json:"provider"`
			Return   string `json:"return"`
		}
		if err := web.ReadJSON(r, maxCallbackBytes, &body); err != nil {
			return err
		}
		id := r.PathValue("id")
		to, err := s.Checkout(r.Context(), uid, id, body.Provider, web.SafeRedirect(body.Return, receiptPath(id)))
		if err != nil {
			return err
		}
		return web.WriteJSON(w, http.StatusOK, map[string]string{"redirect": to})
	})
	return srv.API().Describe(openAPIFragment)
}
