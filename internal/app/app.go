// Package app wires egov together: it builds every platform component and
// module from a Config, starts them, and stops them in order. It holds no
// domain logic.
package app

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/gateway"
	"github.com/egovuz/egov/internal/bus/globalconf"
	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/oidcprovider"
	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/payments"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/blob"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/events"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/jobs"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/portal"
	"github.com/egovuz/egov/internal/uploads"
	"github.com/egovuz/egov/internal/workflow"
	"github.com/egovuz/egov/internal/workflow/bpmn"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// App is one running egov node.
type App struct {
	cfg   Config
	log   *slog.Logger
	clock clock.Clock

	DB     *db.DB
	Bus    *events.Bus
	Outbox *events.Outbox
	Relay  *events.Relay
	Jobs   *jobs.Queue
	Blob   *blob.Bucket
	Audit  *audit.Log
	Web    *web.Server

	// Accounts and OIDC are the identity services other modules and tests
	// use.
	Accounts *identity.Service
	OIDC     *oidcprovider.Module

	// Registry is the unified registry of agencies and services.
	Registry *catalog.Registry
	Workflow *workflow.Engine
	// PKI is the certificate authority, timestamps and signatures.
	PKI *pki.Service
	// Exchange is the central registry of the interagency exchange bus.
	Exchange *bus.Registry
	// DataTracker records who asked the exchange about a person; the
	// person's profile lists it.
	DataTracker *bus.Tracker
	// Applications are the applications for state services.
	Applications *portal.Applications
	// MessageLog is the message log of the gateways this node runs.
	MessageLog *msglog.Log
	// APIKeys authenticate the information systems of this node's
	// gateways' members.
	APIKeys *bus.APIKeys

	// busClient calls services over the bus for the bus.call tasks; nil
	// until a consumer gateway is known.
	busClient atomic.Pointer[bus.Client]
	// uploads keeps applications' attachments.
	uploads *uploads.Service
	// who tells who applies in a request: the signed-in person, or the
	// citizen a public service centre's operator serves.
	who        applicants
	busMetrics *gateway.Metrics
	demoBus    *demoBus

	identity  *identity.Module
	pki       *pki.Module
	catalog   *catalog.Module
	portal    *portal.Module
	workflow  *workflow.Module
	consumers []consumer
}

// consumer is an event handler that runs while the node serves.
type consumer struct {
	name, subject string
	handle        events.Handler
}

// NewLogger makes the process logger the configuration asks for.
func NewLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// migrations lists every module's schema, platform first.
func migrations() []db.Migrations {
	return []db.Migrations{audit.Migrations(), pki.Migrations(), bus.Migrations(), events.Migrations(), jobs.Migrations(), identity.Migrations(), oidcprovider.Migrations(), notify.Migrations(), catalog.Migrations(), portal.Migrations(), workflow.Migrations(), payments.Migrations(), uploads.Migrations()}
}

// localeSources lists every module's message catalog.
func localeSources() []fs.FS {
	return []fs.FS{web.Locales(), identity.Locales(), oidcprovider.Locales(), notify.Locales(), catalog.Locales(), form.Locales(), portal.Locales(), workflow.Locales(), bpmn.Locales(), pki.Locales(), bus.Locales(), payments.Locales(), uploads.Locales()}
}

// openDB checks the data dir and opens the configured database. With
// PostgreSQL the database is reached first, so an unreachable server leaves
// nothing created on disk.
func openDB(ctx context.Context, cfg Config) (*db.DB, error) {
	if cfg.DatabaseURL != "" {
		d, err := db.Open(ctx, cfg.DatabaseURL, db.Options{})
		if err != nil {
			return nil, &ConfigError{Msg: err.Error()}
		}
		if err := cfg.checkDataDir(); err != nil {
			d.Close()
			return nil, err
		}
		return d, nil
	}
	if err := cfg.checkDataDir(); err != nil {
		return nil, err
	}
	return db.Open(ctx, cfg.databaseURL(), db.Options{})
}

// MigrateUp applies pending migrations of every module.
func MigrateUp(ctx context.Context, cfg Config, log *slog.Logger) error {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Migrate(ctx, migrations(), log)
}

// MigrateStatus reports each module's schema version.
func MigrateStatus(ctx context.Context, cfg Config) ([]db.ModuleStatus, error) {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return d.Status(ctx, migrations())
}

