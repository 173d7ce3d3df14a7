package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

func schema() []db.Migrations { return []db.Migrations{audit.Migrations(), catalog.Migrations()} }

func texts(uz, ru, en string) catalog.Texts {
	return catalog.Texts{i18n.UzLatn: uz, i18n.Ru: ru, i18n.En: en}
}

func birthCertificate(agencyID string) catalog.Passport {
	return catalog.Passport{
		Code: "birth-certificate-duplicate", AgencyID: agencyID, Recipients: "citizen", Category: "civil-registry",
		LifeEvents:  []string{"birth-of-a-child"},
		Name:        texts("Tugʻilganlik haqidagi guvohnomaning takroriy nusxasi", "Повторное свидетельство о рождении", "Duplicate birth certificate"),
		Description: texts("Yoʻqolgan guvohnoma oʻrniga yangisini olish.", "Получение нового свидетельства взамен утерянного.", "A new certificate in place of a lost one."),
		Result:      texts("Guvohnoma", "Свидетельство", "Certificate"),
		LegalBasis: []catalog.LegalAct{{Title: texts("FHDYo toʻgʻrisidagi qonun", "Закон об актах гражданского состояния", "Civil Registry Act"),
			Number: "ZRU-123", Date: time.Date(2016, 4, 20, 0, 0, 0, 0, time.UTC)}},
		Fee:       catalog.Fee{BCAMultiple: 0.1},
		TermDays:  3,
		Documents: []catalog.Document{{Name: texts("Pasport", "Паспорт", "Passport"), HeldByState: true, Registry: "passports"}},
		Channels:  catalog.Channels{Portal: true, Mobile: true, PSC: true},
		Level:     catalog.LevelTransactional,
		Status:    catalog.StatusLive,
	}
}

