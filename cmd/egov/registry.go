package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/catalog"
)

// registryActor signs the history of changes made from the command line.
const registryActor = "operator (command line)"

// cmdRegistry exports or imports the whole registry of services, as the
// administration pages do, for operators moving a registry between
// installations or loading one prepared elsewhere.
func cmdRegistry(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "Usage:\n  egov registry export --format json|csv-services|csv-agencies|xlsx [flags] > FILE\n" +
		"  egov registry import --format json|csv-services|csv-agencies --reason TEXT [flags] FILE"
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		if len(args) > 0 && isHelp(args[0]) {
			fmt.Fprintln(stdout, usage)
			return nil
		}
		return &app.ConfigError{Msg: "registry needs 'export' or 'import' (see 'egov registry --help')"}
	}
	var format, reason string
	cfg, rest, err := loadConfig("registry "+args[0], args[1:], stderr, usage, func(fs *flag.FlagSet) {
		fs.StringVar(&format, "format", "json", "file format: json, csv-services, csv-agencies, or xlsx (export only)")
		fs.StringVar(&reason, "reason", "", "import: the reason recorded in each changed service's history")
	})
	if err != nil {
		return err
	}
	if args[0] == "export" && !slices.ContainsFunc(catalog.ExportFormats, func(f catalog.ExportFormat) bool { return f.Name == format }) {
		return &app.ConfigError{Msg: fmt.Sprintf("unknown export format %q", format)}
	}
	a, err := app.Open(ctx, cfg, app.NewLogger(cfg, stderr))
	if err != nil {
		return err
	}
	defer a.Close()
	if args[0] == "export" {
		if len(rest) > 0 {
			return &app.ConfigError{Msg: "registry export writes to standard output and takes no arguments"}
		}
		return a.Registry.Export(ctx, stdout, format)
	}
	if len(rest) != 1 {
		return &app.ConfigError{Msg: "registry import needs the file to import"}
	}
	f, err := os.Open(rest[0])
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := a.Registry.Import(ctx, registryActor, format, f, reason, nil)
	var ie *catalog.ImportError
	if errors.As(err, &ie) {
		for _, p := range ie.Problems {
			fmt.Fprintf(stderr, "%s:%d: %s %s: %s\n", rest[0], p.Line, p.Code, p.Field, p.Message)
		}
		return errors.New("nothing was imported")
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "agencies: %d new, %d changed, %d unchanged\nservices: %d new, %d changed, %d unchanged\n",
		res.AgenciesCreated, res.AgenciesUpdated, res.AgenciesUnchanged, res.ServicesCreated, res.ServicesUpdated, res.ServicesUnchanged)
	return nil
}
