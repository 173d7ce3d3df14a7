package msglog_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// Parties of the search tests. The tax member's code is a prefix of the
// civil one's but one digit short, and the portal's subsystem has a '_' a
// LIKE pattern would take for any character.
const (
	portal   = "UZ/GOV/200000001/portal"
	portalX  = "UZ/GOV/200000001/port_l"
	births   = "UZ/GOV/200000002/civil/births"
	taxInfo  = "UZ/GOV/20000000/tax/info"
	taxOther = "UZ/COM/300000003/shop"
)

// logged is an exchange the tests record: on gateway, with query ID id,
// minutes after the base time, from client to service, answered with
// status.
type logged struct {
	gateway, id     string
	minutes         int
	client, service string
	status          int
}

// seedSearch records the exchanges and returns the base time.
func (f *fixture) seedSearch(list []logged) time.Time {
	f.t.Helper()
	base := f.clock.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	for _, e := range list {
		_, err := f.log.Record(f.ctx, msglog.Entry{Gateway: e.gateway, QueryID: e.id, Client: e.client, Service: e.service,
			Time: base.Add(time.Duration(e.minutes) * time.Minute), RequestHash: "h-" + e.id, Status: e.status})
		if err != nil {
			f.t.Fatal(err)
		}
	}
	return base
}

var searchLog = []logged{
	{"civil-gw", "q1", 0, portal, births, 200},
	{"egov-gw", "q1", 0, portal, births, 200},
	{"civil-gw", "q2", 10, portal, births, 404},
	{"egov-gw", "q3", 20, portalX, taxInfo, 200},
	{"tax-gw", "q3", 20, portalX, taxInfo, 500},
	{"tax-gw", "q4", 30, taxOther, taxInfo, 200},
	{"egov-gw", "q5", 40, portal, births, 503},
}

// ids lists gateway:query ID of records, in their order.
func ids(recs []msglog.Record) []string {
	var out []string
	for _, r := range recs {
		out = append(out, r.Gateway+":"+r.QueryID)
	}
	return out
}

func TestSearch(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		base := f.seedSearch(searchLog)
		all := []string{"egov-gw:q5", "tax-gw:q4", "tax-gw:q3", "egov-gw:q3", "civil-gw:q2", "egov-gw:q1", "civil-gw:q1"}
		tests := []struct {
			name string
			f    msglog.Filter
			want []string
		}{
			{"everything, newest first, ties by gateway", msglog.Filter{}, all},
			{"query ID on every gateway", msglog.Filter{QueryID: "q3"}, []string{"tax-gw:q3", "egov-gw:q3"}},
			{"gateway", msglog.Filter{Gateway: "egov-gw"}, []string{"egov-gw:q5", "egov-gw:q3", "egov-gw:q1"}},
			{"query ID and gateway", msglog.Filter{QueryID: "q1", Gateway: "civil-gw"}, []string{"civil-gw:q1"}},
			{"member as client", msglog.Filter{Member: "UZ/GOV/200000001"},
				[]string{"egov-gw:q5", "tax-gw:q3", "egov-gw:q3", "civil-gw:q2", "egov-gw:q1", "civil-gw:q1"}},
			{"member as service provider", msglog.Filter{Member: "UZ/GOV/200000002"},
				[]string{"egov-gw:q5", "civil-gw:q2", "egov-gw:q1", "civil-gw:q1"}},
			{"a shorter code is another member", msglog.Filter{Member: "UZ/GOV/20000000"},
				[]string{"tax-gw:q4", "tax-gw:q3", "egov-gw:q3"}},
			{"subsystem, '_' taken literally", msglog.Filter{Member: portalX}, []string{"tax-gw:q3", "egov-gw:q3"}},
			{"subsystem as client", msglog.Filter{Member: portal}, []string{"egov-gw:q5", "civil-gw:q2", "egov-gw:q1", "civil-gw:q1"}},
			{"unknown member", msglog.Filter{Member: "UZ/NGO/999999999"}, nil},
			{"member names are case-sensitive", msglog.Filter{Member: "uz/gov/200000001"}, nil},
			{"from inclusive", msglog.Filter{From: base.Add(30 * time.Minute)}, []string{"egov-gw:q5", "tax-gw:q4"}},
			{"to exclusive", msglog.Filter{To: base.Add(10 * time.Minute)}, []string{"egov-gw:q1", "civil-gw:q1"}},
			{"range and member", msglog.Filter{From: base.Add(5 * time.Minute), To: base.Add(41 * time.Minute), Member: "UZ/GOV/200000002"},
				[]string{"egov-gw:q5", "civil-gw:q2"}},
		}
		for _, tc := range tests {
			recs, next, err := f.log.Search(f.ctx, tc.f)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got := ids(recs); !slices.Equal(got, tc.want) || next != nil {
				t.Errorf("%s: got %v (next %v), want %v", tc.name, got, next, tc.want)
			}
		}

		// Pages of two follow each other without gaps or repeats, across
		// records of the same time on different gateways.
		var paged []string
		var after *msglog.Cursor
		for page := 0; ; page++ {
			if page > 5 {
				t.Fatal("paging does not end")
			}
			recs, next, err := f.log.Search(f.ctx, msglog.Filter{Limit: 2, After: after})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, ids(recs)...)
			if next == nil {
				break
			}
			// The cursor goes through a URL.
			c, err := msglog.ParseCursor(next.String())
			if err != nil || c != *next {
				t.Fatalf("cursor %v reads back as %v, %v", next, c, err)
			}
			after = &c
		}
		if !slices.Equal(paged, all) {
			t.Errorf("paged: %v, want %v", paged, all)
		}

		// A record read by Search is the stored one, and says when it has
		// been timestamped.
		recs, _, err := f.log.Search(f.ctx, msglog.Filter{QueryID: "q2"})
		if err != nil || len(recs) != 1 {
			t.Fatalf("q2: %v, %v", recs, err)
		}
		if r := recs[0]; r.Seq != 2 || r.Client != portal || r.Service != births || r.Status != 404 || !r.Time.Equal(base.Add(10*time.Minute)) ||
			r.Batch != "" || r.Time.Location() != time.UTC {
			t.Errorf("q2 record: %+v", r)
		}
		f.timestamp(len(searchLog))
		if recs, _, err = f.log.Search(f.ctx, msglog.Filter{QueryID: "q2"}); err != nil || recs[0].Batch == "" {
			t.Errorf("q2 after timestamping: %+v, %v", recs, err)
		}
	})
}

