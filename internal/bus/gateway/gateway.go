// Package gateway is the message flow of egov's exchange-bus gateways, the
// counterpart of X-Road's security servers, speaking the X-Road Message
// Protocol for REST (r1):
//
//	local information system -> Consumer -> Provider -> provider service
//
// The [Consumer] handler faces a member's own information systems: it
// authenticates them, finds the provider's gateway in the registry and
// forwards their requests to it, and checks that the answer is bound to the
// request it sent (X-Road-Request-Hash). The [Provider] handler faces other
// members' gateways: it checks access rights, calls the provider service and
// answers the metaservices listMethods, allowedMethods and getOpenAPI.
//
// Without Security the hop between the two gateways is plain HTTP. With it
// (ConsumerConfig.Security, ProviderConfig.Security) the gateways speak
// mutual TLS with their registered gateway-auth certificates, the consumer
// signs the request hash and the provider the response (HeaderSignature),
// and each side verifies the other's; the signatures stay on the exchange
// for the message log.
//
// Every message is signed and verified, and recorded in the message log
// before its answer is relayed; what a gateway asks about the message's
// parties is reused for a short, bounded time instead of being asked again
// for each message: the registry's answers, API keys and the log's health
// for DefaultCacheTTL, the verdict on a peer's certificate (chain and
// revocation status) for DefaultCertificateTTL. A registry change or a
// revocation takes effect on the gateways within those times.
package gateway

import (
	"bytes"
	"context"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/db"
)

// Defaults for the limits of both handlers.
const (
	// DefaultServiceTimeout bounds a provider gateway's call of a provider
	// service, from connecting to the end of the response body.
	DefaultServiceTimeout = 30 * time.Second
	// DefaultExchangeTimeout bounds a consumer gateway's exchange with a
	// provider gateway. It exceeds DefaultServiceTimeout so that, when a
	// service hangs, the consumer receives the provider gateway's
	// ServiceFailed instead of giving up first.
	DefaultExchangeTimeout = 2 * DefaultServiceTimeout
	// DefaultMaxBodyBytes bounds a request body. PR-REST 3.1 recommends a
	// configurable maximum message size; larger bodies are refused.
	DefaultMaxBodyBytes = 10 << 20
	// dialTimeout bounds connecting, so that an unreachable host is told
	// from a slow service before the exchange's timeout runs out.
	dialTimeout = 10 * time.Second
)

// HeaderAPIKey is bus.HeaderAPIKey, which the consumer side checks and
// removes before forwarding.
const HeaderAPIKey = bus.HeaderAPIKey

// ProviderDirectory is what the provider side needs from the registry:
// services with their base URLs and descriptions, and access rights.
// *bus.Registry satisfies it; a gateway away from the central registry will
// answer it from the downloaded global configuration.
type ProviderDirectory interface {
	Service(ctx context.Context, id xroad.ServiceID) (*bus.Service, error)
	Services(ctx context.Context, provider xroad.ClientID) ([]*bus.Service, error)
	Allowed(ctx context.Context, client xroad.ClientID, service xroad.ServiceID, method, path string) (bool, error)
	AllowedMethods(ctx context.Context, client xroad.ClientID, service xroad.ServiceID) ([]bus.Endpoint, error)
}

// ConsumerDirectory is what the consumer side needs from the registry: the
// gateways to send requests to and the clients listClients lists.
// *bus.Registry satisfies it.
type ConsumerDirectory interface {
	Gateways(ctx context.Context) ([]bus.Gateway, error)
	ListClients(ctx context.Context) ([]bus.ListedClient, error)
}

// NewTransport returns the transport the gateways use when none is
// configured: no proxy from the environment (a gateway must reach exactly
// the address the registry gives), a bounded connect time so an unreachable
// host is reported as a network error, and no transparent compression, so
// that the gateway relays the response as the service sent it.
func NewTransport() *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// exchange is one request passing a gateway: the request as parsed, the
// identifiers it carries, what the request hash covers, and the hashes and
// signatures that the message log records.
type exchange struct {
	req *xroad.Request
	// id is X-Road-Id: the consumer's own, or one the gateway generated.
	id string
	// head is the request head the hash covers; see requestHead.
	head []byte
	// body reads and digests the request body; nil when there is none.
	// size is the length the request declares, -1 if unknown.
	body *digestBody
	size int64
	// buffered and digest are the whole body and its digest once
	// bufferBody has read it ahead, for signing or verifying; isBuffered
	// tells that it has.
	buffered   []byte
	digest     []byte
	isBuffered bool
	// requestSignature and responseSignature are the DER signatures of
	// the request hash and of the response hash (see HeaderSignature),
	// made or verified here, for the message log; nil without Security.
	requestSignature  []byte
	responseSignature []byte
	// requestHash is X-Road-Request-Hash once the body has been read to
	// its end; responseHash is the hash the response signature covers
	// (see responseHash), empty without Security.
	requestHash  string
	responseHash string
}

