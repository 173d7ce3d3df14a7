package payments

import (
	"context"
	"errors"
	"net/http"
)

// Provider is a payment gateway, such as Click or Payme.
type Provider interface {
	// Name identifies the gateway in URLs, invoices and logs, e.g. "demo".
	Name() string
	// Checkout starts paying inv and returns where to send the payer's
	// browser: the gateway's hosted payment page, which sends them back to
	// returnURL when they are done.
	Checkout(ctx context.Context, inv Invoice, returnURL string) (redirectURL string, err error)
	// Verify authenticates a callback the gateway sent to
	// CallbackPath(Name()), given its headers and exact body, and reads the
	// notification in it. It returns an error wrapping ErrSignature when
	// the callback is not signed by the gateway, and another error when the
	// body is malformed.
	Verify(header http.Header, body []byte) (Notification, error)
}

// ErrSignature is wrapped by Provider.Verify's error for a callback whose
// signature is missing or wrong.
var ErrSignature = errors.New("payments: callback signature is not valid")

// Notification is what a gateway's verified callback says: a payment of
// Amount tiyin in Currency for the invoice, with the gateway's own
// transaction ID.
type Notification struct {
	InvoiceID   string
	Amount      int64
	Currency    string
	ProviderTxn string
	Status      Status
}

// CallbackPath is where the gateway named provider posts its callbacks.
func CallbackPath(provider string) string { return "/payments/callback/" + provider }

// validID tells whether s is a plausible invoice, transaction or gateway
// ID: 1 to 64 ASCII letters, digits, '.', '_' or '-'.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validCurrency tells whether s looks like an ISO 4217 code.
func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, c := range []byte(s) {
		if c < 'A' || c > 'Z' {
			return false
		}
	}
	return true
}
