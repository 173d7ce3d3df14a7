package app

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/platform/blob"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/workflow/schedule"
)

// Config is every setting of an egov node. main fills it from flags and
// EGOV_* environment variables; nothing else reads the environment.
type Config struct {
	Listen      string
	DataDir     string
	DatabaseURL string
	NATSURL     string
	BlobURL     string
	PublicURL   string
	TLSCert     string
	TLSKey      string
	Secret      string
	// PKIKeySecret seals the CA's keys in the database; derived from
	// Secret when empty.
	PKIKeySecret string
	// PKICloudSigning lets the platform keep signing keys for officers
	// and gateways (server-side signatures); off by default.
	PKICloudSigning bool
	LogLevel        string
	LogFormat       string
	MaxBodyBytes    int64
	RatePerIP       float64
	BurstPerIP      int
	TrustedProxies  string
	MetricsAllow    string
	JobWorkers      int
	JobLease        time.Duration
	ShutdownTimeout time.Duration
	// KPI targets of the digitisation programme.
	TargetServices  int
	TargetAutomated float64
	TargetMobile    float64
	// Holidays are days off besides weekends and the fixed public
	// holidays (movable holidays, declared days off), and WorkingDays days
	// worked instead of a day off: comma-separated dates (YYYY-MM-DD) for
	// the working-day calendar of SLA timers.
	Holidays    string
	WorkingDays string
	// SMSGatewayURL and SMSGatewayToken reach the SMS gateway (JSON over
	// HTTPS with a bearer token); without a URL, messages go to the log.
	SMSGatewayURL   string
	SMSGatewayToken string
	// SMTPAddr (host:port), SMTPFrom and the optional SMTPUsername and
	// SMTPPassword send e-mail, with STARTTLS unless SMTPNoStartTLS;
	// without an address, e-mail goes to the log.
	SMTPAddr       string
	SMTPFrom       string
	SMTPUsername   string
	SMTPPassword   string
	SMTPNoStartTLS bool
	// BusInstance is the exchange bus's X-Road instance identifier, which
	// the global configuration names.
	BusInstance string
	// Demo marks a node serving demo data: a banner says so.
	Demo bool
}

// Defaults is the embedded configuration: everything inside ./egov-data,
// served on loopback.
func Defaults() Config {
	return Config{
		Listen:          "127.0.0.1:8080",
		DataDir:         "egov-data",
		LogLevel:        "info",
		LogFormat:       "json",
		MaxBodyBytes:    10 << 20,
		RatePerIP:       50,
		BurstPerIP:      100,
		MetricsAllow:    "127.0.0.0/8,::1/128",
		JobWorkers:      32,
		JobLease:        time.Minute,
		ShutdownTimeout: 30 * time.Second,
		TargetServices:  700,
		TargetAutomated: 0.65,
		TargetMobile:    0.75,
		BusInstance:     "UZ",
	}
}

// ConfigError is a setting that cannot work; main reports it in one line and
// exits with status 2.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

func configErr(format string, args ...any) error {
	return &ConfigError{Msg: fmt.Sprintf(format, args...)}
}

