package app

import (
	"cmp"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/ocspclient"
	"github.com/egovuz/egov/internal/pki/tsp"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
)

// GatewayConfig configures egov gateway: one member's gateway run at the
// member's premises, away from the central server, which it knows only
// through the signed global configuration it downloads.
type GatewayConfig struct {
	// Central is the central server's base URL, e.g. https://egov.uz:
	// the global configuration, the TSA and the OCSP responder that the
	// gateway asks about its peers' certificates are there.
	Central string
	// Anchors is a PEM file of the platform's root certificates, got from
	// the operator out of band: the trust anchors.
	Anchors string
	// Member identifies the member (INSTANCE/CLASS/CODE) and Name the
	// gateway among the member's, as registered.
	Member string
	Name   string
	// Keys is the directory of the gateway's keys (gateway.LoadKeys).
	Keys string
	// ConsumerListen is where the member's information systems call
	// (empty for none); ProviderListen where other gateways call, over
	// mutual TLS (empty for none).
	ConsumerListen string
	ProviderListen string
	// ConsumerTLS serves the consumer side over TLS with the gateway's
	// authentication certificate, so that systems may present registered
	// client certificates instead of API keys.
	ConsumerTLS bool
	// DataDir holds the gateway's database (message log, API keys, data
	// tracker) unless DatabaseURL names one, and the last configuration.
	DataDir     string
	DatabaseURL string
	// MaxTimestampAge is how long records may wait for a timestamp before
	// the gateway refuses messages; ServiceTimeout bounds a service call.
	MaxTimestampAge time.Duration
	ServiceTimeout  time.Duration
}

// GatewayNode is a running egov gateway.
type GatewayNode struct {
	node   *gateway.Node
	db     *db.DB
	log    *msglog.Log
	tsa    tsp.Client
	logger *slog.Logger
	// stop ends the configuration's refreshing.
	stop context.CancelFunc
	// Keys is the gateway's API key store, for its local clients.
	Keys *bus.APIKeys
}

