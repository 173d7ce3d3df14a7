package gateway

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// A gateway asks the registry, its message log and the certificate status
// source the same questions for every message it passes, and the answers
// change rarely: it keeps each answer for a short, bounded time instead of
// asking again, so that a busy gateway does not spend most of its time on
// those queries. The bound is what an operator must know: a change takes
// effect on the gateways within it.
const (
	// DefaultCacheTTL is how long a gateway reuses an answer of its
	// directory (the registered gateways, a service, an access right), of
	// its local clients (an API key) and of its message log's health when
	// its configuration does not say: registry changes, revoked API keys
	// and an overdue message log take effect within it.
	DefaultCacheTTL = time.Second
	// DefaultRegistryTTL is how long Trust reuses the list of registered
	// gateways when it does not say: a gateway's changed certificate
	// serials take effect within it.
	DefaultRegistryTTL = time.Second
	// DefaultCertificateTTL is how long Trust reuses the verdict that a
	// peer's certificate chains to the roots and is not revoked, when it
	// does not say: a revocation takes effect on the gateways within it.
	// X-Road security servers likewise reuse OCSP answers, for longer.
	DefaultCertificateTTL = time.Minute
	// maxCached bounds the entries of one cache; when it is full, it
	// starts afresh, so that requests naming ever new paths or keys cannot
	// grow it without end.
	maxCached = 10000
)

// ttlOf returns ttl, or def when ttl is zero; negative means no caching.
func ttlOf(ttl, def time.Duration) time.Duration {
	if ttl == 0 {
		return def
	}
	return ttl
}

// cache keeps the answers of a loader by key for ttl from when they were
// asked. Concurrent callers missing the same key wait for one load. Errors
// are not kept: the next caller asks again. A ttl not above zero turns it
// off.
type cache[K comparable, V any] struct {
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	items map[K]*cacheItem[V]
}

type cacheItem[V any] struct {
	// ready is closed when the load has ended; val, err and expires are
	// set by then.
	ready   chan struct{}
	val     V
	err     error
	expires time.Time
}

func newCache[K comparable, V any](ttl time.Duration, now func() time.Time) *cache[K, V] {
	if now == nil {
		now = time.Now
	}
	return &cache[K, V]{ttl: ttl, now: now, items: map[K]*cacheItem[V]{}}
}

// get returns the answer for key, loading it with load unless a fresh one
// is kept or being loaded.
func (c *cache[K, V]) get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	if c.ttl <= 0 {
		return load(ctx)
	}
	start := c.now()
	c.mu.Lock()
	if it, ok := c.items[key]; ok && (!isClosed(it.ready) || start.Before(it.expires)) {
		c.mu.Unlock()
		select {
		case <-it.ready:
		case <-ctx.Done():
			var zero V
			return zero, ctx.Err()
		}
		if it.err == nil {
			return it.val, nil
		}
		// Another caller's load failed, perhaps for its own context's
		// sake: this one asks for itself.
		return load(ctx)
	}
	if len(c.items) >= maxCached {
		clear(c.items)
	}
	it := &cacheItem[V]{ready: make(chan struct{}), err: errLoadAborted}
	c.items[key] = it
	c.mu.Unlock()
	// Deferred, so that the waiters are released and the item forgotten
	// even if load panics.
	defer func() {
		c.mu.Lock()
		it.expires = start.Add(c.ttl)
		if it.err != nil && c.items[key] == it {
			delete(c.items, key)
		}
		c.mu.Unlock()
		close(it.ready)
	}()
	v, err := load(ctx)
	c.mu.Lock()
	it.val, it.err = v, err
	c.mu.Unlock()
	return v, err
}

// errLoadAborted is what waiters see of a load that never returned.
var errLoadAborted = errors.New("bus gateway: cache load aborted")

