package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Node is one running gateway: the consumer side listening for the
// member's own information systems and the provider side listening for
// other members' gateways, the latter over mutual TLS when the provider
// has Security.
type Node struct {
	consumer, provider     *http.Server
	consumerLn, providerLn net.Listener
	errs                   chan error
}

// NodeConfig is what StartNode needs: the two handlers and where each
// listens ("127.0.0.1:0" picks a free port). Either handler may be nil
// for a gateway that only consumes or only provides.
type NodeConfig struct {
	Consumer       *Consumer
	ConsumerListen string
	// ConsumerTLS, if set, serves the consumer side over TLS, with
	// client certificates (Security.ConsumerTLSConfig).
	ConsumerTLS    *tls.Config
	Provider       *Provider
	ProviderListen string
	Logger         *slog.Logger
	// Metrics, if set, counts both sides' exchanges under Name.
	Metrics *Metrics
	Name    string
}

// handler is h counted by cfg.Metrics, if any, as side.
func (cfg NodeConfig) handler(side string, h http.Handler) http.Handler {
	if cfg.Metrics == nil {
		return h
	}
	return cfg.Metrics.Handler(cfg.Name, side, h)
}

// StartNode listens on both addresses and serves in the background until
// Shutdown.
func StartNode(cfg NodeConfig) (*Node, error) {
	if cfg.Consumer == nil && cfg.Provider == nil {
		return nil, errors.New("bus gateway: a node needs a consumer or a provider")
	}
	log := orDiscard(cfg.Logger)
	n := &Node{errs: make(chan error, 2)}
	if cfg.Consumer != nil {
		ln, err := net.Listen("tcp", cfg.ConsumerListen)
		if err != nil {
			return nil, fmt.Errorf("bus gateway: consumer side: %w", err)
		}
		n.consumerLn, n.consumer = ln, newServer(cfg.handler("consumer", cfg.Consumer), log)
		n.consumer.TLSConfig = cfg.ConsumerTLS
		go n.serve(n.consumer, ln)
	}
	if cfg.Provider != nil {
		ln, err := net.Listen("tcp", cfg.ProviderListen)
		if err != nil {
			n.close()
			return nil, fmt.Errorf("bus gateway: provider side: %w", err)
		}
		n.providerLn, n.provider = ln, newServer(cfg.handler("provider", cfg.Provider), log)
		if sec := cfg.Provider.cfg.Security; sec != nil {
			n.provider.TLSConfig = sec.ServerTLSConfig()
		}
		go n.serve(n.provider, ln)
	}
	return n, nil
}

// newServer is an HTTP server for one side, with bounds on slow clients;
// the exchanges' own timeouts bound the handlers.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func (n *Node) serve(srv *http.Server, ln net.Listener) {
	var err error
	if srv.TLSConfig != nil {
		err = srv.ServeTLS(ln, "", "")
	} else {
		err = srv.Serve(ln)
	}
	if !errors.Is(err, http.ErrServerClosed) {
		n.errs <- err
	}
}

// ConsumerAddr is the address the consumer side listens on; "" without
// one.
func (n *Node) ConsumerAddr() string { return addrOf(n.consumerLn) }

// ProviderAddr is the address the provider side listens on, the one to
// register for the gateway; "" without one.
func (n *Node) ProviderAddr() string { return addrOf(n.providerLn) }

func addrOf(ln net.Listener) string {
	if ln == nil {
		return ""
	}
	return ln.Addr().String()
}

// Err delivers an error that stopped one of the servers.
func (n *Node) Err() <-chan error { return n.errs }

// Shutdown stops both sides, letting exchanges under way finish until ctx
// ends.
func (n *Node) Shutdown(ctx context.Context) error {
	var errs []error
	for _, srv := range []*http.Server{n.consumer, n.provider} {
		if srv != nil {
			errs = append(errs, srv.Shutdown(ctx))
		}
	}
	return errors.Join(errs...)
}

// close stops the consumer side of a node whose provider side failed to
// start.
func (n *Node) close() {
	if n.consumer != nil {
		_ = n.consumer.Close()
	}
}