func TestSearchLimit(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		var list []logged
		for i := range msglog.DefaultSearchLimit + 1 {
			list = append(list, logged{"gw", fmt.Sprintf("q%03d", i), i, portal, births, 200})
		}
		f.seedSearch(list)
		recs, next, err := f.log.Search(f.ctx, msglog.Filter{})
		if err != nil || len(recs) != msglog.DefaultSearchLimit || next == nil || recs[0].QueryID != "q050" {
			t.Fatalf("default page: %d records, next %v, %v", len(recs), next, err)
		}
		if next.Seq != 2 || next.Gateway != "gw" {
			t.Errorf("next cursor %+v", next)
		}
		recs, next, err = f.log.Search(f.ctx, msglog.Filter{After: next, Limit: msglog.MaxSearchLimit + 1})
		if err != nil || len(recs) != 1 || next != nil || recs[0].QueryID != "q000" {
			t.Errorf("last page: %v, next %v, %v", ids(recs), next, err)
		}
	})
}

func TestParseCursor(t *testing.T) {
	c := msglog.Cursor{Time: time.Date(2026, 11, 23, 9, 0, 0, 123456000, time.UTC), Gateway: "gw.with.dots", Seq: 42}
	if got, err := msglog.ParseCursor(c.String()); err != nil || got != c {
		t.Errorf("round trip: %+v, %v", got, err)
	}
	for _, bad := range []string{"", "1", "1.2", "1.2.", "x.2.gw", "1.x.gw", "1.0.gw", "1.-3.gw"} {
		if _, err := msglog.ParseCursor(bad); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("ParseCursor(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestTraffic(t *testing.T) {
	dbtest.Each(t, schema(), func(t *testing.T, d *db.DB) {
		f := newFixture(t, d)
		base := f.seedSearch(searchLog)
		rows, err := f.log.Traffic(f.ctx, base, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		// "…/20000000/…" sorts before "…/200000002/…": '/' is before '2'.
		want := []msglog.TrafficRow{
			{Service: taxInfo, Gateway: "egov-gw", Exchanges: 1, Errors: 0},
			{Service: taxInfo, Gateway: "tax-gw", Exchanges: 2, Errors: 1},
			{Service: births, Gateway: "civil-gw", Exchanges: 2, Errors: 1},
			{Service: births, Gateway: "egov-gw", Exchanges: 2, Errors: 1},
		}
		if !slices.Equal(rows, want) {
			t.Errorf("all traffic:\n got %+v\nwant %+v", rows, want)
		}
		rows, err = f.log.Traffic(f.ctx, base.Add(10*time.Minute), base.Add(30*time.Minute))
		want = []msglog.TrafficRow{
			{Service: taxInfo, Gateway: "egov-gw", Exchanges: 1, Errors: 0},
			{Service: taxInfo, Gateway: "tax-gw", Exchanges: 1, Errors: 1},
			{Service: births, Gateway: "civil-gw", Exchanges: 1, Errors: 1},
		}
		if err != nil || !slices.Equal(rows, want) {
			t.Errorf("traffic of 10..30 minutes:\n got %+v, %v\nwant %+v", rows, err, want)
		}
		if rows, err = f.log.Traffic(f.ctx, base.Add(time.Hour), time.Time{}); err != nil || len(rows) != 0 {
			t.Errorf("no traffic: %+v, %v", rows, err)
		}
		if _, err := f.log.Traffic(f.ctx, base, base.Add(-time.Second)); !apperr.Is(err, apperr.EINVALID) {
			t.Errorf("a period ending before it starts: %v", err)
		}
	})
}