func TestRegistry(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		log := audit.New(d, c)
		reg := catalog.New(d, c, log)

		justice, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
			Names: texts("Adliya vazirligi", "Министерство юстиции", "Ministry of Justice")})
		if err != nil {
			t.Fatal(err)
		}
		if justice.Names[i18n.UzCyrl] != "Адлия вазирлиги" {
			t.Errorf("Cyrillic name not transliterated: %q", justice.Names[i18n.UzCyrl])
		}
		if _, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "fhdyo-toshkent", ParentID: justice.ID, Kind: catalog.KindRegional,
			Names: texts("Toshkent shahar FHDYo boʻlimi", "Отдел ЗАГС г. Ташкента", "Tashkent civil registry office")}); err != nil {
			t.Fatal(err)
		}
		if _, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
			Names: texts("x", "x", "x")}); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("duplicate agency code: %v", err)
		}
		if _, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "orphan", ParentID: "nowhere", Kind: catalog.KindDistrict,
			Names: texts("x", "x", "x")}); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("unknown parent: %v", err)
		}
		agencies, _ := reg.Agencies(ctx)
		if len(agencies) != 2 || agencies[1].ParentID != justice.ID {
			t.Errorf("agencies = %+v", agencies)
		}

		// Bad passports are refused field by field and change nothing.
		bad := birthCertificate("nowhere")
		bad.Code, bad.Level, bad.Name = "Bad Code!", 7, catalog.Texts{i18n.UzLatn: "Faqat oʻzbekcha"}
		_, err = reg.CreateService(ctx, "admin", bad, "")
		e := apperr.As(err)
		if e == nil || e.Code != apperr.EINVALID {
			t.Fatalf("bad passport: %v", err)
		}
		for _, field := range []string{"code", "level", "name", "agency_id", "reason"} {
			if e.Fields[field] == "" {
				t.Errorf("no error for %s: %v", field, e.Fields)
			}
		}

		s, err := reg.CreateService(ctx, "admin", birthCertificate(justice.ID), "Reestrga kiritildi")
		if err != nil {
			t.Fatal(err)
		}
		if s.Version != 1 || s.Name[i18n.UzCyrl] != "Туғилганлик ҳақидаги гувоҳноманинг такрорий нусхаси" {
			t.Errorf("created: v%d %q", s.Version, s.Name[i18n.UzCyrl])
		}
		if _, err := reg.CreateService(ctx, "admin", birthCertificate(justice.ID), "again"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("duplicate service code: %v", err)
		}

		// Two editors start from version 1; the second to publish is told.
		edit := s.Passport
		edit.TermDays = 1
		c.Advance(time.Hour)
		v2, err := reg.UpdateService(ctx, "editor-a", s.Code, 1, edit, "Muddat qisqartirildi")
		if err != nil || v2.Version != 2 {
			t.Fatalf("update: %v %v", v2, err)
		}
		other := s.Passport
		other.Fee = catalog.Fee{}
		if _, err := reg.UpdateService(ctx, "editor-b", s.Code, 1, other, "Bepul qilindi"); !apperr.Is(err, apperr.ECONFLICT) {
			t.Errorf("stale update: %v", err)
		}
		if _, err := reg.UpdateService(ctx, "editor-b", "no-such-service", 1, other, "x"); !apperr.Is(err, apperr.ENOTFOUND) {
			t.Errorf("update of a missing service: %v", err)
		}
		got, err := reg.ServiceByCode(ctx, s.Code)
		if err != nil || got.Version != 2 || got.TermDays != 1 || got.Fee.BCAMultiple != 0.1 || got.UpdatedBy != "editor-a" {
			t.Errorf("current = %+v, %v", got, err)
		}
		hist, err := reg.History(ctx, s.Code)
		if err != nil || len(hist) != 2 || hist[0].Reason != "Muddat qisqartirildi" || hist[1].Passport.TermDays != 3 || !hist[0].ChangedAt.After(hist[1].ChangedAt) {
			t.Errorf("history = %+v, %v", hist, err)
		}

		event := "birth-of-a-child"
		list, total, err := reg.Services(ctx, catalog.ServiceFilter{LifeEvent: &event})
		if err != nil || total != 1 || list[0].Code != s.Code {
			t.Errorf("by life event: %d %v", total, err)
		}
		none := "retirement"
		if _, total, _ := reg.Services(ctx, catalog.ServiceFilter{LifeEvent: &none}); total != 0 {
			t.Errorf("retirement services: %d", total)
		}
		// KPIs count live services, automated ones and those in the app.
		planned := birthCertificate(justice.ID)
		planned.Code, planned.Status, planned.Level, planned.Channels = "marriage-appointment", catalog.StatusPlanned, catalog.LevelInformation, catalog.Channels{}
		if _, err := reg.CreateService(ctx, "admin", planned, "Reja"); err != nil {
			t.Fatal(err)
		}
		all, per, err := reg.KPIs(ctx)
		if err != nil || all.Total != 2 || all.Live != 1 || all.Automated != 1 || all.Mobile != 1 || all.AutomatedShare() != 1 {
			t.Errorf("kpis = %+v, %v", all, err)
		}
		if len(per) != 1 || per[0].Agency.Code != "adliya" || per[0].Total != 2 {
			t.Errorf("per agency = %+v", per)
		}
		entries, n, _ := log.List(ctx, audit.Filter{})
		if n != 5 || entries[0].Action != "catalog.service.created" { // 2 agencies, created, updated, created
			t.Errorf("audit: %d entries, newest %q", n, entries[0].Action)
		}
	})
}

func TestDigitisationPlan(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		reg := catalog.New(d, c, audit.New(d, c))
		ag, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
			Names: texts("Adliya vazirligi", "Министерство юстиции", "Ministry of Justice")})
		if err != nil {
			t.Fatal(err)
		}
		add := func(code string, deadline time.Time, target catalog.Level) error {
			p := birthCertificate(ag.ID)
			p.Code, p.Status, p.Level = code, catalog.StatusDigitising, catalog.LevelSubmission
			p.Plan = &catalog.Plan{TargetLevel: target, Deadline: deadline, ResponsibleID: ag.ID}
			_, err := reg.CreateService(ctx, "admin", p, "reja")
			return err
		}
		if err := add("late-service", time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC), catalog.LevelTransactional); err != nil {
			t.Fatal(err)
		}
		if err := add("next-year-service", time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), catalog.LevelProactive); err != nil {
			t.Fatal(err)
		}
		if err := add("backwards-plan", time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC), catalog.LevelDownloadable); apperr.As(err) == nil || apperr.As(err).Fields["plan"] == "" {
			t.Errorf("a plan below the current level: %v", err)
		}
		items, per, err := reg.DigitisationPlan(ctx)
		if err != nil || len(items) != 2 || items[0].Service.Code != "late-service" || !items[0].Overdue || items[1].Overdue {
			t.Fatalf("plan = %+v, %v", items, err)
		}
		if len(per) != 1 || per[0].Items != 2 || per[0].Overdue != 1 {
			t.Errorf("per agency = %+v", per)
		}
	})
}
