package identity_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/password"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// BenchmarkLogin measures password sign-ins per second with the production
// argon2id cost, on each engine: Authenticate (throttle check, lookup,
// argon2id verify, throttle reset) plus StartSession (insert, audit entry).
func BenchmarkLogin(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine, schema())
			c := clock.System{}
			svc, err := identity.NewService(d, c, audit.New(d, c), testAgencies, slog.New(slog.NewTextHandler(io.Discard, nil)), password.DefaultParams())
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			if err := svc.LoadDemo(ctx); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					u, err := svc.Authenticate(ctx, "+998901000001", identity.DemoPassword)
					if err != nil {
						b.Fatal(err)
					}
					if _, _, err := svc.StartSession(ctx, u, "127.0.0.1", "bench", identity.SignInPassword); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "logins/s")
		})
	}
}
