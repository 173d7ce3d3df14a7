package payments

import (
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// checkoutView is what the demo gateway's hosted page shows.
type checkoutView struct {
	Invoice Invoice
	// Amount is the sum in soʻm in the page's language.
	Amount string
	// Return is where the payer goes back to afterwards.
	Return string
}

// DemoRoutes registers the demo gateway's hosted "bank" page. Only a demo
// node serves it. The payer must be signed in (perm, user) and own the
// invoice; someone else's is not found. Paying sends demo's signed
// callback and then the payer back to the page Checkout was given;
// cancelling only sends them back, and the invoice stays payable.
//
//	GET  /payments/demo/checkout/{invoice}?return=
//	POST /payments/demo/checkout/{invoice}   action=pay|cancel, return=
func (s *Service) DemoRoutes(r *web.Router, perm web.Permission, user CurrentUser, demo *DemoProvider) {
	r.Handle("GET "+demoCheckoutPath("{invoice}"), perm, func(w http.ResponseWriter, r *http.Request) error {
		inv, err := s.payerInvoice(r, user, r.PathValue("invoice"))
		if err != nil {
			return err
		}
		if inv.Status != Pending {
			return apperr.New(apperr.ECONFLICT, "payments.error.not_pending")
		}
		return s.checkout.Render(w, r, http.StatusOK, checkoutView{Invoice: inv,
			Amount: FormatSum(web.Locale(r.Context()), inv.Amount),
			Return: web.SafeRedirect(r.URL.Query().Get("return"), receiptPath(inv.ID))})
	})
	r.Handle("POST "+demoCheckoutPath("{invoice}"), perm, func(w http.ResponseWriter, r *http.Request) error {
		inv, err := s.payerInvoice(r, user, r.PathValue("invoice"))
		if err != nil {
			return err
		}
		back := web.SafeRedirect(r.PostFormValue("return"), receiptPath(inv.ID))
		if r.PostFormValue("action") == "pay" && inv.Status == Pending {
			if err := demo.pay(r.Context(), inv); err != nil {
				s.log.ErrorContext(r.Context(), "demo payment failed", "invoice", inv.ID,
					"request_id", web.RequestID(r.Context()), "err", err)
				return &apperr.Error{Code: apperr.EINTERNAL, Message: "payments.demo.failed", Err: err}
			}
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	})
}
