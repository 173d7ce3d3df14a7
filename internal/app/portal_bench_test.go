package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/app"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/benchtest"
)

// BenchmarkApplicationSubmissions measures durable submissions through the
// real HTTP API (session, CSRF, JSON decoding, form validation against the
// catalogue's form, numbering, the application, its timeline entry, the
// outbox event, the notification and the process-start job, committed
// together) against single-row insert commits on the same database in the
// same run, 16 clients each. The processes the submissions start run in
// the background meanwhile, as they would. SQLite always; PostgreSQL when
// EGOV_TEST_POSTGRES_URL is set.
func BenchmarkApplicationSubmissions(b *testing.B) {
	eachDemoNode(b, func(cfg *app.Config) { cfg.RatePerIP, cfg.BurstPerIP = 1e9, 1e9 }, func(b *testing.B, n *node, _ app.Config) {
		ctx := context.Background()
		in := demoSubmission(b, n.app, "")
		answers, _ := json.Marshal(in.Answers)
		v := newVisitor(b, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		token := v.csrfToken("/profile")
		if _, err := n.app.DB.Writer().ExecContext(ctx, `CREATE TABLE bench_rows (id TEXT PRIMARY KEY, payload TEXT NOT NULL)`); err != nil {
			b.Fatal(err)
		}
		b.Run("raw-insert", func(b *testing.B) {
			benchtest.Clients(b, 16, "commits/s", func(c, i int) error {
				_, err := n.app.DB.Writer().ExecContext(ctx, `INSERT INTO bench_rows (id, payload) VALUES ($1, $2)`,
					fmt.Sprintf("%d-%d-%d", b.N, c, i), string(answers))
				return err
			})
		})
		b.Run("submit-api", func(b *testing.B) {
			benchtest.Clients(b, 16, "submissions/s", func(c, i int) error {
				body := fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "b%d-%d", "answers": %s}`,
					in.FormVersion, b.N, i, answers)
				resp, err := callJSON(v.c, token, "POST", n.base+"/api/v1/applications", body, nil)
				if err != nil {
					return err
				}
				if resp.StatusCode != http.StatusCreated {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			})
		})
	})
}

// BenchmarkCabinetPage measures Aziz's "My applications" page, rendered
// in full through the real server (session, the applicant's 50 latest
// applications with their services' names, drafts), with 100,000
// applications of 1,000 applicants in the database, 200 of them his; 16
// clients. SQLite always; PostgreSQL when EGOV_TEST_POSTGRES_URL is set.
func BenchmarkCabinetPage(b *testing.B) {
	eachDemoNode(b, func(cfg *app.Config) { cfg.RatePerIP, cfg.BurstPerIP = 1e9, 1e9 }, func(b *testing.B, n *node, _ app.Config) {
		aziz := userIDOf(b, n, identity.DemoPeople()[0].PINFL)
		seedApplications(b, n, aziz, 100_000, 200)
		v := newVisitor(b, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		b.Run("cabinet", func(b *testing.B) {
			benchtest.Clients(b, 16, "pages/s", func(c, i int) error {
				resp, err := v.c.Get(n.base + "/account/applications")
				if err != nil {
					return err
				}
				defer resp.Body.Close()
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					return err
				}
				if resp.StatusCode != http.StatusOK {
					return fmt.Errorf("status %d", resp.StatusCode)
				}
				return nil
			})
		})
	})
}

// seedApplications stores total applications for the duplicate birth
// certificate, mine of them the applicant's and the rest spread over 999
// others, with their timeline entries, in batches of multi-row inserts.
func seedApplications(b *testing.B, n *node, applicant string, total, mine int) {
	b.Helper()
	ctx := context.Background()
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
	const batch = 500
	for from := 0; from < total; from += batch {
		var rows, events []string
		var args, eargs []any
		for i := from; i < min(from+batch, total); i++ {
			owner := fmt.Sprintf("bench-user-%03d", i%999)
			if i < mine {
				owner = applicant
			}
			id := fmt.Sprintf("bench-%07d", i)
			at := start.Add(time.Duration(i) * time.Minute)
			k := len(args)
			rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, '30101900000011', 'birth-certificate-duplicate', 'adliya', 1, '{}', 'in_review', 'online', '', $%d, 'birth-certificate-duplicate', '', $%d, $%d, '{}', '', '', $%d)",
				k+1, k+2, k+3, k+4, k+5, k+6, k+7))
			args = append(args, id, fmt.Sprintf("2026-%07d", 5_000_000+i), owner, "bench-"+id, at, at, at.Add(72*time.Hour))
			e := len(eargs)
			events = append(events, fmt.Sprintf("($%d, 1, $%d, 'submitted', 'online')", e+1, e+2))
			eargs = append(eargs, id, at)
		}
		if _, err := n.app.DB.Writer().ExecContext(ctx, `INSERT INTO portal_applications (id, number, applicant_id, applicant_pinfl,
			service_code, agency_id, form_version, answers, status, channel, operator_id, idempotency_key, process_key, process_instance,
			submitted_at, updated_at, prefilled, org_id, org_name, due_at) VALUES `+strings.Join(rows, ", "), args...); err != nil {
			b.Fatal(err)
		}
		if _, err := n.app.DB.Writer().ExecContext(ctx, `INSERT INTO portal_application_events (application_id, seq, at, kind, detail)
			VALUES `+strings.Join(events, ", "), eargs...); err != nil {
			b.Fatal(err)
		}
	}
}
