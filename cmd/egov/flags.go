package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/egovuz/egov/internal/app"
)

// envName is the environment variable for a flag: --database-url is
// EGOV_DATABASE_URL.
func envName(flagName string) string {
	return "EGOV_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// configFlags binds every Config setting to a flag on fs. Each flag's help
// names its environment variable.
func configFlags(fs *flag.FlagSet, c *app.Config) {
	str := func(p *string, name, usage string) { fs.StringVar(p, name, *p, usage) }
	str(&c.Listen, "listen", "address to serve HTTP on (host:port)")
	str(&c.DataDir, "data-dir", "folder for the embedded database, events, files and secret")
	str(&c.DatabaseURL, "database-url", "postgres://user:pass@host:5432/db for PostgreSQL; empty: SQLite file in the data dir")
	str(&c.NATSURL, "nats-url", "nats://host:4222 (comma-separated for a cluster); empty: embedded NATS with JetStream in the data dir")
	str(&c.BlobURL, "blob-url", "s3://bucket?region=… for S3-compatible storage; empty: folder in the data dir")
	str(&c.PublicURL, "public-url", "the address citizens use, e.g. https://my.gov.uz (https enables HSTS and secure cookies)")
	str(&c.TLSCert, "tls-cert", "TLS certificate file (PEM); serve HTTPS directly")
	str(&c.TLSKey, "tls-key", "TLS private key file (PEM)")
	str(&c.Secret, "secret", "key for CSRF tokens, at least 32 characters, the same on every node; empty: generated once in the data dir")
	str(&c.PKIKeySecret, "pki-key-secret", "key that seals the certificate authority's private keys in the database, at least 32 characters, the same on every node; empty: derived from --secret (set it so that --secret can change on its own)")
	fs.BoolVar(&c.PKICloudSigning, "pki-cloud-signing", c.PKICloudSigning, "let the platform keep signing keys for officers and gateways and sign with them (citizens' keys never leave their devices)")
	str(&c.LogLevel, "log-level", "debug, info, warn or error")
	str(&c.LogFormat, "log-format", "json or text")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "largest request body accepted, in bytes")
	fs.Float64Var(&c.RatePerIP, "rate-per-ip", c.RatePerIP, "requests per second allowed from one client address on average")
	fs.IntVar(&c.BurstPerIP, "burst-per-ip", c.BurstPerIP, "requests one client address may send in a burst")
	str(&c.TrustedProxies, "trusted-proxies", "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For is believed")
	str(&c.MetricsAllow, "metrics-allow", "comma-separated addresses or CIDRs allowed to read /metrics")
	fs.IntVar(&c.JobWorkers, "job-workers", c.JobWorkers, "background jobs run at once on this node")
	fs.DurationVar(&c.JobLease, "job-lease", c.JobLease, "how long a node holds a job before others may take it over if the node died")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long shutdown waits for in-flight requests and jobs")
	fs.IntVar(&c.TargetServices, "target-services", c.TargetServices, "digitisation target: services live on the portal")
	fs.Float64Var(&c.TargetAutomated, "target-automated", c.TargetAutomated, "digitisation target: share of live services at levels 4–5 (0–1)")
	fs.Float64Var(&c.TargetMobile, "target-mobile", c.TargetMobile, "digitisation target: share of live services in the mobile app (0–1)")
	str(&c.Holidays, "holidays", "days off besides weekends and the fixed public holidays (Ramazon and Qurbon hayit, declared days off), comma-separated YYYY-MM-DD, for SLA timers in working days")
	str(&c.SMSGatewayURL, "sms-gateway-url", "the SMS gateway's URL (JSON POST {to, text}); empty: SMS go to the log")
	str(&c.SMSGatewayToken, "sms-gateway-token", "bearer token for the SMS gateway")
	str(&c.SMTPAddr, "smtp-addr", "mail server host:port for e-mail notifications; empty: e-mail goes to the log")
	str(&c.SMTPFrom, "smtp-from", "sender address of e-mail notifications")
	str(&c.SMTPUsername, "smtp-username", "mail server user name, if it asks for one")
	str(&c.SMTPPassword, "smtp-password", "mail server password")
	fs.BoolVar(&c.SMTPNoStartTLS, "smtp-no-starttls", c.SMTPNoStartTLS, "do not upgrade the mail connection with STARTTLS (only for a mail server on this host)")
	str(&c.BusInstance, "bus-instance", "the exchange bus's X-Road instance identifier, named in its global configuration")
	str(&c.WorkingDays, "working-days", "days off that are worked instead (transferred working Saturdays), comma-separated YYYY-MM-DD")
}

// parseFlags parses args with defaults, then EGOV_* variables, then the
// command line taking precedence. It prints help for --help.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, synopsis string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	if err == flag.ErrHelp {
		printHelp(fs, stderr, synopsis)
		return err
	}
	if err != nil {
		return &app.ConfigError{Msg: fmt.Sprintf("%v (see 'egov %s --help')", err, fs.Name())}
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] || envErr != nil {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = &app.ConfigError{Msg: fmt.Sprintf("%s=%q: %v", envName(f.Name), v, err)}
			}
		}
	})
	return envErr
}

func printHelp(fs *flag.FlagSet, w io.Writer, synopsis string) {
	fmt.Fprintf(w, "%s\n\nFlags (each also set by the environment variable shown):\n", synopsis)
	fs.VisitAll(func(f *flag.Flag) {
		def := ""
		if f.DefValue != "" && f.DefValue != "false" {
			def = fmt.Sprintf(" (default %q)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s  [%s]\n      %s%s\n", f.Name, envName(f.Name), f.Usage, def)
	})
}
