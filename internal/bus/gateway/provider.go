package gateway

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
)

// ProviderConfig configures a Provider.
type ProviderConfig struct {
	// Directory answers which services exist and who may call them.
	Directory ProviderDirectory
	// Member is the member whose gateway this is (no subsystem): it serves
	// the services of that member's subsystems and no others.
	Member xroad.ClientID
	// Transport carries requests to the provider services; nil means
	// NewTransport(). It is called directly rather than through an
	// http.Client so that redirects reach the consumer unfollowed
	// (PR-REST 4.4) and no cookie jar keeps state between consumers.
	Transport http.RoundTripper
	// Timeout bounds each call of a provider service; 0 means
	// DefaultServiceTimeout.
	Timeout time.Duration
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Parser holds the instance's member classes.
	Parser xroad.Parser
	// Logger receives the faults, with their causes; nil discards them.
	Logger *slog.Logger
	// Security, if set, accepts requests only over mutual TLS (serve with
	// Security.ServerTLSConfig) from a gateway of the member X-Road-Client
	// names, signed by that member, and signs the responses (see
	// Security).
	Security *Security
	// Tracker, if set, records the service calls about a person (see
	// Tracker); nil records none.
	Tracker Tracker
	// Log, if set, records every response the gateway relays from a
	// service or gives to a metaservice, before relaying it, and refuses
	// messages while Log.Healthy fails; nil logs nothing.
	Log MessageLog
	// GatewayName is the name the log keys the gateway's records by;
	// required with Log.
	GatewayName string
	// MaxTimestampAge is how long records may wait for a timestamp before
	// the gateway refuses messages; 0 means DefaultMaxTimestampAge.
	MaxTimestampAge time.Duration
	// CacheTTL is how long the gateway reuses an answer of Directory (a
	// service, an access right) and of Log.Healthy (a healthy log) instead
	// of asking again for every message: a registry change or an overdue
	// message log takes effect within it. The metaservices' lists are
	// read anew each time. 0 means DefaultCacheTTL, negative asks every
	// time.
	CacheTTL time.Duration
	// Now tells the time for CacheTTL; nil means time.Now.
	Now func() time.Time
}

// Tracker records who asked about a person: bus.Tracker, the data tracker
// a person's profile page reads.
type Tracker interface {
	Record(ctx context.Context, a bus.Access) error
}

// trackTimeout bounds recording an access, which runs after the service
// answered and so outside the service's timeout.
const trackTimeout = 5 * time.Second

// Provider is the provider side of a gateway: an http.Handler for the r1
// requests that consumer gateways send it. It checks the service and the
// caller's access right, forwards the request to the service's base URL
// with the remaining path and query, and returns the service's response
// with the X-Road response headers, the request hash among them. It
// answers listMethods, allowedMethods and getOpenAPI itself.
//
// Without Security the caller's identity is what X-Road-Client says; with
// it, the consumer gateway's TLS certificate must be one of that member's
// gateways and the request signed by the member.
type Provider struct {
	cfg  ProviderConfig
	log  *slog.Logger
	logs messageLog
	bufs bodyBuffers
}

// NewProvider checks cfg and returns the handler.
func NewProvider(cfg ProviderConfig) (*Provider, error) {
	if cfg.Directory == nil {
		return nil, errors.New("bus gateway: provider needs a directory")
	}
	if err := checkSide("provider", cfg.Member, cfg.Parser, cfg.Timeout, cfg.MaxBodyBytes, cfg.Security); err != nil {
		return nil, err
	}
	ttl := ttlOf(cfg.CacheTTL, DefaultCacheTTL)
	logs, err := newMessageLog(cfg.Log, cfg.GatewayName, cfg.MaxTimestampAge, xroad.OriginServerProxy, ttl, cfg.Now)
	if err != nil {
		return nil, err
	}
	cfg.Directory = newCachedProvider(cfg.Directory, ttl, cfg.Now)
	if cfg.Transport == nil {
		cfg.Transport = NewTransport()
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultServiceTimeout)
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	return &Provider{cfg: cfg, log: orDiscard(cfg.Logger), logs: logs}, nil
}