// VerifyAudit checks the audit log's hash chain.
func VerifyAudit(ctx context.Context, cfg Config) (audit.Report, error) {
	d, err := openDB(ctx, cfg)
	if err != nil {
		return audit.Report{}, err
	}
	defer d.Close()
	if err := d.Migrate(ctx, []db.Migrations{audit.Migrations()}, nil); err != nil {
		return audit.Report{}, err
	}
	return audit.New(d, clock.System{}).Verify(ctx)
}

// Open builds a node: external services are reached before anything is
// created locally, then the database is migrated, and every component and
// module is constructed. Nothing runs until Serve.
func Open(ctx context.Context, cfg Config, log *slog.Logger) (_ *App, err error) {
	a := &App{cfg: cfg, log: log, clock: clock.System{}}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if cfg.NATSURL != "" {
		// Probe the cluster before touching the data dir.
		b, err := events.Open(ctx, events.Config{URL: cfg.NATSURL, Logger: log})
		if err != nil {
			return nil, &ConfigError{Msg: fmt.Sprintf("--nats-url: %v", err)}
		}
		a.Bus = b
	}
	if a.DB, err = openDB(ctx, cfg); err != nil {
		return nil, err
	}
	if err := a.DB.Migrate(ctx, migrations(), log); err != nil {
		return nil, err
	}
	if a.Bus == nil {
		if a.Bus, err = events.Open(ctx, events.Config{StoreDir: filepath.Join(cfg.DataDir, "nats"), Logger: log}); err != nil {
			return nil, err
		}
	}
	if a.Blob, err = blob.Open(ctx, cfg.blobURL()); err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("--blob-url: %v", err)}
	}
	if cfg.Secret == "" && cfg.DatabaseURL != "" {
		log.Warn("no --secret: this node keeps its own in the data dir; nodes behind one balancer need the same --secret or forms fail across nodes")
	}
	secret, err := loadSecret(cfg)
	if err != nil {
		return nil, err
	}
	bundle, err := i18n.Load(localeSources()...)
	if err != nil {
		return nil, fmt.Errorf("load translations: %w", err)
	}
	reg := prometheus.NewRegistry()
	trusted, _ := parsePrefixes(cfg.TrustedProxies)
	metricsAllow, _ := parsePrefixes(cfg.MetricsAllow)
	a.Web, err = web.New(web.Options{
		Logger: log, Bundle: bundle, Registerer: reg, Gatherer: reg, Secret: secret,
		TLS:          secureCookies(cfg),
		MaxBodyBytes: cfg.MaxBodyBytes, RatePerIP: cfg.RatePerIP, BurstPerIP: cfg.BurstPerIP,
		TrustedProxies: trusted, MetricsAllow: metricsAllow, Demo: cfg.Demo, LoginPath: "/login",
	})
	if err != nil {
		return nil, err
	}
	a.Audit = audit.New(a.DB, a.clock)
	a.Outbox = events.NewOutbox(a.clock, a.Bus.Prefix())
	a.Relay = events.NewRelay(a.DB, a.Bus, events.RelayOptions{Clock: a.clock, Logger: log})
	a.Outbox.WakeWith(a.Relay.Nudge)
	a.Jobs = jobs.New(a.DB, jobs.Options{Workers: cfg.JobWorkers, Lease: cfg.JobLease, Clock: a.clock, Logger: log})

	var sms notify.SMSGateway = notify.LogSender{Log: log}
	if cfg.SMSGatewayURL != "" {
		sms = &notify.HTTPGateway{URL: cfg.SMSGatewayURL, Token: cfg.SMSGatewayToken}
	}
	messages, err := notify.New(a.DB, a.clock, a.Jobs, sms, a.Web.Renderer())
	if err != nil {
		return nil, err
	}
	switch {
	case cfg.SMTPAddr != "":
		messages.UseEmail(&notify.SMTPSender{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, StartTLS: !cfg.SMTPNoStartTLS})
	case cfg.Demo:
		// The demo shows its e-mail on the outbox page; a real node
		// without a mail server sends none.
		messages.UseEmail(notify.LogSender{Log: log})
	}
	if cfg.Demo {
		messages.DemoRoutes(a.Web.Router())
	}
	messages.Routes(a.Web.Router(), identity.PermSelf, func(ctx context.Context) (string, bool) {
		return catalogStaff{}.Actor(ctx), identity.FromContext(ctx) != nil
	})
	a.Registry = catalog.New(a.DB, a.clock, a.Audit)
	accounts, err := identity.NewService(a.DB, a.clock, a.Audit, agencyDirectory{a.Registry}, log, password.DefaultParams())
	if err != nil {
		return nil, err
	}
	accounts.UseNotifier(messages)
	a.Accounts = accounts
	if a.identity, err = identity.New(accounts, a.Web.Renderer(), log, secureCookies(cfg)); err != nil {
		return nil, err
	}
	if err := a.identity.Install(a.Web); err != nil {
		return nil, err
	}
	issuer := cfg.PublicURL
	if issuer == "" {
		issuer = "http://" + cfg.Listen
	}
	if a.OIDC, err = oidcprovider.New(ctx, oidcprovider.Config{Issuer: issuer, Secret: secret, DB: a.DB, Accounts: accounts,
		Audit: a.Audit, Renderer: a.Web.Renderer(), Clock: a.clock, Logger: log}); err != nil {
		return nil, err
	}
	a.OIDC.Routes(a.Web.Router())
	a.identity.UseBearerTokens(a.OIDC.Service())
	if a.portal, err = portal.New(a.DB, a.Web.Renderer(), a.clock, a.Audit); err != nil {
		return nil, err
	}
	a.portal.Routes(a.Web.Router())
	targets := catalog.Targets{Live: cfg.TargetServices, AutomatedShare: cfg.TargetAutomated, MobileShare: cfg.TargetMobile}
	if a.catalog, err = catalog.NewModule(a.Registry, a.portal, targets, a.Web.Renderer()); err != nil {
		return nil, err
	}
	a.catalog.Routes(a.Web.Router())
	a.catalog.AdminRoutes(a.Web.Router(), identity.PermCatalogEdit, catalogStaff{})
	calendar := cfg.calendar(clock.Tashkent)
	a.Workflow = workflow.New(a.DB, a.Jobs, a.Outbox, a.clock, workflow.Options{Location: clock.Tashkent, Calendar: calendar, Logger: log})
	pkiSecret := []byte(cfg.PKIKeySecret)
	if len(pkiSecret) == 0 {
		pkiSecret = derive(secret, "egov pki key seal")
	}
	if a.PKI, err = pki.New(a.DB, a.clock, a.Audit, log, pki.Config{BaseURL: issuer, KeySecret: pkiSecret,
		CloudSigning: cfg.cloudSigning()}); err != nil {
		return nil, err
	}
	if a.pki, err = pki.NewModule(a.PKI, a.Web.Renderer()); err != nil {
		return nil, err
	}
	a.pki.UseHolders(pkiHolders{}, identity.PermSelf)
	a.pki.UseStaff(pkiStaff{a.Registry}, identity.PermAgencyStaff)
	if err := a.pki.Routes(a.Web); err != nil {
		return nil, err
	}
	a.identity.UseCertificates(a.PKI)
	a.Exchange = bus.New(a.DB, a.clock, a.Audit)
	a.DataTracker = bus.NewTracker(a.DB, a.clock)
	a.identity.UseDataAccesses(busTracker{tracker: a.DataTracker, registry: a.Exchange})
	a.MessageLog = msglog.New(a.DB, a.clock)
	a.APIKeys = bus.NewAPIKeys(a.DB, a.clock, a.Audit)
	a.Workflow.Register(bus.TaskTypeCall, a.runBusCall)
	a.busMetrics = gateway.NewMetrics(reg)
	busPages, err := bus.NewPages(a.Exchange, a.MessageLog, a.Web.Renderer())
	if err != nil {
		return nil, err
	}
	busPages.Routes(a.Web.Router(), identity.PermBusAdmin, catalogStaff{})
	a.routeEvidence()
	confs, err := globalconf.NewPublisher(globalconf.PublisherConfig{Registry: a.Exchange, Signer: a.PKI.BusConfigSigner,
		Instance: cfg.BusInstance, TSA: a.PKI, OCSP: a.PKI, TSAURL: issuer + pki.PathTSA, Clock: a.clock, Logger: log})
	if err != nil {
		return nil, err
	}
	confs.Routes(a.Web.Router())
	if cfg.Demo {
		registerDemoHandlers(a.Workflow, log)
	}
	if a.workflow, err = workflow.NewModule(a.Workflow, workflowStaff{accounts: accounts}, workflowAgencies{a.Registry}, a.Web.Renderer()); err != nil {
		return nil, err
	}
	if err := a.workflow.Routes(a.Web, workflow.Permissions{Work: identity.PermApplicationsProcess,
		Supervise: identity.PermApplicationsSupervise, Admin: identity.PermWorkflowAdmin}); err != nil {
		return nil, err
	}
	fees, err := a.usePayments(secret, issuer)
	if err != nil {
		return nil, err
	}
	files, err := a.useUploads()
	if err != nil {
		return nil, err
	}
	a.Applications = a.portal.UseApplications(portal.Deps{Forms: applicationForms{registry: a.Registry, fees: fees},
		Processes: applicationProcesses{a.Workflow}, Jobs: a.Jobs, Outbox: a.Outbox,
		Notifier: applicationNotifier{accounts: accounts, registry: a.Registry, messages: messages},
		Calendar: calendar, Registries: prefillRegistries{accounts: accounts, app: a}, Publisher: workflowMessages{a.Workflow}, Invoices: paymentInvoices{fees},
		Results: applicationResults{accounts: accounts, registry: a.Registry, pki: a.PKI}, Blob: a.Blob, BaseURL: issuer,
		Attachments: applicationAttachments{files}, Signatures: signatureChecker{a.PKI}})
	fees.OnPaid(func(ctx context.Context, tx *sql.Tx, inv payments.Invoice) error {
		return a.Applications.Paid(ctx, tx, inv.Reference)
	})
	a.Workflow.Register(portal.TaskTypeStatus, a.runApplicationStatus)
	a.Workflow.Register(portal.TaskTypeResult, a.runApplicationResult)
	a.workflow.LinkCases(applicationLink)
	psc := a.Applications.UsePSC(pscCitizens{accounts: accounts, messages: messages, rd: a.Web.Renderer(), pki: a.PKI})
	a.who = applicants{psc: psc}
	who := a.who
	// The citizen confirms for themselves, never for whom they serve.
	if err := psc.Routes(a.Web.Router(), a.Web.Renderer(), identity.PermAssistCitizen, identity.PermSelf, pscOperators{},
		applicants{}); err != nil {
		return nil, err
	}
	if err := a.Applications.APIRoutes(a.Web, identity.PermSelf, who); err != nil {
		return nil, err
	}
	if err := a.Applications.PageRoutes(a.Web.Router(), a.Web.Renderer(), identity.PermSelf, who); err != nil {
		return nil, err
	}
	if err := a.Applications.ResultRoutes(a.Web.Router(), a.Web.Renderer(), identity.PermSelf, who); err != nil {
		return nil, err
	}
	if err := a.Applications.OfficeRoutes(a.Web.Router(), a.Web.Renderer(), identity.PermApplicationsProcess,
		applicationOffice{engine: a.Workflow, staff: workflowStaff{accounts: accounts}}, staffAccessLog{a.DataTracker}); err != nil {
		return nil, err
	}
	if err := a.catalog.APIRoutes(a.Web); err != nil {
		return nil, err
	}

	a.registerHousekeeping()

	a.Web.AddCheck("database", a.DB.Ping)
	a.Web.AddCheck("nats", a.Bus.Ready)
	a.Web.AddCheck("blob", func(ctx context.Context) error { return blob.Ready(ctx, a.Blob) })
	a.registerMetrics(reg)
	return a, nil
}

