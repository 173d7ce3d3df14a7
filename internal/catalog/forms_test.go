package catalog_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

func TestForms(t *testing.T) {
	examples := form.Examples()
	first, second := examples["birth_certificate_duplicate"], examples["child_allowance"]
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
		log := audit.New(d, c)
		reg := catalog.New(d, c, log)
		justice, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
			Names: texts("Adliya vazirligi", "Министерство юстиции", "Ministry of Justice")})
		if err != nil {
			t.Fatal(err)
		}
		code := "birth-certificate-duplicate"
		if _, err := reg.CreateService(ctx, "admin", birthCertificate(justice.ID), "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Form(ctx, code, 0); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Fatalf("form of a service without one: %v", err)
		}

		// A document the form package refuses is its EINVALID error;
		// nothing is published.
		_, err = reg.PublishForm(ctx, "admin", code, 0, []byte(`{"type":"object","properties":{"x":{"type":"string"}}}`), "first form")
		if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || !strings.HasPrefix(e.Message, "form.schema.") {
			t.Fatalf("bad form: %v", err)
		}
		if _, err := reg.PublishForm(ctx, "admin", code, 0, first, "  "); apperr.As(err) == nil || apperr.As(err).Fields["reason"] == "" {
			t.Fatalf("no reason: %v", err)
		}
		if _, err := reg.PublishForm(ctx, "admin", "no-such-service", 0, first, "first form"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Fatalf("unknown service: %v", err)
		}
		if versions, _ := reg.FormVersions(ctx, code); len(versions) != 0 {
			t.Fatalf("refused publications left versions: %v", versions)
		}

		v1, err := reg.PublishForm(ctx, "admin", code, 0, first, "first form")
		if err != nil || v1.Version != 1 {
			t.Fatalf("publish v1: %v %v", v1, err)
		}
		// An editor who started from no form, or from version 0, is late.
		if _, err := reg.PublishForm(ctx, "editor", code, 0, second, "late"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Fatalf("stale publish: %v", err)
		}
		c.Advance(time.Hour)
		v2, err := reg.PublishForm(ctx, "editor", code, 1, second, "new questions")
		if err != nil || v2.Version != 2 {
			t.Fatalf("publish v2: %v %v", v2, err)
		}

		cur, err := reg.Form(ctx, code, 0)
		if err != nil || cur.Version != 2 || cur.PublishedBy != "editor" || cur.Reason != "new questions" {
			t.Fatalf("current form: %+v %v", cur, err)
		}
		// An application submitted on version 1 still finds its form.
		old, err := reg.Form(ctx, code, 1)
		if err != nil || old.Version != 1 {
			t.Fatalf("form v1: %+v %v", old, err)
		}
		want, _ := form.Parse(first)
		if string(old.Form.Canonical()) != string(want.Canonical()) {
			t.Error("version 1 does not keep its document")
		}
		if old.Form.Title(i18n.En) == cur.Form.Title(i18n.En) {
			t.Error("versions 1 and 2 should be different forms")
		}
		if _, err := reg.Form(ctx, code, 3); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Fatalf("missing version: %v", err)
		}
		versions, err := reg.FormVersions(ctx, code)
		if err != nil || len(versions) != 2 || versions[0].Version != 2 || versions[1].Reason != "first form" {
			t.Fatalf("versions: %+v %v", versions, err)
		}
		if cur, err := reg.CurrentForms(ctx); err != nil || cur[v1.ServiceID] != 2 || len(cur) != 1 {
			t.Errorf("current forms: %v %v", cur, err)
		}
		// An agency administrator's list: their agencies only, none when
		// they have none.
		if _, total, err := reg.Services(ctx, catalog.ServiceFilter{AgencyIDs: []string{justice.ID}}); err != nil || total != 1 {
			t.Errorf("services of the Ministry of Justice: %d %v", total, err)
		}
		if _, total, err := reg.Services(ctx, catalog.ServiceFilter{AgencyIDs: []string{}}); err != nil || total != 0 {
			t.Errorf("services of no agency: %d %v", total, err)
		}
		n, err := reg.FormVersion(ctx, v1.ServiceID)
		if err != nil || n != 2 {
			t.Fatalf("FormVersion = %d, %v", n, err)
		}

		// Two editors publishing from the same version at once: exactly
		// one wins, the other is told the form changed.
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = reg.PublishForm(ctx, "editor", code, 2, first, "race")
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !apperr.Is(err, apperr.ECONFLICT):
				t.Errorf("racing publish: %v", err)
			}
		}
		if won != 1 {
			t.Errorf("%d racing publications won, want 1", won)
		}

		entries, _, err := log.List(ctx, audit.Filter{ObjectID: &v1.ServiceID})
		if err != nil {
			t.Fatal(err)
		}
		published := 0
		for _, e := range entries {
			if e.Action == "catalog.form.published" {
				published++
			}
		}
		if published != 3 {
			t.Errorf("audit has %d form publications, want 3", published)
		}
	})
}