// ServeHTTP handles one request from a consumer gateway. Every exchange
// gets a fresh X-Road-Request-Id, on its errors as on its response.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestID := db.NewID()
	if err := p.serve(w, r, requestID); err != nil {
		writeError(w, r, p.log, xroad.OriginServerProxy, requestID, err)
	}
}

// serve handles the request; when it returns an error, nothing has been
// written yet.
func (p *Provider) serve(w http.ResponseWriter, r *http.Request, requestID string) error {
	req, err := p.cfg.Parser.ParseRequest(r)
	if err != nil {
		return err
	}
	if req.Meta == xroad.MetaListClients {
		return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeUnknownService,
			"%s is answered by the consumer's own gateway", xroad.MetaListClients)
	}
	if !ownedBy(req.Service.Client, p.cfg.Member) {
		return unknownService(req.Service)
	}
	if sec := p.cfg.Security; sec != nil {
		if err := sec.checkCaller(r.Context(), r.TLS, req.Client); err != nil {
			return err
		}
	}
	if err := p.logs.healthy(r.Context()); err != nil {
		return err
	}
	ex, err := startExchange(w, r, req, p.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	// The signature is not part of what it signs, and no service sees it.
	sigs := r.Header.Values(HeaderSignature)
	r.Header.Del(HeaderSignature)
	// The hash covers the request as it arrived, before anything here
	// changes its headers.
	ex.head = requestHead(r.Method, r.RequestURI, r.Header)
	ctx, cancel := context.WithTimeout(r.Context(), p.cfg.Timeout)
	defer cancel()
	if sec := p.cfg.Security; sec != nil {
		// The signature is checked before the service sees anything, so
		// the body is read ahead.
		digest, err := ex.bufferBody(ctx)
		if err != nil {
			return p.bodyError(err)
		}
		if ex.requestSignature, err = sec.verify(ctx, xroad.OriginServerProxy, req.Client,
			xroad.RequestHash(ex.head, digest), sigs); err != nil {
			return err
		}
	}
	if req.Meta != xroad.MetaNone {
		return p.serveMeta(ctx, w, ex, requestID)
	}
	return p.forward(ctx, w, r, ex, requestID)
}