// secureCookies tells whether the site is served over HTTPS, directly or by
// a terminating proxy named in --public-url.
func secureCookies(cfg Config) bool {
	return cfg.TLSCert != "" || strings.HasPrefix(cfg.PublicURL, "https://")
}

// registerMetrics adds the process, database pool, job queue and outbox
// gauges to the registry /metrics serves.
func (a *App) registerMetrics(reg *prometheus.Registry) {
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for name := range a.DB.Stats() {
		pool := a.DB.Writer()
		if name == "reader" {
			pool = a.DB.Reader()
		}
		reg.MustRegister(collectors.NewDBStatsCollector(pool, name))
	}
	reg.MustRegister(newBacklogCollector(a))
}

// derive makes a 32-byte key for one purpose from the node's secret
// (HKDF-SHA256), so that no two uses share a key.
func derive(secret []byte, purpose string) []byte {
	key, err := hkdf.Key(sha256.New, secret, nil, purpose, 32)
	if err != nil {
		panic(err) // only for lengths HKDF cannot give
	}
	return key
}

// loadSecret returns the configured secret, or the one kept in the data dir,
// generating it on first start.
func loadSecret(cfg Config) ([]byte, error) {
	if cfg.Secret != "" {
		return []byte(cfg.Secret), nil
	}
	path := filepath.Join(cfg.DataDir, "secret.key")
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) >= 32 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read secret: %w", err)
	}
	buf := make([]byte, 32)
	_, _ = rand.Read(buf)
	s := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write secret: %w", err)
	}
	return []byte(s), nil
}

