package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/egovuz/egov/internal/app"
)

// gatewayUsage describes egov gateway.
const gatewayUsage = `Usage:
  egov gateway --central URL --anchors ROOT.pem --member UZ/GOV/123456789 --name gw1 --keys DIR [flags]
                                  run the member's exchange bus gateway: the consumer side for its own
                                  systems, the provider side for other gateways (mutual TLS), working
                                  from the central server's signed global configuration
  egov gateway api-key --client UZ/GOV/123456789/system --label L [flags]
                                  make an API key for one of the member's systems (printed once)
  egov gateway client-cert --client UZ/GOV/123456789/system --label L --cert SYSTEM.pem [flags]
                                  register a system's TLS client certificate (with --consumer-tls)

The keys directory holds auth.key, auth.crt, sign.key and sign.crt (PEM), the gateway's
authentication and signing keys with their certificates from the platform's CA.`

// gatewayFlags binds the gateway's settings to fs.
func gatewayFlags(fs *flag.FlagSet, c *app.GatewayConfig, logLevel *string) {
	fs.StringVar(&c.Central, "central", c.Central, "the central server's URL (global configuration, TSA, OCSP)")
	fs.StringVar(&c.Anchors, "anchors", c.Anchors, "PEM file of the platform's root certificates")
	fs.StringVar(&c.Member, "member", c.Member, "the member this gateway serves, INSTANCE/CLASS/CODE")
	fs.StringVar(&c.Name, "name", c.Name, "the gateway's registered name")
	fs.StringVar(&c.Keys, "keys", c.Keys, "directory of the gateway's keys and certificates")
	fs.StringVar(&c.ConsumerListen, "consumer-listen", c.ConsumerListen, "address for the member's own systems (empty: none)")
	fs.StringVar(&c.ProviderListen, "provider-listen", c.ProviderListen, "address for other gateways, mutual TLS (empty: none)")
	fs.BoolVar(&c.ConsumerTLS, "consumer-tls", c.ConsumerTLS, "serve the consumer side over TLS, accepting registered client certificates besides API keys")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "folder for the gateway's database and its last global configuration")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "postgres://… for the message log and keys; empty: SQLite in the data dir")
	fs.DurationVar(&c.MaxTimestampAge, "max-timestamp-age", c.MaxTimestampAge, "refuse messages when log records wait longer than this for a timestamp")
	fs.DurationVar(&c.ServiceTimeout, "service-timeout", c.ServiceTimeout, "bound on a call of a provider service")
	fs.StringVar(logLevel, "log-level", *logLevel, "debug, info, warn or error")
}

// cmdGateway runs egov gateway or makes an API key for it.
func cmdGateway(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg := app.GatewayConfig{ConsumerListen: "127.0.0.1:8081", ProviderListen: ":8443", DataDir: "egov-gateway-data",
		MaxTimestampAge: time.Hour, ServiceTimeout: 30 * time.Second}
	level := "info"
	if len(args) > 0 && (args[0] == "api-key" || args[0] == "client-cert") {
		var client, label, certFile string
		fs := flag.NewFlagSet("gateway "+args[0], flag.ContinueOnError)
		gatewayFlags(fs, &cfg, &level)
		fs.StringVar(&client, "client", "", "the subsystem the credential is for, INSTANCE/CLASS/CODE/SUBSYSTEM")
		fs.StringVar(&label, "label", "", "what it is for, e.g. the system's name")
		if args[0] == "client-cert" {
			fs.StringVar(&certFile, "cert", "", "the system's certificate, PEM")
		}
		if err := parseFlags(fs, args[1:], stderr, gatewayUsage); err != nil {
			return err
		}
		if args[0] == "client-cert" {
			return app.GatewayClientCertificate(ctx, cfg, client, label, certFile)
		}
		key, err := app.GatewayAPIKey(ctx, cfg, client, label)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, key)
		return nil
	}
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	gatewayFlags(fs, &cfg, &level)
	if err := parseFlags(fs, args, stderr, gatewayUsage); err != nil {
		return err
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("--log-level %q: %v", level, err)}
	}
	log := app.NewLogger(app.Config{LogLevel: level}, stderr)
	g, err := app.StartGateway(ctx, cfg, log)
	if err != nil {
		return err
	}
	return g.Run(ctx, time.Minute)
}