// unhashedHeaders are the headers a transport may add, drop or rewrite on
// its own between the consumer gateway and the provider gateway (PR-REST
// 4.3: Content-Length may change with the transfer encoding, Expect is
// handled hop by hop, and Go's transport negotiates Accept-Encoding when
// the request has none), so the request hash must not depend on them.
var unhashedHeaders = []string{"Content-Length", "Expect", "Accept-Encoding"}

// requestHead is the request head the request hash covers, as
// xroad.MessageHead serialises it: the method, the raw request target and
// the end-to-end headers, that is without the hop-by-hop ones and
// unhashedHeaders. The consumer gateway computes it over what it sends and
// the provider gateway over what it receives; both arrive at the same bytes.
func requestHead(method, target string, h http.Header) []byte {
	c := h.Clone()
	xroad.RemoveHopByHop(c)
	for _, name := range unhashedHeaders {
		c.Del(name)
	}
	return xroad.MessageHead(method, target, c)
}

// forwardHeaders returns the headers of an incoming request prepared for
// the next hop: without hop-by-hop, X-Road and unhashedHeaders, and with
// Go's default User-Agent suppressed, since the protocol filters headers
// that reveal the sending host. The caller adds the X-Road headers it
// vouches for.
func forwardHeaders(in http.Header) http.Header {
	h := in.Clone()
	if h == nil {
		h = http.Header{}
	}
	xroad.StripRequestHeaders(h)
	// The next transport sets Content-Length itself and answers Expect on
	// its own hop; Accept-Encoding is the consumer's and passes.
	h.Del("Content-Length")
	h.Del("Expect")
	h["User-Agent"] = []string{""}
	return h
}

// setRequestXRoad sets the X-Road headers of a request going to the next
// hop from the validated request and the exchange's identifiers.
func setRequestXRoad(h http.Header, ex *exchange) {
	req := ex.req
	h.Set(xroad.HeaderClient, req.Client.String())
	h.Set(xroad.HeaderID, ex.id)
	if req.UserID != "" {
		h.Set(xroad.HeaderUserID, req.UserID)
	}
	if req.Issue != "" {
		h.Set(xroad.HeaderIssue, req.Issue)
	}
	if req.RepresentedParty != nil {
		h.Set(xroad.HeaderRepresentedParty, req.RepresentedParty.String())
	}
}

// digestBody passes a request body on to a transport while computing its
// SHA-512 for the request hash. The transport may still read it after
// RoundTrip returns, and may stop before its end; finish waits for the
// transport to close it and then digests the rest, so the hash always
// covers the whole body.
type digestBody struct {
	// mu serialises reads: a transport may close the body while one of
	// its reads is still under way.
	mu     sync.Mutex
	r      io.Reader
	h      hash.Hash
	n      int64
	closed chan struct{}
	once   sync.Once
}

// newDigestBody reads r, which the caller has limited in size.
func newDigestBody(r io.Reader) *digestBody {
	return &digestBody{r: r, h: sha512.New(), closed: make(chan struct{})}
}

// Read reads from the body and adds what it read to the digest.
func (b *digestBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.r.Read(p)
	b.h.Write(p[:n])
	b.n += int64(n)
	return n, err
}

// Close tells finish that the transport is done with the body. The
// underlying body belongs to the server, which closes it.
func (b *digestBody) Close() error {
	b.once.Do(func() { close(b.closed) })
	return nil
}

