// Command egov runs the national e-government platform: one binary that serves
// the portal and runs its back office, on embedded engines by default and on
// PostgreSQL, a NATS cluster and S3 storage at scale.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/egovuz/egov/internal/app"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = ""

const helpText = `egov — the national e-government platform.

Usage:
  egov serve [--demo] [flags]   serve the portal, APIs and background work
  egov migrate up [flags]       apply pending database migrations
  egov migrate status [flags]   list each module's schema version
  egov demo [flags]             load demo data (running it twice changes nothing)
  egov audit verify [flags]     check the audit log's hash chain
  egov registry export|import   the registry of services as JSON, CSV or XLSX
  egov pki <command>            certificate authority and e-signature keys
                                (init-root, init-issuing, renew-root-crl, keygen, sign)
  egov bus <command>            the exchange bus's message log: evidence for auditors,
                                archiving and checks (evidence, verify-evidence, archive, verify-log)
  egov gateway                  run a member's exchange bus gateway away from the central server
                                (see 'egov gateway --help'; 'egov gateway api-key' for its systems' keys)
  egov version                  print the version
  egov help                     this text

Run 'egov <command> --help' for the flags of a command. Every flag can also be
set by an EGOV_* environment variable; a flag on the command line wins.`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command and returns the exit status: 0 on success, 2 for
// bad usage or configuration, 1 for any other failure.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, helpText)
		return 2
	}
	cmd, rest := args[0], args[1:]
	var err error
	switch cmd {
	case "help", "-h", "--help", "-help":
		fmt.Fprintln(stdout, helpText)
		return 0
	case "version", "--version":
		fmt.Fprintln(stdout, "egov", buildVersion())
		return 0
	case "serve":
		err = cmdServe(ctx, rest, stderr)
	case "migrate":
		err = cmdMigrate(ctx, rest, stdout, stderr)
	case "demo":
		err = cmdDemo(ctx, rest, stdout, stderr)
	case "audit":
		err = cmdAudit(ctx, rest, stdout, stderr)
	case "registry":
		err = cmdRegistry(ctx, rest, stdout, stderr)
	case "pki":
		err = cmdPKI(ctx, rest, stdout, stderr)
	case "bus":
		err = cmdBus(ctx, rest, stdout, stderr)
	case "gateway":
		err = cmdGateway(ctx, rest, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "egov: unknown command %q (see 'egov help')\n", cmd)
		return 2
	}
	var cfgErr *app.ConfigError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &cfgErr):
		fmt.Fprintf(stderr, "egov: %v\n", err)
		return 2
	default:
		fmt.Fprintf(stderr, "egov: %v\n", err)
		return 1
	}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "--help" || arg == "-help" || arg == "help"
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// loadConfig parses the flags of a command into a validated Config.
func loadConfig(name string, args []string, stderr io.Writer, synopsis string, extra func(*flag.FlagSet)) (app.Config, []string, error) {
	cfg := app.Defaults()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	configFlags(fs, &cfg)
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args, stderr, synopsis); err != nil {
		return cfg, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return cfg, nil, err
	}
	return cfg, fs.Args(), nil
}

func cmdServe(ctx context.Context, args []string, stderr io.Writer) error {
	var demo bool
	cfg, rest, err := loadConfig("serve", args, stderr, "Usage: egov serve [--demo] [flags]\n\nServes the portal, the APIs and the background work until SIGINT or SIGTERM.",
		func(fs *flag.FlagSet) {
			fs.BoolVar(&demo, "demo", false, "load demo data before serving and show the demo banner")
		})
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &app.ConfigError{Msg: fmt.Sprintf("serve takes no arguments, got %q", rest)}
	}
	cfg.Demo = demo
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if demo {
		if err := a.LoadDemo(ctx); err != nil {
			return fmt.Errorf("load demo data: %w", err)
		}
	}
	return a.Serve(ctx)
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "up" && args[0] != "status") {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(stdout, "Usage: egov migrate up|status [flags]\n\nRun 'egov migrate up --help' for the flags.")
			return nil
		}
		return &app.ConfigError{Msg: "migrate needs 'up' or 'status' (see 'egov migrate up --help')"}
	}
	verb := args[0]
	cfg, rest, err := loadConfig("migrate "+verb, args[1:], stderr, "Usage: egov migrate up|status [flags]\n\nApplies or lists each module's database migrations.", nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &app.ConfigError{Msg: fmt.Sprintf("migrate %s takes no arguments, got %q", verb, rest)}
	}
	log := app.NewLogger(cfg, stderr)
	if verb == "up" {
		return app.MigrateUp(ctx, cfg, log)
	}
	st, err := app.MigrateStatus(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%-12s %8s %8s  %s\n", "MODULE", "CURRENT", "LATEST", "PENDING")
	for _, m := range st {
		fmt.Fprintf(stdout, "%-12s %8d %8d  %d\n", m.Module, m.Current, m.Latest, len(m.Pending))
	}
	return nil
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, rest, err := loadConfig("demo", args, stderr, "Usage: egov demo [flags]\n\nLoads the demo data; loading it again changes nothing.", nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &app.ConfigError{Msg: fmt.Sprintf("demo takes no arguments, got %q", rest)}
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.LoadDemo(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "demo data loaded")
	return nil
}

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(stdout, "Usage: egov audit verify [flags]\n\nRun 'egov audit verify --help' for the flags.")
			return nil
		}
		return &app.ConfigError{Msg: "audit needs 'verify' (see 'egov audit verify --help')"}
	}
	cfg, rest, err := loadConfig("audit verify", args[1:], stderr, "Usage: egov audit verify [flags]\n\nRecomputes the audit log's hash chain and reports the first altered, inserted or deleted entry.", nil)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &app.ConfigError{Msg: fmt.Sprintf("audit verify takes no arguments, got %q", rest)}
	}
	rep, err := app.VerifyAudit(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	if !rep.OK {
		return errors.New("audit log verification failed")
	}
	return nil
}
