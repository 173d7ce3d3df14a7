package bus

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/bus/msglog"
	"github.com/egovuz/egov/internal/bus/xroad"
)

// PathEvidence is where the evidence of one exchange is downloaded from,
// with the query parameters "gateway" and "query" (the query ID).
const PathEvidence = PathAdmin + "/evidence"

// timeLayouts are the forms a time may be typed in the log search: what
// a datetime-local input sends, with or without seconds, or a date alone.
// All are read as UTC, the message log's time.
var timeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", "2006-01-02 15:04:05", time.DateOnly}

// parseTime reads a time typed in the log search.
func parseTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// logRow is a record of the message log in the search's results.
type logRow struct {
	msglog.Record
}

// Timestamped says the record is in a timestamped batch.
func (r logRow) Timestamped() bool { return r.Batch != "" }

// Failed says the exchange was answered with an error status.
func (r logRow) Failed() bool { return r.Status >= 400 }

// EvidenceURL is the address of the exchange's evidence.
func (r logRow) EvidenceURL() string {
	return PathEvidence + "?" + url.Values{"gateway": {r.Gateway}, "query": {r.QueryID}}.Encode()
}

// logView is the message log's search: the form, and a page of records
// found, newest first.
type logView struct {
	links
	form
	Records []logRow
	// Next is the address of the next page, "" on the last; First that of
	// the first, "" on it.
	Next, First string
}

// logFields are the search's inputs, which are also its query
// parameters.
var logFields = []string{"query", "member", "gateway", "from", "to"}

// showLog searches the message log by query ID, member or subsystem,
// gateway and time range; a search with problems shows them at the fields
// and finds nothing.
func (p *Pages) showLog(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := logView{form: form{Values: map[string]string{}, Errors: map[string]string{}}}
	for _, k := range logFields {
		v.Values[k] = strings.TrimSpace(q.Get(k))
	}
	f := msglog.Filter{QueryID: v.Values["query"], Gateway: v.Values["gateway"], Limit: pageSize}
	if m := v.Values["member"]; m != "" {
		c, ok := parseMemberID(m)
		if !ok {
			c, ok = parseSubsystemID(m)
		}
		if !ok {
			v.Errors["member"] = msgPartyID
		}
		f.Member = c.String()
	}
	for _, k := range []string{"from", "to"} {
		if s := v.Values[k]; s != "" {
			t, ok := parseTime(s)
			if !ok {
				v.Errors[k] = msgTime
			}
			if k == "from" {
				f.From = t
			} else {
				f.To = t
			}
		}
	}
	if v.Errors["from"] == "" && v.Errors["to"] == "" && !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		v.Errors["to"] = msgTimeOrder
	}
	if after := q.Get("after"); after != "" {
		c, err := msglog.ParseCursor(after)
		if err != nil {
			v.Errors["query"] = msgCursor
		}
		f.After = &c
	}
	if len(v.Errors) > 0 {
		return p.logSearch.Render(w, r, http.StatusUnprocessableEntity, v)
	}
	recs, next, err := p.log.Search(r.Context(), f)
	if err != nil {
		return err
	}
	for _, rec := range recs {
		v.Records = append(v.Records, logRow{rec})
	}
	params := url.Values{}
	for _, k := range logFields {
		if s := v.Values[k]; s != "" {
			params.Set(k, s)
		}
	}
	if next != nil {
		nq := url.Values{}
		for k, vs := range params {
			nq[k] = vs
		}
		nq.Set("after", next.String())
		v.Next = PathAdmin + "/log?" + nq.Encode()
	}
	if f.After != nil {
		v.First = PathAdmin + "/log?" + params.Encode()
	}
	return p.logSearch.Render(w, r, http.StatusOK, v)
}

// trafficPeriods are the periods the traffic page counts over, by name.
var trafficPeriods = []struct {
	Name string
	Span time.Duration
}{{"hour", time.Hour}, {"day", 24 * time.Hour}, {"week", 7 * 24 * time.Hour}}

// trafficView is the traffic page: per service and gateway, the exchanges
// and errors logged over the period chosen.
type trafficView struct {
	links
	form
	Period  string
	Periods []string
	Since   time.Time
	Rows    []msglog.TrafficRow
	// TotalExchanges and TotalErrors are the sums of Rows.
	TotalExchanges, TotalErrors int64
}

// ServiceLink is the address of the page of a service the log names in
// wire form, "" for an identifier the registry could not hold.
func (trafficView) ServiceLink(s string) string {
	id, err := xroad.ParseServiceID(s)
	if err != nil {
		return ""
	}
	return servicePath(id)
}

func (p *Pages) showTraffic(w http.ResponseWriter, r *http.Request) error {
	v := trafficView{Period: r.URL.Query().Get("period")}
	if v.Period == "" {
		v.Period = "day"
	}
	var span time.Duration
	for _, tp := range trafficPeriods {
		v.Periods = append(v.Periods, tp.Name)
		if tp.Name == v.Period {
			span = tp.Span
		}
	}
	if span == 0 {
		v.Errors = map[string]string{"period": msgPeriod}
		return p.traffic.Render(w, r, http.StatusUnprocessableEntity, v)
	}
	v.Since = p.now().Add(-span)
	rows, err := p.log.Traffic(r.Context(), v.Since, time.Time{})
	if err != nil {
		return err
	}
	v.Rows = rows
	for _, t := range rows {
		v.TotalExchanges += t.Exchanges
		v.TotalErrors += t.Errors
	}
	return p.traffic.Render(w, r, http.StatusOK, v)
}
