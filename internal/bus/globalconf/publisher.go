package globalconf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/web"
)

// Path is where the central server serves the signed configuration.
const Path = "/bus/globalconf"

// Registry is what the publisher reads: the version, cheaply, on every
// request, and the whole content when it has changed. *bus.Registry is
// one.
type Registry interface {
	Version(ctx context.Context) (int64, error)
	Snapshot(ctx context.Context) (*bus.Snapshot, error)
}

// PublisherConfig configures a Publisher.
type PublisherConfig struct {
	// Registry is the central registry; required.
	Registry Registry
	// Signer returns the key and ProfileBusConfig certificate to sign
	// with, with the chain to the root; it is asked again for every
	// signature so that a renewed key is taken up. Required; on the
	// central server it is (*pki.Service).BusConfigSigner.
	Signer func(ctx context.Context) (cms.Signer, error)
	// Instance is the X-Road instance; required.
	Instance string
	// Validity is how long each document is valid; DefaultValidity if
	// zero. A document is replaced when the registry changes or half of
	// it has passed, so a gateway that downloads more often than that
	// always holds one with at least half its validity left.
	Validity time.Duration
	// TSA and OCSP make the signatures B-T and B-LT (see SignOptions);
	// *pki.Service is both.
	TSA  cades.Timestamper
	OCSP cades.OCSPSource
	// TSAURL is the timestamp authority's address to publish in Trust;
	// the OCSP responder's is taken from the signer's certificate, and
	// the roots and issuing CAs from its chain.
	TSAURL string
	// Clock tells the time; nil means the system clock.
	Clock clock.Clock
	// Logger receives failures to make a new document while an older one
	// is still served; nil discards them.
	Logger *slog.Logger
}

// Document is a signed configuration as the publisher serves it.
type Document struct {
	Version     int64
	GeneratedAt time.Time
	ExpiresAt   time.Time
	// ETag names this document in HTTP: its version and when it was
	// made, so that a gateway holding an older signature of the same
	// version still gets the newer one, with its later expiry.
	ETag string
	// DER is the CMS SignedData (MediaType).
	DER []byte
}

// Publisher builds, signs and serves the global configuration. It keeps
// the last document and makes a new one only when the registry's version
// has changed or half of the document's validity has passed, so that
// however many gateways ask, the registry is read and the key used a few
// times an hour. Each node of the central server signs its own; they
// differ only in their times. It is safe for concurrent use.
type Publisher struct {
	cfg PublisherConfig
	log *slog.Logger

	// mu is held while a document is made, so that concurrent requests
	// wait for one new document instead of making many.
	mu  sync.Mutex
	cur *Document
}

// NewPublisher checks cfg and returns the publisher.
func NewPublisher(cfg PublisherConfig) (*Publisher, error) {
	if cfg.Registry == nil || cfg.Signer == nil || !validPart(cfg.Instance) {
		return nil, errors.New("globalconf: the publisher needs a registry, a signer and an instance")
	}
	if cfg.Validity < 0 {
		return nil, errors.New("globalconf: negative validity")
	}
	if cfg.Validity == 0 {
		cfg.Validity = DefaultValidity
	}
	if cfg.Validity < 2*time.Second {
		return nil, errors.New("globalconf: a validity under two seconds")
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.System{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Publisher{cfg: cfg, log: log}, nil
}

// Document returns the current signed configuration, making a new one if
// the registry changed or half the last one's validity has passed. If
// making one fails while the last one is still valid, that one is
// returned and the failure logged: gateways keep working through a short
// outage of the database or the key.
func (p *Publisher) Document(ctx context.Context) (*Document, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.cfg.Clock.Now()
	cur := p.cur
	v, err := p.cfg.Registry.Version(ctx)
	if err == nil && cur != nil && cur.Version == v && now.Sub(cur.GeneratedAt) < p.cfg.Validity/2 {
		return cur, nil
	}
	var doc *Document
	if err == nil {
		doc, err = p.make(ctx, now)
	}
	if err != nil {
		if cur != nil && now.Before(cur.ExpiresAt) {
			p.log.LogAttrs(ctx, slog.LevelWarn, "bus global configuration: serving the last one", slog.Int64("version", cur.Version),
				slog.Time("expires_at", cur.ExpiresAt), slog.Any("err", err))
			return cur, nil
		}
		return nil, err
	}
	p.cur = doc
	return doc, nil
}

// make builds and signs a document as of now.
func (p *Publisher) make(ctx context.Context, now time.Time) (*Document, error) {
	s, err := p.cfg.Signer(ctx)
	if err != nil {
		return nil, fmt.Errorf("global configuration signer: %w", err)
	}
	c, err := Build(ctx, p.cfg.Registry, BuildOptions{Instance: p.cfg.Instance, Now: now, Validity: p.cfg.Validity,
		Trust: p.trust(s)})
	if err != nil {
		return nil, err
	}
	der, err := Sign(ctx, c, s, SignOptions{Time: now, TSA: p.cfg.TSA, OCSP: p.cfg.OCSP})
	if err != nil {
		return nil, err
	}
	etag := `"` + strconv.FormatInt(c.Version, 10) + "-" + strconv.FormatInt(c.GeneratedAt.Unix(), 10) + `"`
	return &Document{Version: c.Version, GeneratedAt: c.GeneratedAt, ExpiresAt: c.ExpiresAt, ETag: etag, DER: der}, nil
}

// trust is what the document tells of the PKI: the self-signed
// certificates of the signer's chain as roots, the others as issuing
// CAs, the signer's OCSP responder and the configured TSA.
func (p *Publisher) trust(s cms.Signer) Trust {
	t := Trust{TSAURL: p.cfg.TSAURL}
	for _, c := range s.Chain {
		if pki.SelfSigned(c) {
			t.Roots = append(t.Roots, c)
		} else {
			t.Intermediates = append(t.Intermediates, c)
		}
	}
	if len(s.Cert.OCSPServer) > 0 {
		t.OCSPURL = s.Cert.OCSPServer[0]
	}
	return t
}

// ServeHTTP answers GET and HEAD at Path with the current document, or
// 304 Not Modified when If-None-Match names it, and 503 when there is
// none to give.
func (p *Publisher) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := p.Serve(w, r); err != nil {
		p.log.LogAttrs(r.Context(), slog.LevelError, "bus global configuration unavailable", slog.Any("err", err))
		http.Error(w, "the global configuration is unavailable", http.StatusServiceUnavailable)
	}
}

// Serve is ServeHTTP for a web.Router, which shows the error returned;
// see Routes.
func (p *Publisher) Serve(w http.ResponseWriter, r *http.Request) error {
	doc, err := p.Document(r.Context())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("ETag", doc.ETag)
	// Caches must ask every time: the document changes with the registry.
	h.Set("Cache-Control", "no-cache")
	if etagMatches(r.Header.Values("If-None-Match"), doc.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	h.Set("Content-Type", MediaType)
	h.Set("Content-Length", strconv.Itoa(len(doc.DER)))
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc.DER)
	}
	return nil
}

// Routes registers GET Path, public: gateways download it before they
// can authenticate anything, and it is signed.
func (p *Publisher) Routes(r *web.Router) {
	r.Handle("GET "+Path, web.Public, p.Serve)
}

// etagMatches tells whether the If-None-Match values name etag (RFC 9110
// 13.1.2: weak comparison, "*" for any).
func etagMatches(values []string, etag string) bool {
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == etag {
				return true
			}
		}
	}
	return false
}
