package identity_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/audit"
	"github.com/egovuz/egov/internal/platform/clock"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// agencyList is an agency register held in memory, standing in for the
// catalog's (the demo people work in these three).
type agencyList []identity.Agency

func (l agencyList) Agencies(context.Context) ([]identity.Agency, error) { return l, nil }

var testAgencies = agencyList{
	{ID: "agency-adliya", Code: "adliya", Names: map[i18n.Locale]string{i18n.UzLatn: "Adliya vazirligi", i18n.Ru: "Министерство юстиции", i18n.En: "Ministry of Justice"}},
	{ID: "agency-dxa", Code: "dxa", Names: map[i18n.Locale]string{i18n.UzLatn: "Davlat xizmatlari agentligi", i18n.En: "Public Services Agency"}},
	{ID: "agency-soliq", Code: "soliq", Names: map[i18n.Locale]string{i18n.UzLatn: "Soliq qoʻmitasi", i18n.Ru: "Налоговый комитет", i18n.En: "Tax Committee"}},
}

func TestAgencyName(t *testing.T) {
	a := testAgencies[1] // no Russian or Cyrillic name
	tests := []struct {
		loc  i18n.Locale
		want string
	}{
		{i18n.UzLatn, "Davlat xizmatlari agentligi"},
		{i18n.En, "Public Services Agency"},
		{i18n.Ru, "Davlat xizmatlari agentligi"},
		{i18n.UzCyrl, "Давлат хизматлари агентлиги"},
	}
	for _, tt := range tests {
		if got := a.Name(tt.loc); got != tt.want {
			t.Errorf("Name(%s) = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

// TestDemoStaffAgencies checks that the demo staff hold their roles in the
// register's agencies, that loading twice changes nothing, and that a
// register without a demo agency is refused before anything is written.
func TestDemoStaffAgencies(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		c := clock.NewManual(time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC))
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		partial, err := identity.NewService(d, c, audit.New(d, c), testAgencies[:2], log, fastHashing)
		if err != nil {
			t.Fatal(err)
		}
		if err := partial.LoadDemo(ctx); err == nil || !strings.Contains(err.Error(), `"soliq"`) {
			t.Errorf("demo without the tax committee: %v", err)
		}
		if found, _ := partial.SearchUsers(ctx, "", 100); len(found) != 0 {
			t.Errorf("a refused demo left %d people", len(found))
		}

		f := newService(t, d)
		for range 2 {
			if err := f.svc.LoadDemo(ctx); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			phone string
			want  identity.Grant
		}{
			{"+998901000011", identity.Grant{Role: identity.RoleOfficer, AgencyID: "agency-adliya"}},
			{"+998901000014", identity.Grant{Role: identity.RoleSupervisor, AgencyID: "agency-soliq"}},
			{"+998901000015", identity.Grant{Role: identity.RoleOfficer, AgencyID: "agency-dxa"}},
		}
		for _, tt := range tests {
			u, err := f.svc.Authenticate(ctx, tt.phone, identity.DemoPassword)
			if err != nil {
				t.Fatal(err)
			}
			grants, err := f.svc.Grants(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := []identity.Grant{{Role: identity.RoleCitizen}, tt.want}; !slices.Equal(grants, want) {
				t.Errorf("%s: grants %v, want %v", tt.phone, grants, want)
			}
		}
	})
}
