package bus

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
)

// Client is how egov's own modules call services over the bus: it sends
// X-Road REST requests (r1) as the subsystem Client to the member's
// consumer gateway, authenticated with the subsystem's API key, and reads
// the answers. The gateway does the rest: finding the provider's gateway,
// signing, logging. A Client is safe for concurrent use.
type Client struct {
	cfg ClientConfig
}

// ClientConfig configures a Client.
type ClientConfig struct {
	// Gateway is the base URL of the consumer gateway, e.g.
	// "http://127.0.0.1:8081".
	Gateway string
	// Client is the calling subsystem.
	Client xroad.ClientID
	// APIKey is the subsystem's key at the gateway (see APIKeys).
	APIKey string
	// HTTP sends the requests; nil means a client with Timeout.
	HTTP *http.Client
	// Timeout bounds each call when HTTP is nil; 0 means one minute.
	Timeout time.Duration
	// MaxResponseBytes bounds a response body; 0 means 10 MiB.
	MaxResponseBytes int64
}

// HeaderAPIKey carries the API key by which a local information system
// authenticates to its consumer gateway. The gateway removes it before
// forwarding: it is a secret between the two.
const HeaderAPIKey = "X-Road-Api-Key"

// CallRequest is one call of a service.
type CallRequest struct {
	// Method is the HTTP method; empty means GET.
	Method string
	// Path is the rest of the service's path, already percent-encoded,
	// starting with "/", or empty.
	Path string
	// Query is the query string's parameters.
	Query url.Values
	// Header holds further headers for the service, e.g. Accept.
	Header http.Header
	// Body is sent as it is, with ContentType; nil for none.
	Body        []byte
	ContentType string
	// ID is X-Road-Id; empty lets the gateway make one. A retry of the
	// same logical call should repeat it.
	ID string
	// UserID is X-Road-UserId: whose data the call is about, such as
	// "UZ" and a person's PINFL, which the provider's data tracker
	// records; Issue is X-Road-Issue, the purpose.
	UserID string
	Issue  string
}

// CallResponse is a provider service's answer, whatever its status.
type CallResponse struct {
	Status int
	Header http.Header
	Body   []byte
	// QueryID is the exchange's X-Road-Id, which finds it in the message
	// logs.
	QueryID string
}

// JSON decodes the body into v.
func (r *CallResponse) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("bus call: response of %s is not JSON: %w", r.QueryID, err)
	}
	return nil
}

// NewClient checks cfg and returns the client.
func NewClient(cfg ClientConfig) (*Client, error) {
	u, err := url.Parse(cfg.Gateway)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		return nil, fmt.Errorf("bus call: gateway URL %q is not an absolute http(s) URL", cfg.Gateway)
	case (xroad.Parser{}).ValidateClientID(cfg.Client) != nil || cfg.Client.Subsystem == "":
		return nil, fmt.Errorf("bus call: client %q is not a subsystem", cfg.Client)
	case cfg.APIKey == "":
		return nil, errors.New("bus call: no API key")
	}
	cfg.Gateway = strings.TrimRight(cfg.Gateway, "/")
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: cmp.Or(cfg.Timeout, time.Minute)}
	}
	cfg.MaxResponseBytes = cmp.Or(cfg.MaxResponseBytes, 10<<20)
	return &Client{cfg: cfg}, nil
}

// Call calls service with req. An answer of the service comes back as a
// *CallResponse whatever its status; a fault of a gateway (X-Road-Error)
// comes back as an *xroad.Error, and a failure to reach the consumer
// gateway as another error.
func (c *Client) Call(ctx context.Context, service xroad.ServiceID, req CallRequest) (*CallResponse, error) {
	if req.Path != "" && !strings.HasPrefix(req.Path, "/") {
		return nil, fmt.Errorf("bus call: path %q does not start with /", req.Path)
	}
	target := c.cfg.Gateway + "/r1/" + service.String() + req.Path
	if len(req.Query) > 0 {
		target += "?" + req.Query.Encode()
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	out, err := http.NewRequestWithContext(ctx, cmp.Or(req.Method, http.MethodGet), target, body)
	if err != nil {
		return nil, fmt.Errorf("bus call: %w", err)
	}
	for name, vs := range req.Header {
		out.Header[http.CanonicalHeaderKey(name)] = append([]string(nil), vs...)
	}
	if req.ContentType != "" {
		out.Header.Set("Content-Type", req.ContentType)
	}
	out.Header.Set(xroad.HeaderClient, c.cfg.Client.String())
	out.Header.Set(HeaderAPIKey, c.cfg.APIKey)
	for name, v := range map[string]string{xroad.HeaderID: req.ID, xroad.HeaderUserID: req.UserID, xroad.HeaderIssue: req.Issue} {
		if v != "" {
			out.Header.Set(name, v)
		}
	}
	resp, err := c.cfg.HTTP.Do(out)
	if err != nil {
		return nil, fmt.Errorf("bus call %s: %w", service, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("bus call %s: reading the response: %w", service, err)
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("bus call %s: response longer than %d bytes", service, c.cfg.MaxResponseBytes)
	}
	if typ := resp.Header.Get(xroad.HeaderError); typ != "" {
		e := &xroad.Error{Type: typ, RequestID: resp.Header.Get(xroad.HeaderRequestID)}
		var parsed struct{ Message, Detail string }
		if json.Unmarshal(data, &parsed) == nil {
			e.Message, e.Detail = parsed.Message, parsed.Detail
		}
		return nil, e
	}
	return &CallResponse{Status: resp.StatusCode, Header: resp.Header, Body: data, QueryID: resp.Header.Get(xroad.HeaderID)}, nil
}