// forward calls the provider service and relays its response.
func (p *Provider) forward(ctx context.Context, w http.ResponseWriter, r *http.Request, ex *exchange, requestID string) error {
	req := ex.req
	svc, err := p.cfg.Directory.Service(ctx, req.Service)
	if err != nil {
		return p.directoryError(err, req.Service)
	}
	// The registry matches endpoints against absolute paths; a call of the
	// service's root is a call of "/".
	ok, err := p.cfg.Directory.Allowed(ctx, req.Client, req.Service, req.Method, cmp.Or(req.ServicePath, "/"))
	if err != nil {
		return p.directoryError(err, req.Service)
	}
	if !ok {
		return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeAccessDenied,
			"client %s is not allowed to call %s %s of service %s", req.Client, req.Method, cmp.Or(req.ServicePath, "/"), req.Service)
	}
	target, err := serviceURL(svc.BaseURL, req)
	if err != nil {
		return failf(err, xroad.OriginServerProxy, xroad.CodeInternalError, "the service's address is invalid")
	}
	out, err := http.NewRequestWithContext(ctx, req.Method, svc.BaseURL, ex.outBody())
	if err != nil {
		return failf(err, xroad.OriginServerProxy, xroad.CodeInternalError, "the service's address is invalid")
	}
	out.URL = target
	if ex.body != nil {
		out.ContentLength = r.ContentLength
		if ex.isBuffered {
			out.ContentLength = int64(len(ex.buffered))
		}
	}
	out.Header = forwardHeaders(r.Header)
	setRequestXRoad(out.Header, ex)
	out.Header.Set(xroad.HeaderService, req.Service.String())
	out.Header.Set(xroad.HeaderRequestID, requestID)

	resp, err := p.cfg.Transport.RoundTrip(out)
	if err != nil {
		switch {
		case tooLarge(err):
			return bodyTooLarge(p.cfg.MaxBodyBytes)
		case dialFailed(err):
			return failf(err, xroad.OriginServerProxy, xroad.CodeNetworkError, "cannot connect to the provider service")
		}
		return failf(err, xroad.OriginServerProxy, xroad.CodeServiceFailed, "the provider service did not answer")
	}
	defer resp.Body.Close()
	p.track(r.Context(), ex)
	digest, err := ex.bodyDigest(ctx)
	if err != nil {
		return p.bodyError(err)
	}
	ex.requestHash = xroad.RequestHash(ex.head, digest)
	h := w.Header()
	copyHeaders(h, resp.Header)
	// The service must not speak for the gateway (PR-REST 4.3): its own
	// X-Road response headers are replaced, and an X-Road-Error of its
	// making would pass its failure off as the bus's.
	for _, name := range []string{xroad.HeaderClient, xroad.HeaderService, xroad.HeaderID, xroad.HeaderRequestID,
		xroad.HeaderRequestHash, xroad.HeaderError, HeaderSignature} {
		h.Del(name)
	}
	setResponseXRoad(h, ex, requestID)
	if p.cfg.Security == nil {
		if err := p.logs.record(ctx, ex, resp.StatusCode); err != nil {
			clear(h)
			return err
		}
		w.WriteHeader(resp.StatusCode)
		relayBody(w, r, p.log, resp.Body)
		return nil
	}
	buf := p.bufs.get()
	defer p.bufs.put(buf)
	body, err := readLimited(buf, resp.Body, resp.ContentLength, p.cfg.MaxBodyBytes)
	if err != nil {
		clear(h)
		return failf(err, xroad.OriginServerProxy, xroad.CodeServiceFailed, "the provider service's response could not be read whole")
	}
	return p.writeSigned(ctx, w, ex, resp.StatusCode, body)
}

// track records, with the Tracker, that the exchange ex reached its service
// on behalf of the person its X-Road-UserId names, if it names one. The
// service has answered by then, so a failure here is only logged: the
// consumer still gets the answer. The recording outlives the consumer
// hanging up, since the service has been called all the same.
func (p *Provider) track(ctx context.Context, ex *exchange) {
	if p.cfg.Tracker == nil {
		return
	}
	pinfl, ok := bus.PINFLOf(ex.req.UserID)
	if !ok {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), trackTimeout)
	defer cancel()
	if err := p.cfg.Tracker.Record(ctx, bus.Access{PINFL: pinfl, Client: ex.req.Client.String(),
		Service: ex.req.Service.String(), Issue: ex.req.Issue, QueryID: ex.id}); err != nil {
		p.log.ErrorContext(ctx, "bus gateway: recording a data access failed", "query_id", ex.id,
			"client", ex.req.Client.String(), "service", ex.req.Service.String(), "err", err)
	}
}

