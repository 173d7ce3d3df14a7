package portal_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
	"github.com/egovuz/egov/internal/portal"
	"github.com/prometheus/client_golang/prometheus"
)

func bundle(t testing.TB) *i18n.Bundle {
	t.Helper()
	b, err := i18n.Load(web.Locales(), portal.Locales())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func newModule(t testing.TB, d *db.DB) *portal.Module {
	t.Helper()
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: bundle(t),
		Registerer: reg, Gatherer: reg, Secret: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	m, err := portal.New(d, srv.Renderer(), clock.System{}, audit.New(d, clock.System{}))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTemplatesUseKnownKeys(t *testing.T) {
	webtest.AssertTemplateKeys(t, bundle(t), portal.Templates())
}

func TestLifeEventsInEveryLanguage(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), portal.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		m := newModule(t, d)
		events, err := m.FindLifeEvents(ctx, i18n.En)
		if err != nil || len(events) != 0 {
			t.Fatalf("before demo: %v, %v", events, err)
		}
		for range 2 { // loading twice changes nothing
			if err := m.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		want := map[i18n.Locale]string{
			i18n.UzLatn: "Farzand tugʻilishi",
			i18n.UzCyrl: "Фарзанд туғилиши",
			i18n.Ru:     "Рождение ребёнка",
			i18n.En:     "Birth of a child",
		}
		for loc, title := range want {
			events, err := m.FindLifeEvents(ctx, loc)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 8 || events[0].Title != title || events[0].Slug != "birth-of-a-child" || events[0].Summary == "" {
				t.Errorf("%s: %d events, first %+v", loc, len(events), events[0])
			}
		}
		// The load is in the audit log once, with what it added.
		entries, n, err := audit.New(d, clock.System{}).List(ctx, audit.Filter{})
		if err != nil || n != 1 || entries[0].Action != "portal.demo.loaded" || entries[0].Actor != audit.System {
			t.Errorf("audit after two demo loads: %d entries %+v, %v", n, entries, err)
		}
		// A locale without texts falls back to Uzbek (Latin).
		events, err = m.FindLifeEvents(ctx, i18n.Locale("kk"))
		if err != nil || len(events) != 8 || events[0].Title != want[i18n.UzLatn] {
			t.Errorf("fallback: %v %v", events, err)
		}
	})
}

func BenchmarkFindLifeEvents(b *testing.B) {
	for _, engine := range dbtest.Engines() {
		b.Run(string(engine), func(b *testing.B) {
			d := dbtest.Open(b, engine, []db.Migrations{audit.Migrations(), portal.Migrations()})
			m := newModule(b, d)
			if err := m.LoadDemo(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := m.FindLifeEvents(context.Background(), i18n.Ru); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
