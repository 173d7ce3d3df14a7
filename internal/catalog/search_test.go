package catalog_test

import (
	"context"
	"testing"

	"github.com/egovuz/egov/internal/catalog"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

func TestSearchAcrossScriptsAndTypos(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		reg := catalog.New(d, clock.System{}, audit.New(d, clock.System{}))
		ag, err := reg.CreateAgency(ctx, "admin", catalog.Agency{Code: "adliya", Kind: catalog.KindMinistry,
			Names: texts("Adliya vazirligi", "Министерство юстиции", "Ministry of Justice")})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.CreateService(ctx, "admin", birthCertificate(ag.ID), "x"); err != nil {
			t.Fatal(err)
		}
		pension := birthCertificate(ag.ID)
		pension.Code = "pension-statement"
		pension.Name = texts("Pensiya miqdori haqida maʼlumotnoma", "Справка о размере пенсии", "Pension amount statement")
		pension.Description = texts("Pensiyangiz miqdori.", "Размер вашей пенсии.", "How much your pension is.")
		if _, err := reg.CreateService(ctx, "admin", pension, "x"); err != nil {
			t.Fatal(err)
		}
		hidden := birthCertificate(ag.ID)
		hidden.Code, hidden.Status = "birth-certificate-planned", catalog.StatusPlanned
		if _, err := reg.CreateService(ctx, "admin", hidden, "x"); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			query string
			want  string // code of the first result, "" for none
		}{
			{"tugʻilganlik", "birth-certificate-duplicate"},
			{"tug'ilganlik", "birth-certificate-duplicate"},
			{"tugilganlik", "birth-certificate-duplicate"},
			{"туғилганлик", "birth-certificate-duplicate"},
			{"ТУҒИЛГАНЛИК гувоҳнома", "birth-certificate-duplicate"},
			{"свидетельство о рождении", "birth-certificate-duplicate"},
			{"birth certificate", "birth-certificate-duplicate"},
			{"guvohn", "birth-certificate-duplicate"},      // a word prefix
			{"tugilgenlik", "birth-certificate-duplicate"}, // one letter wrong
			{"tugilganlk", "birth-certificate-duplicate"},  // one letter missing
			{"pensiya", "pension-statement"},
			{"пенсия", "pension-statement"},
			{"pnesiya", "pension-statement"}, // two letters swapped
			{"xyzzy", ""},
			{"", ""},
			{`"*) OR 1=1 --`, ""},
		}
		for _, tt := range tests {
			got, err := reg.Search(ctx, tt.query, 10)
			if err != nil {
				t.Fatalf("%q: %v", tt.query, err)
			}
			first := ""
			if len(got) > 0 {
				first = got[0].Code
			}
			if first != tt.want {
				t.Errorf("search %q: first %q, want %q (%d results)", tt.query, first, tt.want, len(got))
			}
			for _, s := range got {
				if s.Status != catalog.StatusLive {
					t.Errorf("search %q found a %s service", tt.query, s.Status)
				}
			}
		}
	})
}

// FuzzQueryTerms feeds arbitrary search queries: the search must never fail
// and must never pass anything but plain words to the full-text engine.
func FuzzQueryTerms(f *testing.F) {
	for _, s := range []string{"tugʻilganlik guvohnoma", "Свидетельство", `"*) OR 1=1 --`, "a:* & b | !c", "NEAR(x y)"} {
		f.Add(s)
	}
	d := dbtest.Open(f, db.SQLite, schema())
	reg := catalog.New(d, clock.System{}, audit.New(d, clock.System{}))
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := reg.Search(context.Background(), q, 5); err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
	})
}
