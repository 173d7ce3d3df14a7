package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/benchtest"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
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
	for engine, u := range dbtest.URLs(b) {
		if engine == db.SQLite {
			u = ""
		}
		b.Run(string(engine), func(b *testing.B) {
			cfg := testConfig(b, u)
			cfg.LogLevel = "error"
			cfg.RatePerIP, cfg.BurstPerIP = 1e9, 1e9
			n := startNode(b, cfg)
			ctx := context.Background()
			if err := n.app.LoadDemo(ctx); err != nil {
				b.Fatal(err)
			}
			aziz := identity.DemoPeople()[0]
			sf, err := n.app.Registry.Form(ctx, "birth-certificate-duplicate", 0)
			if err != nil {
				b.Fatal(err)
			}
			answers, _ := json.Marshal(sf.Form.FromPost(url.Values{
				"applicant_pinfl": {aziz.PINFL}, "applicant_last_name": {aziz.LastName}, "applicant_first_name": {aziz.FirstName},
				"relation": {"self"}, "phone": {"90 100 00 01"}, "child_last_name": {aziz.LastName}, "child_first_name": {aziz.FirstName},
				"child_birth_date": {aziz.BirthDate.Format("2006-01-02")}, "birth_region": {"samarkand"}, "reason": {"lost"},
				"delivery_method": {"office"}, "pickup_region": {"tashkent_city"}, "consent": {"true"},
			}))
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
						sf.Version, b.N, i, answers)
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
}
