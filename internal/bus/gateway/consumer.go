package gateway

import (
	"bytes"
	"cmp"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// LocalClients authenticates the member's own information systems to the
// consumer gateway, by API key or by a registered TLS client certificate
// (see Security.ConsumerTLSConfig). *bus.APIKeys satisfies it.
type LocalClients interface {
	// ByAPIKey returns the subsystem the API key is bound to; ok is false
	// when no subsystem holds the key.
	ByAPIKey(ctx context.Context, key string) (client xroad.ClientID, ok bool, err error)
	// ByCertificate returns the subsystem the TLS client certificate is
	// registered for; ok is false when it is not registered.
	ByCertificate(ctx context.Context, cert *x509.Certificate) (client xroad.ClientID, ok bool, err error)
}

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	// Directory finds the provider gateways and lists the clients.
	Directory ConsumerDirectory
	// Member is the member whose gateway this is (no subsystem): only its
	// subsystems may send requests through it.
	Member xroad.ClientID
	// LocalClients authenticates the information systems of Member.
	LocalClients LocalClients
	// Transport carries requests to provider gateways; nil means
	// NewTransport(), or Security.ClientTransport() with Security.
	Transport http.RoundTripper
	// Timeout bounds each exchange with a provider gateway; 0 means
	// DefaultExchangeTimeout.
	Timeout time.Duration
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// Parser holds the instance's member classes.
	Parser xroad.Parser
	// Logger receives the faults, with their causes; nil discards them.
	Logger *slog.Logger
	// Security, if set, sends requests over mutual TLS to the provider
	// gateway whose AuthSerial the registry gives, signs them and accepts
	// only responses signed by the provider member (see Security).
	Security *Security
	// Log, if set, records every response the gateway relays from a
	// provider gateway, a provider gateway's own error among them, before
	// relaying it, and refuses requests while Log.Healthy fails; nil logs
	// nothing.
	Log MessageLog
	// GatewayName is the name the log keys the gateway's records by;
	// required with Log.
	GatewayName string
	// MaxTimestampAge is how long records may wait for a timestamp before
	// the gateway refuses requests; 0 means DefaultMaxTimestampAge.
	MaxTimestampAge time.Duration
	// CacheTTL is how long the gateway reuses an answer of Directory (the
	// gateways), of LocalClients (a key found) and of Log.Healthy (a
	// healthy log) instead of asking again for every request: a registry
	// change, a revoked API key or an overdue message log takes effect
	// within it. 0 means DefaultCacheTTL, negative asks every time.
	CacheTTL time.Duration
	// Now tells the time for CacheTTL; nil means time.Now.
	Now func() time.Time
}

// Consumer is the consumer side of a gateway: an http.Handler for the r1
// requests of the member's own information systems. It authenticates the
// caller as the subsystem X-Road-Client names, sends the request to the
// provider's gateway found in the registry, and relays the response only
// if its X-Road-Request-Hash matches the request it sent. It answers
// listClients itself.
type Consumer struct {
	cfg  ConsumerConfig
	log  *slog.Logger
	logs messageLog
	bufs bodyBuffers
}

// NewConsumer checks cfg and returns the handler.
func NewConsumer(cfg ConsumerConfig) (*Consumer, error) {
	if cfg.Directory == nil || cfg.LocalClients == nil {
		return nil, errors.New("bus gateway: consumer needs a directory and local clients")
	}
	if err := checkSide("consumer", cfg.Member, cfg.Parser, cfg.Timeout, cfg.MaxBodyBytes, cfg.Security); err != nil {
		return nil, err
	}
	if cfg.Security != nil && cfg.Transport == nil {
		cfg.Transport = cfg.Security.ClientTransport()
	}
	ttl := ttlOf(cfg.CacheTTL, DefaultCacheTTL)
	logs, err := newMessageLog(cfg.Log, cfg.GatewayName, cfg.MaxTimestampAge, xroad.OriginClientProxy, ttl, cfg.Now)
	if err != nil {
		return nil, err
	}
	cfg.Directory = newCachedConsumer(cfg.Directory, ttl, cfg.Now)
	cfg.LocalClients = newCachedClients(cfg.LocalClients, ttl, cfg.Now)
	if cfg.Transport == nil {
		cfg.Transport = NewTransport()
	}
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultExchangeTimeout)
	cfg.MaxBodyBytes = cmp.Or(cfg.MaxBodyBytes, DefaultMaxBodyBytes)
	return &Consumer{cfg: cfg, log: orDiscard(cfg.Logger), logs: logs}, nil
}