// Validate checks every setting without creating or connecting to anything.
func (c *Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return configErr("--listen %q: want host:port", c.Listen)
	}
	if c.DataDir == "" {
		return configErr("--data-dir must not be empty")
	}
	if c.SMSGatewayURL != "" {
		u, err := url.Parse(c.SMSGatewayURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return configErr("--sms-gateway-url %q: want an absolute http(s) URL", c.SMSGatewayURL)
		}
	}
	if c.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(c.SMTPAddr); err != nil {
			return configErr("--smtp-addr %q: want host:port", c.SMTPAddr)
		}
		if !strings.Contains(c.SMTPFrom, "@") {
			return configErr("--smtp-from %q: want the sender's e-mail address", c.SMTPFrom)
		}
	}
	if (xroad.Parser{}).ValidateClientID(xroad.ClientID{Instance: c.BusInstance, MemberClass: "GOV", MemberCode: "1"}) != nil {
		return configErr("--bus-instance %q: want an X-Road instance identifier such as UZ", c.BusInstance)
	}
	if c.DatabaseURL != "" {
		if _, _, err := db.ParseURL(c.DatabaseURL); err != nil {
			return configErr("--database-url: %v", err)
		}
	}
	if c.NATSURL != "" {
		for _, s := range strings.Split(c.NATSURL, ",") {
			u, err := url.Parse(strings.TrimSpace(s))
			if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" {
				return configErr("--nats-url %q: want nats://host:port (comma-separated for a cluster)", s)
			}
		}
	}
	if c.BlobURL != "" {
		if err := blob.CheckURL(c.BlobURL); err != nil {
			return configErr("--blob-url: %v", err)
		}
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return configErr("--public-url %q: want an absolute http(s) URL", c.PublicURL)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return configErr("--tls-cert and --tls-key go together")
	}
	for _, f := range []string{c.TLSCert, c.TLSKey} {
		if f != "" {
			if _, err := os.Stat(f); err != nil {
				return configErr("TLS file: %v", err)
			}
		}
	}
	if c.Secret != "" && len(c.Secret) < 32 {
		return configErr("--secret must be at least 32 characters")
	}
	if c.PKIKeySecret != "" && len(c.PKIKeySecret) < 32 {
		return configErr("--pki-key-secret must be at least 32 characters")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return configErr("--log-level %q: want debug, info, warn or error", c.LogLevel)
	}
	switch c.LogFormat {
	case "json", "text":
	default:
		return configErr("--log-format %q: want json or text", c.LogFormat)
	}
	if c.MaxBodyBytes < 1024 {
		return configErr("--max-body-bytes must be at least 1024")
	}
	if c.RatePerIP <= 0 || c.BurstPerIP < 1 {
		return configErr("--rate-per-ip and --burst-per-ip must be positive")
	}
	if _, err := parsePrefixes(c.TrustedProxies); err != nil {
		return configErr("--trusted-proxies: %v", err)
	}
	if _, err := parsePrefixes(c.MetricsAllow); err != nil {
		return configErr("--metrics-allow: %v", err)
	}
	if c.JobWorkers < 1 || c.JobWorkers > 1024 {
		return configErr("--job-workers must be between 1 and 1024")
	}
	if c.JobLease < time.Second {
		return configErr("--job-lease must be at least 1s")
	}
	if c.TargetServices < 1 || c.TargetAutomated <= 0 || c.TargetAutomated > 1 || c.TargetMobile <= 0 || c.TargetMobile > 1 {
		return configErr("--target-services must be positive and --target-automated, --target-mobile between 0 and 1")
	}
	if c.ShutdownTimeout <= 0 {
		return configErr("--shutdown-timeout must be positive")
	}
	if _, err := parseDates(c.Holidays); err != nil {
		return configErr("--holidays: %v", err)
	}
	if _, err := parseDates(c.WorkingDays); err != nil {
		return configErr("--working-days: %v", err)
	}
	return nil
}

// parseDates reads comma-separated dates (YYYY-MM-DD).
func parseDates(s string) ([]time.Time, error) {
	var out []time.Time
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a date (YYYY-MM-DD)", f)
		}
		out = append(out, d)
	}
	return out, nil
}

// cloudSigning tells whether the platform keeps officers' and gateways'
// signing keys: when the operator says so, and always in the demo, whose
// officers sign result documents with them.
func (c *Config) cloudSigning() bool { return c.PKICloudSigning || c.Demo }

// calendar is the working-day calendar of SLA timers: Uzbekistan's
// weekends and fixed public holidays, with the configured changes.
func (c *Config) calendar(loc *time.Location) *schedule.Calendar {
	cal := schedule.NewCalendar(loc)
	holidays, _ := parseDates(c.Holidays) // checked by Validate
	for _, d := range holidays {
		cal.AddHoliday(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc))
	}
	worked, _ := parseDates(c.WorkingDays)
	for _, d := range worked {
		cal.AddWorkingDay(time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc))
	}
	return cal
}

// checkDataDir makes sure the data dir exists and is writable, creating it
// (and only it) if needed.
func (c *Config) checkDataDir() error {
	if err := os.MkdirAll(c.DataDir, 0o750); err != nil {
		return configErr("--data-dir %q: %v", c.DataDir, err)
	}
	f, err := os.CreateTemp(c.DataDir, ".write-check-*")
	if err != nil {
		return configErr("--data-dir %q is not writable: %v", c.DataDir, errors.Unwrap(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// databaseURL is the configured database or the SQLite file in the data dir.
func (c *Config) databaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, "egov.db")
}

// blobURL is the configured object store or the folder in the data dir.
func (c *Config) blobURL() string {
	if c.BlobURL != "" {
		return c.BlobURL
	}
	return blob.DefaultURL(c.DataDir)
}

func parsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			a, err := netip.ParseAddr(part)
			if err != nil {
				return nil, err
			}
			part = netip.PrefixFrom(a, a.BitLen()).String()
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Masked())
	}
	return out, nil
}