// writeSigned sends a response with Security: signed by the member over
// its status, headers and body (see responseHash), and recorded in the
// message log before it is sent. The body was read
// whole, so the headers are final: none is added by sniffing.
func (p *Provider) writeSigned(ctx context.Context, w http.ResponseWriter, ex *exchange, status int, body []byte) error {
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	ex.responseHash = responseHash(status, h, body)
	sig, err := p.cfg.Security.sign(ctx, ex.responseHash)
	if err != nil {
		clear(h)
		return failf(err, xroad.OriginServerProxy, xroad.CodeInternalError, "signing the response failed")
	}
	ex.responseSignature = sig
	if err := p.logs.record(ctx, ex, status); err != nil {
		clear(h)
		return err
	}
	h.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	// The body is whole: its length goes ahead of it rather than chunks.
	// An empty one keeps the header as it came (a HEAD's, or none).
	if len(body) > 0 {
		h.Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// serviceURL is where a request goes: the service's base URL with the
// request's service path appended and its query, both exactly as the
// consumer encoded them (PR-REST 4.1, 4.5). The path is set as the URL's
// opaque part so that no re-encoding can alter it.
func serviceURL(baseURL string, req *xroad.Request) (*url.URL, error) {
	base, err := url.Parse(baseURL)
	if err != nil {
		return nil, err
	}
	path := base.EscapedPath()
	if req.ServicePath != "" {
		path = strings.TrimSuffix(path, "/") + req.ServicePath
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	return &url.URL{Scheme: base.Scheme, Host: base.Host, Opaque: path, RawQuery: req.RawQuery}, nil
}

// serveMeta answers listMethods, allowedMethods and getOpenAPI for one of
// the member's subsystems (PR-MREST 4, 5). Their responses carry the
// X-Road response headers like any service's, so the consumer gateway
// checks them alike.
func (p *Provider) serveMeta(ctx context.Context, w http.ResponseWriter, ex *exchange, requestID string) error {
	req := ex.req
	provider := req.Service.Client
	var body []byte
	switch req.Meta {
	case xroad.MetaListMethods, xroad.MetaAllowedMethods:
		services, err := p.cfg.Directory.Services(ctx, provider)
		if err != nil {
			return p.directoryError(err, req.Service)
		}
		list := serviceList{Service: []serviceEntry{}}
		for _, s := range services {
			eps := describedEndpoints(s)
			if req.Meta == xroad.MetaAllowedMethods {
				if eps, err = p.cfg.Directory.AllowedMethods(ctx, req.Client, s.Service); err != nil {
					return p.directoryError(err, s.Service)
				}
				if len(eps) == 0 {
					continue
				}
			}
			list.Service = append(list.Service, serviceEntryOf(s, eps))
		}
		if body, err = json.Marshal(list); err != nil {
			return err
		}
	case xroad.MetaGetOpenAPI:
		id := xroad.ServiceID{Client: provider, ServiceCode: req.OpenAPIServiceCode}
		s, err := p.cfg.Directory.Service(ctx, id)
		if err != nil {
			return p.directoryError(err, id)
		}
		if s.OpenAPI == nil {
			return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeUnknownService, "service %s has no OpenAPI description", id)
		}
		body = s.OpenAPI
	}
	// A metaservice reads no body; whatever came is still hashed.
	_ = ex.outBody().Close()
	digest, err := ex.bodyDigest(ctx)
	if err != nil {
		return p.bodyError(err)
	}
	ex.requestHash = xroad.RequestHash(ex.head, digest)
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	setResponseXRoad(h, ex, requestID)
	if p.cfg.Security != nil {
		return p.writeSigned(ctx, w, ex, http.StatusOK, body)
	}
	if err := p.logs.record(ctx, ex, http.StatusOK); err != nil {
		clear(h)
		return err
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// setResponseXRoad sets the X-Road headers of a response (PR-REST 4.3),
// binding it to the request by the request hash, which must have been
// computed.
func setResponseXRoad(h http.Header, ex *exchange, requestID string) {
	h.Set(xroad.HeaderClient, ex.req.Client.String())
	h.Set(xroad.HeaderService, ex.req.Service.String())
	h.Set(xroad.HeaderID, ex.id)
	h.Set(xroad.HeaderRequestID, requestID)
	h.Set(xroad.HeaderRequestHash, ex.requestHash)
}

// directoryError turns a registry failure into the protocol's error: an
// unknown service, or registryError.
func (p *Provider) directoryError(err error, id xroad.ServiceID) error {
	if apperr.Is(err, apperr.ENOTFOUND) {
		return unknownService(id)
	}
	return registryError(err, xroad.OriginServerProxy)
}

// bodyError classifies a failure to read the request body to its end.
func (p *Provider) bodyError(err error) error {
	if tooLarge(err) {
		return bodyTooLarge(p.cfg.MaxBodyBytes)
	}
	return failf(err, xroad.OriginServerProxy, xroad.CodeNetworkError, "reading the request body failed")
}

func unknownService(id xroad.ServiceID) *xroad.Error {
	return xroad.Errorf(xroad.OriginServerProxy, xroad.CodeUnknownService, "unknown service %s", id)
}
