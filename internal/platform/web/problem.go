package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Problem is an RFC 9457 problem details document, extended with the
// platform's error code, per-field errors and the request ID for support.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	Code      string            `json:"code"`
	Errors    map[string]string `json:"errors,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, status int, title, detail, code string, fields map[string]string) {
	p := Problem{Type: "about:blank", Title: title, Status: status, Detail: detail, Instance: r.URL.Path,
		Code: code, RequestID: RequestID(r.Context())}
	if len(fields) > 0 {
		p.Errors = fields
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Language", string(Locale(r.Context())))
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(p)
}

// ReadJSON decodes the request's JSON body into v strictly: the body must be
// declared as JSON, hold exactly one value, name no field v lacks and fit in
// limit bytes. Anything else is EINVALID with a message saying which, so an
// API client learns what to fix and nothing half-read is acted on.
func ReadJSON(r *http.Request, limit int64, v any) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return apperr.New(apperr.EINVALID, "error.json.content_type")
	}
	body := &io.LimitedReader{R: r.Body, N: limit + 1}
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	var tooBig *http.MaxBytesError
	switch {
	case body.N == 0 || errors.As(err, &tooBig):
		return apperr.New(apperr.EINVALID, "error.json.too_large")
	case errors.Is(err, io.EOF):
		return apperr.New(apperr.EINVALID, "error.json.empty")
	case err != nil:
		return apperr.New(apperr.EINVALID, "error.json.invalid", err.Error())
	case dec.More():
		return apperr.New(apperr.EINVALID, "error.json.trailing")
	}
	return nil
}

// WriteJSON writes v as a JSON response with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

// IsAPI tells whether the request is for the JSON API under /api/: always
// answered in JSON, and the only place bearer tokens are accepted.
func IsAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// wantsJSON tells whether the client asked for JSON rather than a page: API
// paths always do; elsewhere the Accept header decides by quality, with ties
// going to HTML so browsers always get pages.
func wantsJSON(r *http.Request) bool {
	if IsAPI(r) {
		return true
	}
	accept := r.Header.Get("Accept")
	if accept == "" {
		return false
	}
	var jsonQ, htmlQ float64 = -1, -1
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(s, 64); err == nil {
				q = f
			}
		}
		switch mt {
		case "application/json", "application/problem+json":
			jsonQ = max(jsonQ, q)
		case "text/html", "application/xhtml+xml", "*/*", "text/*":
			htmlQ = max(htmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > htmlQ
}