// Consume registers a durable event consumer that runs while the node
// serves; every node runs it and JetStream shares the events among them.
func (a *App) Consume(name, subject string, h events.Handler) {
	a.consumers = append(a.consumers, consumer{name, subject, h})
}

// LoadDemo loads every module's demo data; loading twice changes nothing.
// The catalog comes first: its agencies are the ones demo staff work in.
func (a *App) LoadDemo(ctx context.Context) error {
	if err := a.Registry.LoadDemo(ctx); err != nil {
		return err
	}
	if err := a.loadDemoPKI(ctx); err != nil {
		return fmt.Errorf("demo certificate authority: %w", err)
	}
	if err := a.Accounts.LoadDemo(ctx); err != nil {
		return err
	}
	if err := a.loadDemoOfficerKeys(ctx); err != nil {
		return fmt.Errorf("demo officers' signing keys: %w", err)
	}
	if err := a.Workflow.LoadDemo(ctx); err != nil {
		return err
	}
	if err := a.loadDemoBus(ctx); err != nil {
		return fmt.Errorf("demo exchange bus: %w", err)
	}
	return a.portal.LoadDemo(ctx)
}

// Serve runs the HTTP server, the outbox relay and the job workers until ctx
// is cancelled, then shuts down gracefully: the listener closes, in-flight
// requests finish, running jobs finish, and the relay stops.
func (a *App) Serve(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.Listen)
	if err != nil {
		return &ConfigError{Msg: fmt.Sprintf("--listen %s: %v", a.cfg.Listen, err)}
	}
	return a.ServeListener(ctx, ln)
}

