package payments

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// CurrentUser returns the signed-in person's user ID from a request's
// context, or false for an anonymous visitor. The identity module
// provides it; payments does not know how people sign in.
type CurrentUser func(ctx context.Context) (userID string, ok bool)

// maxCallbackBytes bounds a gateway's callback body.
const maxCallbackBytes = 8 << 10

// receiptPath is the page of invoice id: the receipt once it is paid.
func receiptPath(id string) string { return "/payments/" + id + "/receipt" }

// receiptView is what the invoice and receipt page shows.
type receiptView struct {
	Invoice Invoice
	// Amount is the sum in soʻm in the page's language.
	Amount string
	// PaidAt is when it was paid, in Tashkent time.
	PaidAt time.Time
	// Providers are the gateways a pending invoice can be paid with.
	Providers []string
}

// Routes registers the payer's invoice and receipt page, the start of a
// payment and the gateways' callbacks. The payer's routes need perm (a
// signed-in citizen's permission) and show only the invoices of the user
// that user returns; the callbacks are public and trusted only when
// signed.
//
//	GET  /payments/{id}/receipt          invoice: pay it, or its receipt
//	POST /payments/checkout/{id}         provider=, return= (a local path)
//	POST /payments/callback/{provider}   a gateway's signed callback
func (s *Service) Routes(r *web.Router, perm web.Permission, user CurrentUser) {
	r.Handle("GET /payments/{id}/receipt", perm, func(w http.ResponseWriter, r *http.Request) error {
		inv, err := s.payerInvoice(r, user, r.PathValue("id"))
		if err != nil {
			return err
		}
		v := receiptView{Invoice: inv, Amount: FormatSum(web.Locale(r.Context()), inv.Amount), PaidAt: tashkentTime(inv.PaidAt)}
		if inv.Status == Pending {
			v.Providers = s.Providers()
		}
		return s.receipt.Render(w, r, http.StatusOK, v)
	})
	r.Handle("POST /payments/checkout/{id}", perm, func(w http.ResponseWriter, r *http.Request) error {
		uid, err := signedIn(r, user)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		back := web.SafeRedirect(r.PostFormValue("return"), receiptPath(id))
		to, err := s.Checkout(r.Context(), uid, id, r.PostFormValue("provider"), back)
		if err != nil {
			return err
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return nil
	})
	r.Handle("POST "+CallbackPath("{provider}"), web.Public, s.serveCallback, web.CSRFExempt())
}

// serveCallback answers a gateway's callback: 200 with the outcome, or
// problem details saying why it was rejected, whatever the gateway
// accepts.
func (s *Service) serveCallback(w http.ResponseWriter, r *http.Request) error {
	var outcome Outcome
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBytes))
	if err != nil {
		outcome, err = s.reject(r.Context(), Callback{Provider: r.PathValue("provider")}, reasonMalformed, err)
	} else {
		outcome, err = s.HandleCallback(r.Context(), r.PathValue("provider"), r.Header, body)
	}
	if err != nil {
		pr := r.Clone(r.Context())
		pr.Header.Set("Accept", "application/problem+json")
		s.rd.Error(w, pr, err)
		return nil
	}
	return web.WriteJSON(w, http.StatusOK, map[string]string{"outcome": string(outcome)})
}

// signedIn returns the signed-in user's ID, or EUNAUTHORIZED.
func signedIn(r *http.Request, user CurrentUser) (string, error) {
	id, ok := user(r.Context())
	if !ok || id == "" {
		return "", apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	}
	return id, nil
}

// payerInvoice returns the signed-in user's invoice id: EUNAUTHORIZED for
// an anonymous visitor, ENOTFOUND for someone else's invoice.
func (s *Service) payerInvoice(r *http.Request, user CurrentUser, id string) (Invoice, error) {
	uid, err := signedIn(r, user)
	if err != nil {
		return Invoice{}, err
	}
	return s.Find(r.Context(), uid, id)
}

// tashkentTime is t in Uzbekistan's time (UTC+5, no summer time), in which
// receipts show times; the zero time stays zero.
func tashkentTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.In(clock.Tashkent)
}

// FormatSum formats a non-negative amount in tiyin as soʻm in loc, with grouped
// digits and the tiyin, if any, after a decimal separator: "41 200",
// "41 200,50" ("41,200.50" in English). The currency's name comes from the
// message "payments.sum".
func FormatSum(loc i18n.Locale, tiyin int64) string {
	s := i18n.FormatInt(loc, tiyin/100)
	if t := tiyin % 100; t != 0 {
		sep := ","
		if loc == i18n.En {
			sep = "."
		}
		s += sep + strconv.FormatInt(100+t, 10)[1:]
	}
	return s
}
