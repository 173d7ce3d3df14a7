package demoagency

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/platform/apperr"
)

// civilRegistry serves the births and marriages services.
func (w *world) civilRegistry() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/births/{pinfl}", lookup(w.birth))
	mux.Handle("/marriages/{pinfl}", lookup(w.marriagesOf))
	mux.HandleFunc("/", unknownPath)
	return exact(mux)
}

// populationRegistry serves the persons service.
func (w *world) populationRegistry() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/persons/{pinfl}/address", lookup(w.residence))
	mux.HandleFunc("/", unknownPath)
	return exact(mux)
}

// taxRegistry serves the taxpayers service.
func (w *world) taxRegistry() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/taxpayers/{stir}", lookup(w.taxpayer))
	mux.HandleFunc("/", unknownPath)
	return exact(mux)
}

// cadastre serves the properties service.
func (w *world) cadastre() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/properties/{cadastralNumber}", lookup(w.property))
	mux.HandleFunc("/", unknownPath)
	return exact(mux)
}

// birth answers GET /births/{pinfl}: the person's birth record.
func (w *world) birth(r *http.Request) (any, error) {
	id, err := parsePINFL(r.PathValue("pinfl"))
	if err != nil {
		return nil, err
	}
	if rec := w.births[id]; rec != nil {
		return rec, nil
	}
	return nil, notFound("There is no birth record of this PINFL.")
}

// marriagesOf answers GET /marriages/{pinfl}: the person's marriage
// records, oldest first; none for someone never married, and 404 for a
// PINFL the civil registry has no birth record of.
func (w *world) marriagesOf(r *http.Request) (any, error) {
	id, err := parsePINFL(r.PathValue("pinfl"))
	if err != nil {
		return nil, err
	}
	if w.births[id] == nil {
		return nil, notFound("The civil registry has no records of this PINFL.")
	}
	out := marriages{PINFL: id, Marriages: []marriageRecord{}}
	for _, m := range w.marriages[id] {
		out.Marriages = append(out.Marriages, *m)
	}
	slices.SortStableFunc(out.Marriages, func(a, b marriageRecord) int {
		return strings.Compare(a.RegistrationDate, b.RegistrationDate)
	})
	return out, nil
}

// residence answers GET /persons/{pinfl}/address: the person's permanent
// and temporary registrations.
func (w *world) residence(r *http.Request) (any, error) {
	id, err := parsePINFL(r.PathValue("pinfl"))
	if err != nil {
		return nil, err
	}
	if rec := w.residences[id]; rec != nil {
		return rec, nil
	}
	return nil, notFound("No one with this PINFL is registered.")
}

// taxpayer answers GET /taxpayers/{stir}.
func (w *world) taxpayer(r *http.Request) (any, error) {
	stir, err := parseSTIR(r.PathValue("stir"))
	if err != nil {
		return nil, err
	}
	if rec := w.taxpayers[stir]; rec != nil {
		return rec, nil
	}
	return nil, notFound("There is no taxpayer with this STIR.")
}

// property answers GET /properties/{cadastralNumber}.
func (w *world) property(r *http.Request) (any, error) {
	n, err := parseCadastralNumber(r.PathValue("cadastralNumber"))
	if err != nil {
		return nil, err
	}
	if rec := w.properties[n]; rec != nil {
		return rec, nil
	}
	return nil, notFound("There is no property with this cadastral number.")
}

// lastPINFLDay is the last birth date a PINFL can encode. PINFLs are
// checked against it rather than today's date: the number of someone not
// born yet is well-formed, and simply not in any registry (404).
var lastPINFLDay = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)

// pinflProblems say why a PINFL was refused, by pinfl's message key.
var pinflProblems = map[string]string{
	pinfl.MsgPINFLDigits:   "A PINFL consists of digits only.",
	pinfl.MsgPINFLLength:   "A PINFL has 14 digits.",
	pinfl.MsgPINFLCentury:  "The first digit of a PINFL is 1 to 6.",
	pinfl.MsgPINFLDate:     "Digits 2 to 7 of a PINFL are the date of birth, DDMMYY.",
	pinfl.MsgPINFLChecksum: "The check digit of the PINFL does not match.",
}

// stirProblems say why a STIR was refused, by pinfl's message key.
var stirProblems = map[string]string{
	pinfl.MsgSTIRDigits: "A STIR consists of digits only.",
	pinfl.MsgSTIRLength: "A STIR has 9 digits.",
	pinfl.MsgSTIRPrefix: "A STIR does not start with 0 or 1.",
}