// openGatewayDB opens and migrates the gateway's own database.
func openGatewayDB(ctx context.Context, cfg GatewayConfig) (*db.DB, error) {
	u := cfg.DatabaseURL
	if u == "" {
		if cfg.DataDir == "" {
			return nil, configErr("gateway: --data-dir or --database-url is needed")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		u = filepath.Join(cfg.DataDir, "gateway.db")
	}
	d, err := db.Open(ctx, u, db.Options{})
	if err != nil {
		return nil, &ConfigError{Msg: err.Error()}
	}
	if err := d.Migrate(ctx, []db.Migrations{audit.Migrations(), bus.Migrations()}, nil); err != nil {
		d.Close()
		return nil, err
	}
	return d, nil
}

// GatewayAPIKey makes an API key for client, a subsystem of the gateway's
// member, in the gateway's database, and returns the key.
func GatewayAPIKey(ctx context.Context, cfg GatewayConfig, client, label string) (key string, err error) {
	err = withGatewayKeys(ctx, cfg, client, func(keys *bus.APIKeys, id xroad.ClientID) error {
		_, key, err = keys.Create(ctx, "cli", id, label)
		return err
	})
	return key, err
}

// GatewayClientCertificate registers the PEM certificate in certFile as a
// TLS client certificate of client in the gateway's database.
func GatewayClientCertificate(ctx context.Context, cfg GatewayConfig, client, label, certFile string) error {
	data, err := os.ReadFile(certFile)
	if err != nil {
		return configErr("--cert: %v", err)
	}
	certs, err := pki.ParseCertificatesPEM(data)
	if err != nil || len(certs) != 1 {
		return configErr("--cert %s: not a PEM certificate (%v)", certFile, err)
	}
	return withGatewayKeys(ctx, cfg, client, func(keys *bus.APIKeys, id xroad.ClientID) error {
		_, err := keys.AddCertificate(ctx, "cli", id, label, certs[0])
		return err
	})
}

// withGatewayKeys runs fn on the gateway's credential store for the
// subsystem client.
func withGatewayKeys(ctx context.Context, cfg GatewayConfig, client string, fn func(*bus.APIKeys, xroad.ClientID) error) error {
	id, err := xroad.ParseClientID(client)
	if err != nil {
		return configErr("--client %q: %v", client, err)
	}
	d, err := openGatewayDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	c := clock.System{}
	return fn(bus.NewAPIKeys(d, c, audit.New(d, c)), id)
}

// StartGateway starts egov gateway: it loads the keys, downloads and
// verifies the global configuration (or starts from the last one kept,
// while it is valid), and serves both sides. Close stops it.
func StartGateway(ctx context.Context, cfg GatewayConfig, log *slog.Logger) (_ *GatewayNode, err error) {
	central, err := url.Parse(cfg.Central)
	if err != nil || (central.Scheme != "http" && central.Scheme != "https") || central.Host == "" {
		return nil, configErr("--central %q: want the central server's http(s) URL", cfg.Central)
	}
	member, err := xroad.ParseClientID(cfg.Member)
	if err != nil || member.Subsystem != "" {
		return nil, configErr("--member %q: want INSTANCE/CLASS/CODE", cfg.Member)
	}
	if cfg.Name == "" || cfg.ConsumerListen == "" && cfg.ProviderListen == "" {
		return nil, configErr("gateway: --name and at least one of --consumer-listen and --provider-listen are needed")
	}
	roots, anchors, err := readAnchors(cfg.Anchors)
	if err != nil {
		return nil, err
	}
	keys, err := gateway.LoadKeys(cfg.Keys)
	if err != nil {
		return nil, configErr("--keys: %v", err)
	}
	d, err := openGatewayDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			d.Close()
		}
	}()
	base := strings.TrimRight(cfg.Central, "/")
	stateDir := cmp.Or(cfg.DataDir, os.TempDir())
	fetcher, err := globalconf.NewFetcher(ctx, globalconf.FetcherConfig{URL: base + globalconf.Path,
		Verifier: &globalconf.Verifier{Roots: roots, Instance: member.Instance},
		File:     filepath.Join(stateDir, "globalconf.der"), Logger: log})
	if err != nil {
		return nil, err
	}
	if err := fetcher.Refresh(ctx); err != nil {
		log.Warn("global configuration download failed; working on the kept one while it is valid", "err", err)
	}
	if _, err := fetcher.Current(); err != nil {
		return nil, fmt.Errorf("gateway: no valid global configuration from %s: %w", base, err)
	}
	dir := globalconf.NewDirectory(fetcher)
	sec := &gateway.Security{Auth: keys.Auth, Sign: keys.Sign, Trust: &gateway.Trust{Roots: roots,
		Intermediates: keys.Sign.Chain, Gateways: dir,
		// Answers are kept no longer than the gateway's own verdicts, so a
		// revocation reaches this gateway within that minute, as at the
		// central gateways.
		Status: ocspclient.New(ocspclient.Config{Issuers: append(anchors, keys.Sign.Chain...), Responder: base + pki.PathOCSP,
			MaxAge: gateway.DefaultCertificateTTL})}}
	c := clock.System{}
	g := &GatewayNode{db: d, log: msglog.New(d, c), tsa: tsp.Client{URL: base + pki.PathTSA}, logger: log,
		Keys: bus.NewAPIKeys(d, c, audit.New(d, c))}
	name := member.String() + "/" + cfg.Name
	nc := gateway.NodeConfig{Logger: log, Name: name}
	if cfg.ConsumerListen != "" {
		if nc.Consumer, err = gateway.NewConsumer(gateway.ConsumerConfig{Directory: dir, Member: member, LocalClients: g.Keys,
			Security: sec, Log: g.log, GatewayName: name, MaxTimestampAge: cfg.MaxTimestampAge, Logger: log}); err != nil {
			return nil, err
		}
		nc.ConsumerListen = cfg.ConsumerListen
		if cfg.ConsumerTLS {
			nc.ConsumerTLS = sec.ConsumerTLSConfig()
		}
	}
	if cfg.ProviderListen != "" {
		if nc.Provider, err = gateway.NewProvider(gateway.ProviderConfig{Directory: dir, Member: member, Security: sec,
			Tracker: bus.NewTracker(d, c), Log: g.log, GatewayName: name, MaxTimestampAge: cfg.MaxTimestampAge,
			Timeout: cfg.ServiceTimeout, Logger: log}); err != nil {
			return nil, err
		}
		nc.ProviderListen = cfg.ProviderListen
	}
	if g.node, err = gateway.StartNode(nc); err != nil {
		return nil, err
	}
	runCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	g.stop = stop
	go func() {
		if err := fetcher.Run(runCtx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("global configuration refresh stopped", "err", err)
		}
	}()
	log.Info("egov gateway serving", "member", member.String(), "name", cfg.Name,
		"consumer", g.node.ConsumerAddr(), "provider", g.node.ProviderAddr())
	return g, nil
}

// ConsumerAddr and ProviderAddr are where the two sides listen.
func (g *GatewayNode) ConsumerAddr() string { return g.node.ConsumerAddr() }

// ProviderAddr is the address to register for the gateway.
func (g *GatewayNode) ProviderAddr() string { return g.node.ProviderAddr() }

// MessageLog is the gateway's message log.
func (g *GatewayNode) MessageLog() *msglog.Log { return g.log }

// Timestamp has the central TSA timestamp the records waiting in the
// gateway's message log.
func (g *GatewayNode) Timestamp(ctx context.Context) (int, error) {
	return g.log.TimestampBatch(ctx, g.tsa)
}

// Run timestamps the message log every interval until ctx ends, then
// stops the gateway; a server's failure stops it early.
func (g *GatewayNode) Run(ctx context.Context, interval time.Duration) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var err error
	for err == nil {
		if n, terr := g.Timestamp(ctx); terr != nil {
			g.logger.Warn("message log timestamping failed", "err", terr)
		} else if n > 0 {
			g.logger.Info("message log timestamped", "records", n)
		}
		select {
		case <-ctx.Done():
			return g.Close()
		case err = <-g.node.Err():
		case <-tick.C:
		}
	}
	return errors.Join(err, g.Close())
}

// Close stops serving, letting exchanges under way finish, and closes the
// database.
func (g *GatewayNode) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := g.node.Shutdown(ctx)
	g.stop()
	g.db.Close()
	return err
}

// readAnchors reads the trust anchors' PEM file.
func readAnchors(path string) (*x509.CertPool, []*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, configErr("--anchors: %v", err)
	}
	certs, err := pki.ParseCertificatesPEM(data)
	if err != nil {
		return nil, nil, configErr("--anchors %s: %v", path, err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return pool, certs, nil
}
