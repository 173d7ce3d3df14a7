package app_test

import (
	"context"
	"html"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/bus"
	"github.com/egovuz/egov/internal/bus/xroad"
	"github.com/egovuz/egov/internal/identity"
)

// TestDataTrackerOnProfile checks that an access the bus's data tracker
// records shows on the person's profile, with the asking member's name,
// and on no one else's.
func TestDataTrackerOnProfile(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		var azizPINFL string
		if err := n.app.DB.Reader().QueryRowContext(ctx, `SELECT pinfl FROM identity_users WHERE phone = $1`,
			"+998901000001").Scan(&azizPINFL); err != nil {
			t.Fatal(err)
		}
		profile := func(v *visitor) string {
			t.Helper()
			resp, page := v.get("/profile")
			if resp.StatusCode != 200 {
				t.Fatalf("profile: %d", resp.StatusCode)
			}
			return html.UnescapeString(page)
		}
		aziz := newVisitor(t, n.base)
		aziz.login("+998901000001", identity.DemoPassword, "/profile")
		if page := profile(aziz); !strings.Contains(page, "Who looked at your data") ||
			!strings.Contains(page, "No agency has asked for your data through the interagency data exchange yet.") {
			t.Errorf("Aziz's profile before any access:\n%s", page)
		}

		// An officer's process fetched Aziz's birth record; then a system
		// of a member the registry does not know asked without a purpose.
		egov := xroad.ClientID{Instance: "UZ", MemberClass: "GOV", MemberCode: "207000001"}
		if _, err := n.app.Exchange.CreateMember(ctx, "admin", bus.Member{Client: egov, Name: "Elektron hukumat loyihalarini boshqarish markazi"}); err != nil {
			t.Fatal(err)
		}
		for _, a := range []bus.Access{
			{PINFL: azizPINFL, Client: "UZ/GOV/207000001/bpm", Service: "UZ/GOV/201122919/civil-registry/births",
				Issue: "ARIZA-2026-0042", QueryID: "q-births"},
			{PINFL: azizPINFL, Client: "UZ/GOV/200935935/tax", Service: "UZ/GOV/201122919/civil-registry/marriages",
				QueryID: "q-marriages"},
		} {
			if err := n.app.DataTracker.Record(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		page := profile(aziz)
		for _, want := range []string{"Elektron hukumat loyihalarini boshqarish markazi", "UZ/GOV/207000001/bpm",
			"UZ/GOV/201122919/civil-registry/births", "ARIZA-2026-0042", "UZ/GOV/200935935/tax",
			"UZ/GOV/201122919/civil-registry/marriages", "not stated", "Stated purpose"} {
			if !strings.Contains(page, want) {
				t.Errorf("Aziz's profile lacks %q", want)
			}
		}
		if strings.Contains(page, "No agency has asked") {
			t.Error("Aziz's profile still says nobody asked")
		}
		if strings.Index(page, "UZ/GOV/200935935/tax") > strings.Index(page, "UZ/GOV/207000001/bpm") {
			t.Error("the latest access is not first")
		}
		if _, page := aziz.get("/profile?lang=uz-Latn"); !strings.Contains(html.UnescapeString(page), "Maʼlumotlaringizni kim koʻrdi") {
			t.Error("no Uzbek heading of the data tracker")
		}

		malika := newVisitor(t, n.base)
		malika.login("+998901000002", identity.DemoPassword, "/profile")
		page = profile(malika)
		if !strings.Contains(page, "No agency has asked for your data") || strings.Contains(page, "ARIZA-2026-0042") ||
			strings.Contains(page, "UZ/GOV/207000001/bpm") {
			t.Errorf("Malika sees Aziz's accesses:\n%s", page)
		}
	})
}