// ServeHTTP handles one request of a local information system.
func (c *Consumer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := c.serve(w, r); err != nil {
		writeError(w, r, c.log, xroad.OriginClientProxy, "", err)
	}
}

// serve handles the request; when it returns an error, nothing has been
// written yet.
func (c *Consumer) serve(w http.ResponseWriter, r *http.Request) error {
	req, err := c.cfg.Parser.ParseRequest(r)
	if err != nil {
		return err
	}
	if req.Meta == xroad.MetaListClients {
		return c.listClients(w, r, req)
	}
	if err := c.authenticate(r, req.Client); err != nil {
		return err
	}
	if err := c.logs.healthy(r.Context()); err != nil {
		return err
	}
	gws, err := c.providerGateways(r.Context(), req)
	if err != nil {
		return err
	}
	ex, err := startExchange(w, r, req, c.cfg.MaxBodyBytes)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(r.Context(), c.cfg.Timeout)
	defer cancel()
	scheme := "http://"
	if c.cfg.Security != nil {
		scheme = "https://"
		if _, err := ex.bufferBody(ctx); err != nil {
			if tooLarge(err) {
				return bodyTooLarge(c.cfg.MaxBodyBytes)
			}
			return failf(err, xroad.OriginClientProxy, xroad.CodeNetworkError, "reading the request body failed")
		}
	}
	var resp *http.Response
	var gw *bus.Gateway
	for i := range gws {
		gw = gws[i]
		resp, err = c.send(ctx, r, req, ex, gw, scheme)
		if err == nil || i == len(gws)-1 || !retriable(ex, err) {
			break
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "bus gateway: provider gateway unreachable, trying the member's next",
			slog.String("gateway", gw.Name), slog.String("member", gw.Member.String()), slog.Any("err", err))
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	digest, err := ex.bodyDigest(ctx)
	if err != nil {
		if tooLarge(err) {
			return bodyTooLarge(c.cfg.MaxBodyBytes)
		}
		return failf(err, xroad.OriginClientProxy, xroad.CodeNetworkError, "reading the request body failed")
	}
	ex.requestHash = xroad.RequestHash(ex.head, digest)
	if err := checkResponse(resp, ex, digest); err != nil {
		return err
	}
	if c.cfg.Security == nil {
		if err := c.logs.record(ctx, ex, resp.StatusCode); err != nil {
			return err
		}
		copyHeaders(w.Header(), resp.Header)
		w.WriteHeader(resp.StatusCode)
		relayBody(w, r, c.log, resp.Body)
		return nil
	}
	buf := c.bufs.get()
	defer c.bufs.put(buf)
	body, err := c.verifyResponse(ctx, resp, ex, gw, buf)
	if err != nil {
		return err
	}
	if err := c.logs.record(ctx, ex, resp.StatusCode); err != nil {
		return err
	}
	copyHeaders(w.Header(), resp.Header)
	w.Header().Del(HeaderSignature)
	// The body is whole: its length goes ahead of it rather than chunks.
	// An empty one keeps the header as it came (a HEAD's, or none).
	if len(body) > 0 {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
	return nil
}

// send sends the exchange ex, signed with Security, to the provider
// gateway gw and returns its response.
func (c *Consumer) send(ctx context.Context, r *http.Request, req *xroad.Request, ex *exchange, gw *bus.Gateway, scheme string) (*http.Response, error) {
	out, err := http.NewRequestWithContext(ctx, req.Method, scheme+gw.Address+"/", ex.outBody())
	if err != nil {
		return nil, failf(err, xroad.OriginClientProxy, xroad.CodeInternalError, "the provider gateway's address is invalid")
	}
	// The request target goes on exactly as the client wrote it: the
	// provider gateway parses it again, and the hash covers it.
	path, _, hasQuery := strings.Cut(r.RequestURI, "?")
	out.URL.Opaque, out.URL.RawQuery, out.URL.ForceQuery = path, req.RawQuery, hasQuery && req.RawQuery == ""
	if ex.body != nil {
		out.ContentLength = r.ContentLength
		if ex.isBuffered {
			out.ContentLength = int64(len(ex.buffered))
		}
	}
	out.Header = forwardHeaders(r.Header)
	out.Header.Del(HeaderAPIKey)
	out.Header.Del(HeaderSignature)
	setRequestXRoad(out.Header, ex)
	ex.head = requestHead(out.Method, out.URL.RequestURI(), out.Header)
	if c.cfg.Security != nil {
		sig, err := c.cfg.Security.sign(ctx, xroad.RequestHash(ex.head, ex.digest))
		if err != nil {
			return nil, failf(err, xroad.OriginClientProxy, xroad.CodeInternalError, "signing the request failed")
		}
		ex.requestSignature = sig
		out.Header.Set(HeaderSignature, base64.StdEncoding.EncodeToString(sig))
	}

	resp, err := c.cfg.Transport.RoundTrip(out)
	if err != nil {
		switch {
		case tooLarge(err):
			return nil, bodyTooLarge(c.cfg.MaxBodyBytes)
		case c.cfg.Security != nil && tlsFailed(err):
			return nil, failf(err, xroad.OriginClientProxy, xroad.CodeSSLAuthenticationFailed,
				"TLS authentication with gateway %s of member %s failed", gw.Name, gw.Member)
		}
		return nil, failf(err, xroad.OriginClientProxy, xroad.CodeNetworkError, "cannot reach gateway %s of member %s", gw.Name, gw.Member)
	}
	return resp, nil
}

// retriable tells whether an exchange that failed with err may go to the
// member's next gateway: nothing reached the failed one (it could not be
// connected to), and the body can be sent again (there is none, or it was
// read ahead for the signature).
func retriable(ex *exchange, err error) bool {
	var f *fault
	return errors.As(err, &f) && dialFailed(f.cause) && (ex.body == nil || ex.isBuffered)
}

// verifyResponse checks, with Security, that the response came from the
// gateway the registry gives for the provider (its TLS certificate's
// serial is the gateway's AuthSerial) and, unless it is a gateway error,
// that it is signed by the provider member; it returns the body, read
// whole into buf to check the signature before any of it is relayed.
func (c *Consumer) verifyResponse(ctx context.Context, resp *http.Response, ex *exchange, gw *bus.Gateway, buf *bytes.Buffer) ([]byte, error) {
	if serial := peerSerial(resp.TLS); serial == "" || serial != gw.AuthSerial {
		return nil, xroad.Errorf(xroad.OriginClientProxy, xroad.CodeSSLAuthenticationFailed,
			"gateway %s of member %s did not authenticate with its registered certificate", gw.Name, gw.Member)
	}
	// The connection may be older than a revocation of the certificate.
	peers := resp.TLS.PeerCertificates
	if err := c.cfg.Security.Trust.verifyCert(ctx, peers[0], peers[1:], x509.ExtKeyUsageServerAuth); err != nil {
		return nil, failf(err, xroad.OriginClientProxy, xroad.CodeSSLAuthenticationFailed,
			"the TLS certificate of gateway %s of member %s is not valid", gw.Name, gw.Member)
	}
	body, err := readLimited(buf, resp.Body, resp.ContentLength, c.cfg.MaxBodyBytes)
	if err != nil {
		return nil, failf(err, xroad.OriginClientProxy, xroad.CodeNetworkError, "reading the provider gateway's response failed")
	}
	if gatewayError(resp) {
		return body, nil
	}
	hash := responseHash(resp.StatusCode, resp.Header, body)
	sig, err := c.cfg.Security.verify(ctx, xroad.OriginClientProxy, ex.req.Service.Client,
		hash, resp.Header.Values(HeaderSignature))
	if err != nil {
		return nil, err
	}
	ex.responseHash, ex.responseSignature = hash, sig
	return body, nil
}

// gatewayError tells whether resp is a provider gateway's own protocol
// error, which carries neither request hash nor signature.
func gatewayError(resp *http.Response) bool {
	return resp.Header.Get(xroad.HeaderError) != "" &&
		(resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusInternalServerError)
}

// authenticate checks that the request comes from the information system
// of client, a subsystem of the gateway's member: the API key must be
// given once and be bound to exactly that subsystem.
func (c *Consumer) authenticate(r *http.Request, client xroad.ClientID) error {
	var (
		holder xroad.ClientID
		ok     bool
		err    error
		what   = "the API key"
	)
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		what = "the client certificate"
		holder, ok, err = c.cfg.LocalClients.ByCertificate(r.Context(), r.TLS.PeerCertificates[0])
	} else {
		keys := r.Header.Values(HeaderAPIKey)
		if len(keys) != 1 || keys[0] == "" {
			return xroad.Errorf(xroad.OriginClient, xroad.CodeAccessDenied,
				"the information system must authenticate with one %s header or a client certificate", HeaderAPIKey)
		}
		holder, ok, err = c.cfg.LocalClients.ByAPIKey(r.Context(), keys[0])
	}
	switch {
	case err != nil:
		return failf(err, xroad.OriginClientProxy, xroad.CodeInternalError, "authenticating the information system failed")
	case !ok:
		return xroad.Errorf(xroad.OriginClient, xroad.CodeAccessDenied, "%s is not registered", what)
	case client.Subsystem == "" || !ownedBy(client, c.cfg.Member):
		return xroad.Errorf(xroad.OriginClient, xroad.CodeAccessDenied,
			"client %s is not a subsystem of member %s, which this gateway serves", client, c.cfg.Member)
	case holder != client:
		return xroad.Errorf(xroad.OriginClient, xroad.CodeAccessDenied, "%s is not one of client %s", what, client)
	}
	return nil
}

// providerGateways finds the gateways of the service's member to try in
// order: the one X-Road-Security-Server names if it is given, else all of
// the member's by name, so that the next takes over when one cannot be
// reached.
func (c *Consumer) providerGateways(ctx context.Context, req *xroad.Request) ([]*bus.Gateway, error) {
	gateways, err := c.cfg.Directory.Gateways(ctx)
	if err != nil {
		return nil, registryError(err, xroad.OriginClientProxy)
	}
	member := req.Service.Client
	member.Subsystem = ""
	var out []*bus.Gateway
	for i := range gateways {
		g := &gateways[i]
		if g.Member != member {
			continue
		}
		if ss := req.SecurityServer; ss != nil {
			owner := xroad.ClientID{Instance: ss.Instance, MemberClass: ss.MemberClass, MemberCode: ss.MemberCode}
			if owner != member || ss.ServerCode != g.Name {
				continue
			}
		}
		out = append(out, g)
	}
	switch {
	case len(out) > 0:
		return out, nil
	case req.SecurityServer != nil:
		return nil, xroad.Errorf(xroad.OriginClient, xroad.CodeInvalidSecurityServer,
			"%s is not a gateway of member %s", req.SecurityServer, member)
	}
	return nil, xroad.Errorf(xroad.OriginClientProxy, xroad.CodeUnknownMember, "no gateway is registered for member %s", member)
}

// checkResponse refuses a response that is not bound to the request the
// gateway sent: its X-Road-Request-Hash must be there once and match. Only
// the provider gateway's own protocol errors (400 or 500 with
// X-Road-Error) carry no hash and pass as they are; they hold no data.
func checkResponse(resp *http.Response, ex *exchange, bodyDigest []byte) error {
	if gatewayError(resp) {
		return nil
	}
	hashes := resp.Header.Values(xroad.HeaderRequestHash)
	if len(hashes) != 1 || !xroad.CheckRequestHash(hashes[0], ex.head, bodyDigest) {
		return xroad.Errorf(xroad.OriginClientProxy, xroad.CodeInvalidSignatureValue,
			"the provider gateway's response does not carry the hash of the request sent")
	}
	return nil
}

// listClients answers GET /listClients[?xRoadInstance=] from the registry
// (PR-META 2), by default for the gateway's own instance. The list is the
// public part of the global configuration, so no authentication is asked.
// The body is JSON, which X-Road gives for Accept: application/json; its
// XML form is not offered.
func (c *Consumer) listClients(w http.ResponseWriter, r *http.Request, req *xroad.Request) error {
	clients, err := c.cfg.Directory.ListClients(r.Context())
	if err != nil {
		return registryError(err, xroad.OriginClientProxy)
	}
	body, err := listClientsBody(clients, cmp.Or(req.ListClientsInstance, c.cfg.Member.Instance))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}
