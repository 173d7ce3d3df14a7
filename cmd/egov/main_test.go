package main

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// egov runs the command in-process as the binary would, returning its exit
// status, standard output and standard error.
func egov(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestBadConfigurationExitsTwoAndCreatesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ro := t.TempDir()
	if err := os.Chmod(ro, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(ro, 0o700) })
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"serve", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{"unknown command", []string{"fly"}, `unknown command "fly"`},
		{"malformed database URL", []string{"migrate", "up", "--data-dir", dir, "--database-url", "mysql://x/y"}, "--database-url"},
		{"malformed NATS URL", []string{"serve", "--data-dir", dir, "--nats-url", "http://x"}, "--nats-url"},
		{"malformed blob URL", []string{"serve", "--data-dir", dir, "--blob-url", "ftp://x"}, "--blob-url"},
		{"malformed listen", []string{"serve", "--data-dir", dir, "--listen", "8080"}, "--listen"},
		{"half TLS", []string{"serve", "--data-dir", dir, "--tls-cert", "c.pem"}, "--tls-cert and --tls-key"},
		{"short secret", []string{"serve", "--data-dir", dir, "--secret", "short"}, "--secret"},
		{"unknown export format", []string{"registry", "export", "--data-dir", dir, "--format", "pdf"}, "unknown export format"},
		{"malformed holiday", []string{"serve", "--data-dir", dir, "--holidays", "2027-03-20,20 March"}, "--holidays"},
		{"unreachable PostgreSQL", []string{"serve", "--data-dir", dir, "--database-url", "postgres://egov@127.0.0.1:1/egov?sslmode=disable&connect_timeout=2"}, "postgres"},
		{"unreachable NATS", []string{"serve", "--data-dir", dir, "--nats-url", "nats://127.0.0.1:1"}, "--nats-url"},
		{"malformed SMS gateway", []string{"serve", "--data-dir", dir, "--sms-gateway-url", "sms.example.uz"}, "--sms-gateway-url"},
		{"mail server without sender", []string{"serve", "--data-dir", dir, "--smtp-addr", "mail.example.uz:587"}, "--smtp-from"},
		{"malformed bus instance", []string{"serve", "--data-dir", dir, "--bus-instance", "U/Z"}, "--bus-instance"},
		{"migrate without verb", []string{"migrate", "--data-dir", dir}, "'up' or 'status'"},
		{"migrate with extra argument", []string{"migrate", "up", "--data-dir", dir, "now"}, "takes no arguments"},
	}
	if os.Geteuid() != 0 { // root can write anywhere
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"unwritable data dir", []string{"serve", "--data-dir", filepath.Join(ro, "sub")}, "--data-dir"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := egov(t, tt.args...)
			if code != 2 {
				t.Errorf("exit %d, want 2 (stderr %q)", code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if len(lines) != 1 || !strings.Contains(stderr, tt.want) || !strings.HasPrefix(stderr, "egov: ") {
				t.Errorf("stderr = %q, want one line mentioning %q", stderr, tt.want)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("data dir was created")
			}
		})
	}
}

func TestEnvironmentConfiguresFlags(t *testing.T) {
	t.Setenv("EGOV_DATABASE_URL", "mysql://x/y")
	code, _, stderr := egov(t, "migrate", "status", "--data-dir", t.TempDir())
	if code != 2 || !strings.Contains(stderr, "--database-url") {
		t.Errorf("env var not applied: %d %q", code, stderr)
	}
	// The command line wins over the environment.
	code, out, stderr := egov(t, "migrate", "status", "--data-dir", t.TempDir(), "--database-url", filepath.Join(t.TempDir(), "x.db"))
	if code != 0 || !strings.Contains(out, "portal") {
		t.Errorf("flag did not override env: %d %q %q", code, out, stderr)
	}
	t.Setenv("EGOV_JOB_WORKERS", "many")
	if code, _, stderr := egov(t, "migrate", "status"); code != 2 || !strings.Contains(stderr, "EGOV_JOB_WORKERS") {
		t.Errorf("bad env value: %d %q", code, stderr)
	}
}