// ServeListener is Serve on an existing listener (tests use port 0).
func (a *App) ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           a.Web.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	if err := a.scheduleHousekeeping(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, c := range a.consumers {
		wg.Go(func() {
			if err := a.Bus.Consume(workCtx, a.DB, c.name, c.subject, c.handle); err != nil {
				a.log.Error("event consumer stopped", "consumer", c.name, "err", err)
			}
		})
	}
	wg.Go(func() {
		if err := a.Relay.Run(workCtx); err != nil {
			a.log.Error("outbox relay stopped", "err", err)
		}
	})
	wg.Go(func() {
		if err := a.Jobs.Run(workCtx); err != nil {
			a.log.Error("job queue stopped", "err", err)
		}
	})
	serveErr := make(chan error, 1)
	go func() {
		var err error
		if a.cfg.TLSCert != "" {
			err = srv.ServeTLS(ln, a.cfg.TLSCert, a.cfg.TLSKey)
		} else {
			err = srv.Serve(ln)
		}
		serveErr <- err
	}()
	a.log.Info("egov serving", "addr", ln.Addr().String(), "database", string(a.DB.Engine()), "demo", a.cfg.Demo)

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
	}
	a.log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	if serr := srv.Shutdown(shutCtx); serr != nil {
		a.log.Warn("HTTP shutdown", "err", serr)
	}
	stopWork()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-shutCtx.Done():
		a.log.Warn("shutdown timed out; unfinished jobs will be taken over after their lease")
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Close releases every resource; safe on a partly opened App.
func (a *App) Close() {
	if a.demoBus != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		a.demoBus.stop(ctx)
		cancel()
	}
	if a.Blob != nil {
		a.Blob.Close()
	}
	if a.Bus != nil {
		a.Bus.Close()
	}
	if a.DB != nil {
		a.DB.Close()
	}
}
