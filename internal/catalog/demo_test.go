package catalog_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// demoLifeEvents are the portal's life events (portal/demo.go).
var demoLifeEvents = []string{"birth-of-a-child", "going-to-school", "marriage", "moving-home",
	"retirement", "starting-a-business", "building-permit", "closing-a-business"}

// demoFormServices have application forms elsewhere, so they must exist.
var demoFormServices = []string{"birth-certificate-duplicate", "sole-proprietor-registration", "child-allowance",
	"residence-registration-change", "building-permit", "marriage-registration", "archival-certificate",
	"pension-calculation-statement"}

func TestLoadDemo(t *testing.T) {
	dbtest.Each(t, []db.Migrations{audit.Migrations(), catalog.Migrations()}, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		log := audit.New(d, c)
		reg := catalog.New(d, c, log)

		if err := reg.LoadDemo(ctx); err != nil {
			t.Fatal(err) // every passport was accepted, or this says which not
		}
		agencies, err := reg.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		services, total, err := reg.Services(ctx, catalog.ServiceFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		_, audited, _ := log.List(ctx, audit.Filter{})

		checkDemoAgencies(t, agencies)
		if total < 60 || len(services) != total {
			t.Errorf("%d services (%d listed), want at least 60", total, len(services))
		}
		checkDemoServices(t, services)

		for _, e := range demoLifeEvents {
			event := e
			_, n, err := reg.Services(ctx, catalog.ServiceFilter{LifeEvent: &event})
			live := catalog.StatusLive
			_, nLive, _ := reg.Services(ctx, catalog.ServiceFilter{LifeEvent: &event, Status: &live})
			if err != nil || n < 3 || nLive < 2 {
				t.Errorf("life event %s: %d services, %d live (%v)", e, n, nLive, err)
			}
		}
		for _, code := range demoFormServices {
			s, err := reg.ServiceByCode(ctx, code)
			if err != nil || s.Status != catalog.StatusLive {
				t.Errorf("%s: %+v, %v", code, s, err)
			}
		}
		hist, err := reg.History(ctx, "child-allowance")
		if err != nil || len(hist) != 1 || hist[0].ChangedBy != "demo" || hist[0].Reason != "Namoyish maʼlumotlari" {
			t.Errorf("history = %+v, %v", hist, err)
		}

		all, _, err := reg.KPIs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if a := all.AutomatedShare(); a < 0.55 || a > 0.75 {
			t.Errorf("automated share %.2f of %d live", a, all.Live)
		}
		if m := all.MobileShare(); m < 0.65 || m > 0.85 {
			t.Errorf("mobile share %.2f of %d live", m, all.Live)
		}
		if all.Live >= all.Total || all.Live*10 < all.Total*7 {
			t.Errorf("%d of %d services live, want most but not all", all.Live, all.Total)
		}
		t.Logf("%d agencies, %d services, %d live: %.0f %% automated, %.0f %% in the app",
			len(agencies), all.Total, all.Live, 100*all.AutomatedShare(), 100*all.MobileShare())

		// Loading again changes nothing: no new rows, versions or audit entries.
		c.Advance(time.Hour)
		if err := reg.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		again, _ := reg.Agencies(ctx)
		services2, total2, _ := reg.Services(ctx, catalog.ServiceFilter{Limit: 1000})
		_, audited2, _ := log.List(ctx, audit.Filter{})
		if len(again) != len(agencies) || total2 != total || audited2 != audited {
			t.Errorf("second load: %d→%d agencies, %d→%d services, %d→%d audit entries",
				len(agencies), len(again), total, total2, audited, audited2)
		}
		for _, s := range services2 {
			if s.Version != 1 || !s.UpdatedAt.Equal(services[0].UpdatedAt) {
				t.Errorf("%s changed by the second load: v%d at %v", s.Code, s.Version, s.UpdatedAt)
			}
		}
	})
}

func checkDemoAgencies(t *testing.T, agencies []catalog.Agency) {
	t.Helper()
	if len(agencies) < 15 {
		t.Errorf("%d agencies, want at least 15", len(agencies))
	}
	byID := map[string]catalog.Agency{}
	for _, a := range agencies {
		byID[a.ID] = a
	}
	local := 0
	for _, a := range agencies {
		for _, l := range i18n.All() {
			if a.Names[l] == "" {
				t.Errorf("agency %s has no %s name", a.Code, l)
			}
		}
		checkUzbekLatin(t, a.Code, a.Names[i18n.UzLatn])
		if !strings.HasPrefix(a.Phone, "+998 ") || !strings.HasSuffix(a.Email, ".gov.uz") || len(a.Regions) == 0 {
			t.Errorf("agency %s contacts: %q %q %v", a.Code, a.Phone, a.Email, a.Regions)
		}
		if a.ParentID != "" {
			if _, ok := byID[a.ParentID]; !ok {
				t.Errorf("agency %s: parent %s missing", a.Code, a.ParentID)
			}
			if a.Kind == catalog.KindRegional || a.Kind == catalog.KindDistrict {
				local++
			}
		}
	}
	if local < 3 {
		t.Errorf("%d regional or district bodies under another, want at least 3", local)
	}
}