func TestHelpDocumentsEveryFlag(t *testing.T) {
	code, out, _ := egov(t, "help")
	for _, cmd := range []string{"serve", "migrate up", "migrate status", "demo", "audit verify", "version"} {
		if !strings.Contains(out, "egov "+cmd) {
			t.Errorf("help lacks %q", cmd)
		}
	}
	if code != 0 {
		t.Errorf("help exit %d", code)
	}
	code, _, stderr := egov(t, "serve", "--help")
	for _, f := range []string{"--demo", "--listen", "--data-dir", "--database-url", "--nats-url", "--blob-url", "--public-url", "--tls-cert", "--tls-key", "--secret", "EGOV_DATABASE_URL"} {
		if !strings.Contains(stderr, f) {
			t.Errorf("serve --help lacks %s", f)
		}
	}
	if code != 0 {
		t.Errorf("serve --help exit %d", code)
	}
	for _, group := range []string{"migrate", "audit"} {
		if code, out, _ := egov(t, group, "--help"); code != 0 || !strings.Contains(out, "Usage: egov "+group) {
			t.Errorf("%s --help: %d %q", group, code, out)
		}
	}
	if code, out, _ := egov(t, "version"); code != 0 || !strings.HasPrefix(out, "egov ") {
		t.Errorf("version: %d %q", code, out)
	}
}

func TestMigrateDemoAndAuditCommands(t *testing.T) {
	urls := dbtest.URLs(t)
	for engine, u := range urls {
		t.Run(string(engine), func(t *testing.T) {
			dir := t.TempDir()
			args := []string{"--data-dir", dir, "--database-url", u}
			code, out, stderr := egov(t, append([]string{"migrate", "status"}, args...)...)
			if code != 0 || !strings.Contains(out, "portal") || !strings.Contains(out, "PENDING") {
				t.Fatalf("migrate status: %d %q %q", code, out, stderr)
			}
			if code, _, stderr := egov(t, append([]string{"migrate", "up"}, args...)...); code != 0 {
				t.Fatalf("migrate up: %d %q", code, stderr)
			}
			_, out, _ = egov(t, append([]string{"migrate", "status"}, args...)...)
			for _, line := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
				if !strings.HasSuffix(line, " 0") {
					t.Errorf("pending after migrate up: %q", line)
				}
			}
			for range 2 {
				if code, out, stderr := egov(t, append([]string{"demo"}, args...)...); code != 0 || !strings.Contains(out, "demo data loaded") {
					t.Fatalf("demo: %d %q %q", code, out, stderr)
				}
			}
			code, out, stderr = egov(t, append([]string{"audit", "verify"}, args...)...)
			if code != 0 || !regexp.MustCompile(`^audit log OK: \d+ entries verified`).MatchString(out) {
				t.Errorf("audit verify: %d %q %q", code, out, stderr)
			}
			// The registry goes out and comes back unchanged; a broken
			// file is refused line by line.
			code, exported, stderr := egov(t, append([]string{"registry", "export", "--format", "json"}, args...)...)
			if code != 0 || !strings.Contains(exported, `"egov-registry/1"`) {
				t.Fatalf("registry export: %d %q", code, stderr)
			}
			file := filepath.Join(dir, "registry.json")
			if err := os.WriteFile(file, []byte(exported), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out, stderr = egov(t, append(append([]string{"registry", "import", "--format", "json", "--reason", "again"}, args...), file)...)
			if code != 0 || !strings.Contains(out, "services: 0 new, 0 changed, 75 unchanged") {
				t.Errorf("registry import: %d %q %q", code, out, stderr)
			}
			broken := strings.Replace(exported, `"term_days":`, `"term_days":"x",`, 1)
			if err := os.WriteFile(file, []byte(broken), 0o600); err != nil {
				t.Fatal(err)
			}
			if code, _, stderr := egov(t, append(append([]string{"registry", "import", "--format", "json", "--reason", "x"}, args...), file)...); code != 1 ||
				!strings.Contains(stderr, "registry.json:") || !strings.Contains(stderr, "nothing was imported") {
				t.Errorf("broken import: %d %q", code, stderr)
			}
			if engine != db.SQLite {
				return
			}
			// Someone with access to the file rewrites history.
			d, err := sql.Open("sqlite", u)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			rows, err := d.Query(`SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
			if err != nil {
				t.Fatal(err)
			}
			var triggers []string
			for rows.Next() {
				var name string
				rows.Scan(&name)
				triggers = append(triggers, name)
			}
			rows.Close()
			for _, name := range triggers {
				if _, err := d.Exec(`DROP TRIGGER ` + name); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := d.Exec(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`); err != nil {
				t.Fatal(err)
			}
			code, out, _ = egov(t, append([]string{"audit", "verify"}, args...)...)
			if code != 1 || !strings.Contains(out, "BROKEN at seq 1 (altered)") {
				t.Errorf("audit verify of a tampered log: %d %q", code, out)
			}
		})
	}
}
