package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

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