// finish waits until the transport has closed the body, reads what it left
// unread and returns the body's SHA-512, or nil if the body was empty, as
// xroad.RequestHash takes it.
func (b *digestBody) finish(ctx context.Context) ([]byte, error) {
	select {
	case <-b.closed:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if _, err := io.Copy(io.Discard, b); err != nil {
		return nil, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.n == 0 {
		return nil, nil
	}
	return b.h.Sum(nil), nil
}

// startExchange gives a parsed request its X-Road-Id and wraps its body,
// limited to max bytes, for digesting; the caller sets the head. A declared
// length over max is refused at once; a streamed body that grows beyond it
// fails when read with an *http.MaxBytesError, which tooLarge recognises.
func startExchange(w http.ResponseWriter, r *http.Request, req *xroad.Request, max int64) (*exchange, error) {
	if r.ContentLength > max {
		return nil, bodyTooLarge(max)
	}
	ex := &exchange{req: req, id: req.ID, size: r.ContentLength}
	if ex.id == "" {
		ex.id = db.NewID()
	}
	if r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0 {
		ex.body = newDigestBody(http.MaxBytesReader(w, r.Body, max))
	}
	return ex, nil
}

// outBody returns the body to send to the next hop, as http.Request.Body
// wants it.
func (ex *exchange) outBody() io.ReadCloser {
	if ex.isBuffered {
		return io.NopCloser(bytes.NewReader(ex.buffered))
	}
	if ex.body == nil {
		return http.NoBody
	}
	return ex.body
}

// bodyDigest finishes reading the request body; nil for none.
func (ex *exchange) bodyDigest(ctx context.Context) ([]byte, error) {
	if ex.isBuffered {
		return ex.digest, nil
	}
	if ex.body == nil {
		return nil, nil
	}
	return ex.body.finish(ctx)
}

func bodyTooLarge(max int64) *xroad.Error {
	return xroad.Errorf(xroad.OriginClient, xroad.CodeBadRequest, "request body is larger than %d bytes", max)
}

// tooLarge reports whether err comes from a body over its limit.
func tooLarge(err error) bool {
	var e *http.MaxBytesError
	return errors.As(err, &e)
}

// dialFailed reports whether err happened while connecting, before
// anything was sent: the peer is down or unreachable.
func dialFailed(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// fault is a protocol error together with its internal cause, which is
// logged but never sent.
type fault struct {
	e     *xroad.Error
	cause error
}

func (f *fault) Error() string   { return f.e.Error() + ": " + f.cause.Error() }
func (f *fault) Unwrap() []error { return []error{f.e, f.cause} }

// failf returns a fault of type origin.code with its cause.
func failf(cause error, origin xroad.Origin, code xroad.Code, format string, args ...any) error {
	return &fault{e: xroad.Errorf(origin, code, format, args...), cause: cause}
}

// writeError answers r with the protocol error err carries, or with
// origin.InternalError for any other error. It gives the answer a unique
// Detail, as X-Road does, and logs it with the cause, so that an operator
// can find the one from the other.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, origin xroad.Origin, requestID string, err error) {
	var pe *xroad.Error
	out := xroad.Errorf(origin, xroad.CodeInternalError, "internal error")
	if errors.As(err, &pe) {
		out = &xroad.Error{Type: pe.Type, Message: pe.Message}
	}
	out.Detail, out.RequestID = db.NewID(), requestID
	level := slog.LevelWarn
	if out.Status() < http.StatusInternalServerError {
		level = slog.LevelInfo
	}
	log.LogAttrs(r.Context(), level, "bus gateway error", slog.String("type", out.Type), slog.String("detail", out.Detail),
		slog.String("method", r.Method), slog.String("target", r.RequestURI), slog.String("request_id", requestID),
		slog.Any("err", err))
	xroad.WriteError(w, out)
}

// copyHeaders adds src to dst without the hop-by-hop headers.
func copyHeaders(dst, src http.Header) {
	src = src.Clone()
	xroad.RemoveHopByHop(src)
	for name, vs := range src {
		dst[name] = append(dst[name], vs...)
	}
}

// relayBody copies a response body to the client after the headers were
// sent; a failure can only be logged, the status being on its way.
func relayBody(w http.ResponseWriter, r *http.Request, log *slog.Logger, body io.Reader) {
	if _, err := io.Copy(w, body); err != nil {
		log.LogAttrs(r.Context(), slog.LevelWarn, "bus gateway: response body cut short",
			slog.String("target", r.RequestURI), slog.Any("err", err))
	}
}

// orDiscard returns log, or a logger that drops everything if it is nil.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}

// registryError is the protocol's error for a failure to read the
// registry: OutdatedGlobalConf when a gateway working from the global
// configuration holds no valid one, else DatabaseError. The cause is only
// logged.
func registryError(err error, origin xroad.Origin) error {
	if pe := globalconf.ProtocolError(err, origin); pe != nil {
		return &fault{e: pe, cause: err}
	}
	return failf(err, origin, xroad.CodeDatabaseError, "reading the registry failed")
}

// checkSide checks the settings both sides of a gateway share: the member
// it serves (no subsystem), the limits, and the security if any.
func checkSide(side string, member xroad.ClientID, p xroad.Parser, timeout time.Duration, maxBody int64, sec *Security) error {
	switch {
	case member.Subsystem != "" || p.ValidateClientID(member) != nil:
		return fmt.Errorf("bus gateway: %s needs a valid member identifier without a subsystem", side)
	case timeout < 0 || maxBody < 0:
		return errors.New("bus gateway: negative timeout or body limit")
	case sec != nil:
		return sec.check()
	}
	return nil
}