// parsePINFL returns s if it is a valid PINFL, check digit included, and
// a 400 problem saying why not otherwise. Unlike pinfl.ParsePINFL it
// refuses surrounding white space: an identifier in a path is exact.
func parsePINFL(s string) (string, error) {
	if s != strings.TrimSpace(s) {
		return "", badRequest(pinflProblems[pinfl.MsgPINFLDigits])
	}
	p, err := pinfl.ParsePINFL(s, lastPINFLDay)
	if err != nil {
		return "", badRequest(reason(err, pinflProblems, "This is not a valid PINFL."))
	}
	return p.String(), nil
}

// parseSTIR returns s if it is a valid STIR and a 400 problem saying why
// not otherwise.
func parseSTIR(s string) (string, error) {
	if s != strings.TrimSpace(s) {
		return "", badRequest(stirProblems[pinfl.MsgSTIRDigits])
	}
	t, err := pinfl.ParseSTIR(s)
	if err != nil {
		return "", badRequest(reason(err, stirProblems, "This is not a valid STIR."))
	}
	return t.String(), nil
}

// reason is the text of problems for err's message key, or def.
func reason(err error, problems map[string]string, def string) string {
	if e := apperr.As(err); e != nil && problems[e.Message] != "" {
		return problems[e.Message]
	}
	return def
}

// CadastralNumberFormat is the layout of a cadastral number, in which 9
// stands for any digit: six groups separated by colons, the region (2
// digits), the district (2), the cadastral zone (2), the massif (2), the
// block (2) and the object's number in the block (4), for example
// 26:12:04:02:03:0048.
const CadastralNumberFormat = "99:99:99:99:99:9999"

// parseCadastralNumber returns s if it is a cadastral number in
// CadastralNumberFormat, and a 400 problem otherwise.
func parseCadastralNumber(s string) (string, error) {
	ok := len(s) == len(CadastralNumberFormat)
	for i := 0; ok && i < len(s); i++ {
		if CadastralNumberFormat[i] == ':' {
			ok = s[i] == ':'
		} else {
			ok = '0' <= s[i] && s[i] <= '9'
		}
	}
	if !ok {
		return "", badRequest("A cadastral number is written " + CadastralNumberFormat + " with digits for 9, e.g. 26:12:04:02:03:0048.")
	}
	return s, nil
}

// problemError is a request that cannot be answered with a record: its
// status and the detail to tell the client.
type problemError struct {
	status int
	detail string
}

func (e *problemError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.detail) }

func badRequest(detail string) error { return &problemError{http.StatusBadRequest, detail} }

func notFound(detail string) error { return &problemError{http.StatusNotFound, detail} }

// lookup serves GET and HEAD requests with the record find returns, and
// answers any other method with 405.
func lookup(find func(r *http.Request) (any, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeProblem(w, r, &problemError{http.StatusMethodNotAllowed, "Only GET and HEAD are allowed."})
			return
		}
		rec, err := find(r)
		var p *problemError
		switch {
		case errors.As(err, &p):
			writeProblem(w, r, p)
			return
		case err != nil:
			writeProblem(w, r, &problemError{http.StatusInternalServerError, "The record could not be read."})
			return
		}
		body, err := json.Marshal(rec)
		if err != nil {
			writeProblem(w, r, &problemError{http.StatusInternalServerError, "The record could not be written."})
			return
		}
		write(w, r, http.StatusOK, "application/json", body)
	})
}

// exact answers a path with empty or dot segments as unknown rather than
// letting the mux redirect to its clean form: an agency resolves only the
// path it was asked for.
func exact(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; p == "" || path.Clean(p) != p {
			unknownPath(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// unknownPath answers a path that no service serves, whatever the method.
func unknownPath(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, r, &problemError{http.StatusNotFound, "No service of this agency is at this path."})
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance"`
}

// writeProblem answers with p as problem details.
func writeProblem(w http.ResponseWriter, r *http.Request, p *problemError) {
	body, _ := json.Marshal(problem{Type: "about:blank", Title: http.StatusText(p.status), Status: p.status,
		Detail: p.detail, Instance: r.URL.EscapedPath()})
	write(w, r, p.status, "application/problem+json", body)
}

// write sends a JSON body, or for HEAD only its headers. Records are about
// people, so nothing may be cached.
func write(w http.ResponseWriter, r *http.Request, status int, contentType string, body []byte) {
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}