func checkDemoServices(t *testing.T, services []*catalog.Service) {
	t.Helper()
	statuses := map[catalog.Status]int{}
	levels := map[catalog.Level]int{}
	recipients := map[string]int{}
	var inTwoEvents, bca, fixed, free, exempt, heldByState int
	for _, s := range services {
		statuses[s.Status]++
		levels[s.Level]++
		recipients[s.Recipients]++
		if len(s.LifeEvents) >= 2 {
			inTwoEvents++
		}
		switch {
		case s.Fee.BCAMultiple > 0:
			bca++
		case s.Fee.FixedSum > 0:
			fixed++
		default:
			free++
		}
		if s.Fee.Exemptions[i18n.UzLatn] != "" {
			exempt++
		}
		if s.UpdatedBy != "demo" || s.Version != 1 {
			t.Errorf("%s: v%d by %q", s.Code, s.Version, s.UpdatedBy)
		}
		if s.Category == "" || s.TermDays < 1 || len(s.LegalBasis) == 0 || len(s.Documents) == 0 {
			t.Errorf("%s: category %q, %d days, %d acts, %d documents", s.Code, s.Category, s.TermDays, len(s.LegalBasis), len(s.Documents))
		}
		for _, e := range s.LifeEvents {
			if !slices.Contains(demoLifeEvents, e) {
				t.Errorf("%s: unknown life event %s", s.Code, e)
			}
		}
		texts := []catalog.Texts{s.Name, s.Description, s.Result}
		if len(s.Fee.Exemptions) > 0 {
			texts = append(texts, s.Fee.Exemptions)
		}
		for _, doc := range s.Documents {
			texts = append(texts, doc.Name)
			if doc.HeldByState {
				heldByState++
				if doc.Registry == "" {
					t.Errorf("%s: %s held by the state in no registry", s.Code, doc.Name[i18n.En])
				}
			}
		}
		for _, act := range s.LegalBasis {
			texts = append(texts, act.Title)
			if act.Number == "" || act.Date.IsZero() {
				t.Errorf("%s: legal act %+v", s.Code, act)
			}
		}
		for _, tx := range texts {
			for _, l := range i18n.All() {
				if tx[l] == "" {
					t.Errorf("%s: a text has no %s: %v", s.Code, l, tx)
				}
			}
			checkUzbekLatin(t, s.Code, tx[i18n.UzLatn])
		}
	}
	for _, st := range []catalog.Status{catalog.StatusLive, catalog.StatusPlanned, catalog.StatusDigitising, catalog.StatusSuspended} {
		if statuses[st] == 0 {
			t.Errorf("no %s services: %v", st, statuses)
		}
	}
	for l := catalog.LevelInformation; l <= catalog.LevelProactive; l++ {
		if levels[l] == 0 {
			t.Errorf("no services at level %d: %v", l, levels)
		}
	}
	if recipients["citizen"] == 0 || recipients["business"] == 0 || recipients["both"] == 0 {
		t.Errorf("recipients: %v", recipients)
	}
	if inTwoEvents < 3 || bca == 0 || fixed == 0 || free == 0 || exempt < 3 || heldByState < len(services) {
		t.Errorf("%d in two events; fees: %d BCA, %d fixed, %d free, %d with exemptions; %d documents held by the state",
			inTwoEvents, bca, fixed, free, exempt, heldByState)
	}
}

// checkUzbekLatin reports apostrophes that are not the letters of the
// alphabet: oʻ and gʻ take U+02BB, the tutuq belgisi U+02BC.
func checkUzbekLatin(t *testing.T, code, s string) {
	t.Helper()
	prev := ' '
	for _, r := range s {
		switch r {
		case '\'', '`', '‘', '’':
			t.Errorf("%s: %q has apostrophe %q", code, s, r)
		case 'ʻ':
			if !strings.ContainsRune("oOgG", prev) {
				t.Errorf("%s: %q has ʻ after %q", code, s, prev)
			}
		case 'ʼ':
			if strings.ContainsRune("oOgG", prev) {
				t.Errorf("%s: %q has ʼ where oʻ or gʻ is meant", code, s)
			}
		}
		prev = r
	}
}