// isClosed tells whether ch is closed; the caller holds the cache's lock,
// which orders it with the setting of the item's fields.
func isClosed(ch chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// cachedProvider is a ProviderDirectory that keeps the answers a provider
// gateway asks for every request: the service, and what a client may call
// of it (kept per client and service, so that requests for ever new
// records, /births/{pinfl}, share one answer); the metaservices' lists are
// asked anew each time.
type cachedProvider struct {
	ProviderDirectory
	services *cache[xroad.ServiceID, *bus.Service]
	granted  *cache[grantKey, []bus.Endpoint]
}

type grantKey struct {
	client  xroad.ClientID
	service xroad.ServiceID
}

func newCachedProvider(dir ProviderDirectory, ttl time.Duration, now func() time.Time) ProviderDirectory {
	if ttl <= 0 {
		return dir
	}
	return &cachedProvider{ProviderDirectory: dir, services: newCache[xroad.ServiceID, *bus.Service](ttl, now),
		granted: newCache[grantKey, []bus.Endpoint](ttl, now)}
}

// Service returns the kept service, shared by every caller within the
// TTL: callers read it and must not change it.
func (d *cachedProvider) Service(ctx context.Context, id xroad.ServiceID) (*bus.Service, error) {
	return d.services.get(ctx, id, func(ctx context.Context) (*bus.Service, error) {
		return d.ProviderDirectory.Service(ctx, id)
	})
}

// Allowed decides, with bus.Permits as the directory does, on the kept
// endpoints the client may call.
func (d *cachedProvider) Allowed(ctx context.Context, client xroad.ClientID, service xroad.ServiceID, method, path string) (bool, error) {
	eps, err := d.granted.get(ctx, grantKey{client, service}, func(ctx context.Context) ([]bus.Endpoint, error) {
		return d.ProviderDirectory.AllowedMethods(ctx, client, service)
	})
	if err != nil {
		return false, err
	}
	return bus.Permits(eps, method, path), nil
}

// cachedGateways keeps the list of registered gateways. Callers share the
// slice it returns and must not change it.
type cachedGateways struct {
	lister interface {
		Gateways(ctx context.Context) ([]bus.Gateway, error)
	}
	list *cache[struct{}, []bus.Gateway]
}

func (g *cachedGateways) Gateways(ctx context.Context) ([]bus.Gateway, error) {
	return g.list.get(ctx, struct{}{}, g.lister.Gateways)
}

// cachedConsumer is a ConsumerDirectory that keeps the list of gateways,
// which a consumer gateway reads for every request; listClients asks anew.
type cachedConsumer struct {
	ConsumerDirectory
	gateways cachedGateways
}

func newCachedConsumer(dir ConsumerDirectory, ttl time.Duration, now func() time.Time) ConsumerDirectory {
	if ttl <= 0 {
		return dir
	}
	return &cachedConsumer{ConsumerDirectory: dir,
		gateways: cachedGateways{lister: dir, list: newCache[struct{}, []bus.Gateway](ttl, now)}}
}

func (d *cachedConsumer) Gateways(ctx context.Context) ([]bus.Gateway, error) {
	return d.gateways.Gateways(ctx)
}

// cachedClients keeps which subsystem an API key or a TLS client
// certificate is bound to. Only credentials found are kept, by their
// SHA-256 rather than as they are; an unknown one is asked about every
// time.
type cachedClients struct {
	LocalClients
	keys  *cache[[sha256.Size]byte, xroad.ClientID]
	certs *cache[[sha256.Size]byte, xroad.ClientID]
}

func newCachedClients(c LocalClients, ttl time.Duration, now func() time.Time) LocalClients {
	if ttl <= 0 {
		return c
	}
	return &cachedClients{LocalClients: c, keys: newCache[[sha256.Size]byte, xroad.ClientID](ttl, now),
		certs: newCache[[sha256.Size]byte, xroad.ClientID](ttl, now)}
}

// errUnknownKey makes the cache forget a credential that is bound to no
// subsystem.
type errUnknownKey struct{}

func (errUnknownKey) Error() string { return "unknown API key" }

func (c *cachedClients) ByAPIKey(ctx context.Context, key string) (xroad.ClientID, bool, error) {
	return cachedClient(ctx, c.keys, []byte(key), func(ctx context.Context) (xroad.ClientID, bool, error) {
		return c.LocalClients.ByAPIKey(ctx, key)
	})
}

func (c *cachedClients) ByCertificate(ctx context.Context, cert *x509.Certificate) (xroad.ClientID, bool, error) {
	return cachedClient(ctx, c.certs, cert.Raw, func(ctx context.Context) (xroad.ClientID, bool, error) {
		return c.LocalClients.ByCertificate(ctx, cert)
	})
}

// cachedClient answers for the credential from the cache, asking lookup
// when it has no answer.
func cachedClient(ctx context.Context, cc *cache[[sha256.Size]byte, xroad.ClientID], credential []byte,
	lookup func(context.Context) (xroad.ClientID, bool, error)) (xroad.ClientID, bool, error) {
	id, err := cc.get(ctx, sha256.Sum256(credential), func(ctx context.Context) (xroad.ClientID, error) {
		id, ok, err := lookup(ctx)
		if err == nil && !ok {
			err = errUnknownKey{}
		}
		return id, err
	})
	switch err.(type) {
	case nil:
		return id, true, nil
	case errUnknownKey:
		return xroad.ClientID{}, false, nil
	}
	return xroad.ClientID{}, false, err
}
