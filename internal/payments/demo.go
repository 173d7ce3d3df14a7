package payments

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// DemoName is the demo gateway's name, in its URLs and on invoices.
const DemoName = "demo"

// SignatureHeader carries the hex HMAC-SHA256 of a demo callback's exact
// body, keyed with the shared secret, as Click and Payme sign theirs.
const SignatureHeader = "X-Signature"

// minSecret is the shortest secret the demo gateway accepts, in bytes.
const minSecret = 32

// DemoConfig configures the demo gateway.
type DemoConfig struct {
	// Secret keys the callbacks' signatures; at least 32 bytes, the same
	// on every node.
	Secret []byte
	// CallbackURL is where the gateway posts callbacks: this server's
	// own base URL as reachable from itself, plus CallbackPath(DemoName).
	CallbackURL string
	// Client sends the callbacks; nil means one with a 10-second timeout.
	Client *http.Client
}

// DemoProvider is a payment gateway that runs inside egov, for
// demonstrations and tests. Its hosted page (served by
// Service.DemoRoutes) takes the payment without taking any money and, like
// a real gateway, tells egov with a signed server-to-server callback.
type DemoProvider struct {
	secret      []byte
	callbackURL string
	client      *http.Client
	clock       clock.Clock
}

// NewDemoProvider returns the demo gateway. It fails for a short secret or
// a callback URL that is not an absolute http(s) URL.
func NewDemoProvider(cfg DemoConfig, c clock.Clock) (*DemoProvider, error) {
	if len(cfg.Secret) < minSecret {
		return nil, fmt.Errorf("payments: demo gateway secret must be at least %d bytes", minSecret)
	}
	u, err := url.Parse(cfg.CallbackURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("payments: demo gateway callback URL %q is not an absolute http(s) URL", cfg.CallbackURL)
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &DemoProvider{secret: cfg.Secret, callbackURL: cfg.CallbackURL, client: client, clock: c}, nil
}

// Name returns DemoName.
func (d *DemoProvider) Name() string { return DemoName }

// Checkout returns the demo gateway's hosted page for inv, which sends the
// payer back to returnURL (a path on this site).
func (d *DemoProvider) Checkout(_ context.Context, inv Invoice, returnURL string) (string, error) {
	return demoCheckoutPath(inv.ID) + "?" + url.Values{"return": {returnURL}}.Encode(), nil
}

// demoCheckoutPath is the hosted page of invoice id.
func demoCheckoutPath(id string) string { return "/payments/demo/checkout/" + id }

// demoCallback is the body of the demo gateway's callback.
type demoCallback struct {
	InvoiceID     string    `json:"invoice_id"`
	Amount        int64     `json:"amount"`
	Currency      string    `json:"currency"`
	TransactionID string    `json:"transaction_id"`
	Status        string    `json:"status"`
	Time          time.Time `json:"time"`
}

// Verify checks the callback's signature over its exact body in constant
// time and then reads the body strictly.
func (d *DemoProvider) Verify(header http.Header, body []byte) (Notification, error) {
	sig, err := hex.DecodeString(header.Get(SignatureHeader))
	if err != nil || !hmac.Equal(sig, d.sign(body)) {
		return Notification{}, ErrSignature
	}
	return parseDemoCallback(body)
}

// sign returns the HMAC-SHA256 of body.
func (d *DemoProvider) sign(body []byte) []byte {
	m := hmac.New(sha256.New, d.secret)
	m.Write(body)
	return m.Sum(nil)
}

// parseDemoCallback reads a callback body: exactly one JSON object with
// every field of demoCallback and no other, a well-formed invoice and
// transaction ID, a positive amount, a currency code, the status "paid"
// (the only one the demo gateway sends) and a time.
func parseDemoCallback(body []byte) (Notification, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var c demoCallback
	if err := dec.Decode(&c); err != nil {
		return Notification{}, fmt.Errorf("demo callback: %w", err)
	}
	if err := dec.Decode(new(json.RawMessage)); !errors.Is(err, io.EOF) {
		return Notification{}, errors.New("demo callback: data after the JSON object")
	}
	switch {
	case !validID(c.InvoiceID):
		return Notification{}, errors.New("demo callback: bad invoice_id")
	case !validID(c.TransactionID):
		return Notification{}, errors.New("demo callback: bad transaction_id")
	case c.Amount <= 0:
		return Notification{}, errors.New("demo callback: amount must be positive")
	case !validCurrency(c.Currency):
		return Notification{}, errors.New("demo callback: bad currency")
	case c.Status != string(Paid):
		return Notification{}, errors.New("demo callback: status must be paid")
	case c.Time.IsZero():
		return Notification{}, errors.New("demo callback: time is missing")
	}
	return Notification{InvoiceID: c.InvoiceID, Amount: c.Amount, Currency: c.Currency,
		ProviderTxn: c.TransactionID, Status: Paid}, nil
}

// pay takes the payment of inv on the demo "bank" and tells egov about it
// as a real gateway does: a signed callback over HTTP. It returns an error
// unless egov acknowledged the payment. The callback is sent even if the
// payer's browser goes away meanwhile.
func (d *DemoProvider) pay(ctx context.Context, inv Invoice) error {
	body, err := json.Marshal(demoCallback{InvoiceID: inv.ID, Amount: inv.Amount, Currency: inv.Currency,
		TransactionID: "demo-" + db.NewID(), Status: string(Paid), Time: d.clock.Now()})
	if err != nil {
		return fmt.Errorf("demo payment: %w", err)
	}
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodPost, d.callbackURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("demo payment: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set(SignatureHeader, hex.EncodeToString(d.sign(body)))
	resp, err := d.client.Do(req)
	if err != nil {
		return fmt.Errorf("demo payment callback: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("demo payment callback: %s: %s", resp.Status, answer)
	}
	return nil
}
