package demoagency

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/pinfl"
)

// demoPeople are the platform's demo people, converted as the app does.
func demoPeople() []Person {
	var out []Person
	for _, p := range identity.DemoPeople() {
		out = append(out, Person{FirstName: p.FirstName, LastName: p.LastName, PINFL: p.PINFL, BirthDate: p.BirthDate,
			Female: p.Sex == pinfl.Female})
	}
	return out
}

// byName returns the demo person with the given first name.
func byName(t *testing.T, people []Person, first string) Person {
	t.Helper()
	for _, p := range people {
		if p.FirstName == first {
			return p
		}
	}
	t.Fatalf("no demo person %s", first)
	return Person{}
}

// agency returns the agency with the subsystem code.
func agency(t *testing.T, agencies []Agency, subsystem string) Agency {
	t.Helper()
	for _, a := range agencies {
		if a.Subsystem == subsystem {
			return a
		}
	}
	t.Fatalf("no agency with subsystem %s", subsystem)
	return Agency{}
}

// get sends a request to h and returns the response.
func get(h http.Handler, method, target string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

func TestEndpoints(t *testing.T) {
	people := demoPeople()
	agencies := Agencies(people)
	aziz, dilshod := byName(t, people, "Aziz"), byName(t, people, "Dilshod")
	wrongCheck := aziz.PINFL[:13] + string(rune('0'+(aziz.PINFL[13]-'0'+1)%10))
	unknown := pinfl.GeneratePINFL(time.Date(1999, 1, 2, 0, 0, 0, 0, time.UTC), pinfl.Male, 99, 999).String()
	unborn := pinfl.GeneratePINFL(time.Date(2090, 1, 2, 0, 0, 0, 0, time.UTC), pinfl.Female, 26, 1).String()

	tests := []struct {
		subsystem, method, target string
		status                    int
		want                      string // a fragment of the body
	}{
		{"civil-registry", "GET", "/births/" + aziz.PINFL, 200, `"firstName":"Aziz","patronymic":"Baxtiyor oʻgʻli","sex":"male","birthDate":"1990-05-17"`},
		{"civil-registry", "GET", "/births/" + aziz.PINFL, 200, `"office":{"name":"Samarqand shahar FHDYo boʻlimi"`},
		{"civil-registry", "HEAD", "/births/" + aziz.PINFL, 200, ""},
		{"civil-registry", "GET", "/births/" + wrongCheck, 400, "check digit"},
		{"civil-registry", "GET", "/births/" + aziz.PINFL[:13], 400, "14 digits"},
		{"civil-registry", "GET", "/births/3170590026100x", 400, "digits only"},
		{"civil-registry", "GET", "/births/%20" + aziz.PINFL, 400, "digits only"},
		{"civil-registry", "GET", "/births/71705900261002", 400, "first digit"},
		{"civil-registry", "GET", "/births/33202900261002", 400, "date of birth"},
		{"civil-registry", "GET", "/births/" + unknown, 404, "no birth record"},
		{"civil-registry", "GET", "/births/" + unborn, 404, "no birth record"},
		{"civil-registry", "POST", "/births/" + aziz.PINFL, 405, "GET and HEAD"},
		{"civil-registry", "GET", "/births", 404, "No service"},
		{"civil-registry", "GET", "/births/", 404, "No service"},
		{"civil-registry", "GET", "/births/" + aziz.PINFL + "/", 404, "No service"},
		{"civil-registry", "GET", "/births//" + aziz.PINFL, 404, "No service"},
		{"civil-registry", "GET", "/births/" + aziz.PINFL + "/x", 404, "No service"},
		{"civil-registry", "GET", "/persons/" + aziz.PINFL + "/address", 404, "No service"},
		{"civil-registry", "GET", "/marriages/" + aziz.PINFL, 200, `"status":"registered"`},
		{"civil-registry", "GET", "/marriages/" + dilshod.PINFL, 200, `"marriages":[]`},
		{"civil-registry", "GET", "/marriages/" + unknown, 404, "no records"},
		{"civil-registry", "GET", "/marriages/123", 400, "14 digits"},
		{"civil-registry", "DELETE", "/marriages/" + aziz.PINFL, 405, "GET and HEAD"},
		{"population", "GET", "/persons/" + aziz.PINFL + "/address", 200, `"district":"Yunusobod tumani","mahalla":"Bogʻishamol MFY"`},
		{"population", "GET", "/persons/" + dilshod.PINFL + "/address", 200, `"temporary":{"region":"Samarqand viloyati"`},
		{"population", "GET", "/persons/" + aziz.PINFL, 404, "No service"},
		{"population", "GET", "/persons/" + unknown + "/address", 404, "No one"},
		{"population", "GET", "/persons/" + wrongCheck + "/address", 400, "check digit"},
		{"population", "PUT", "/persons/" + aziz.PINFL + "/address", 405, "GET and HEAD"},
		{"tax-registry", "GET", "/taxpayers/305123456", 200, `"name":"«TOSHKENT NON» MChJ"`},
		{"tax-registry", "GET", "/taxpayers/471234567", 200, `"kind":"individualEntrepreneur"`},
		{"tax-registry", "GET", "/taxpayers/306789012", 200, `"status":"liquidated","liquidationDate":"2022-11-30"`},
		{"tax-registry", "GET", "/taxpayers/30512345", 400, "9 digits"},
		{"tax-registry", "GET", "/taxpayers/30512345x", 400, "digits only"},
		{"tax-registry", "GET", "/taxpayers/105123456", 400, "0 or 1"},
		{"tax-registry", "GET", "/taxpayers/299999999", 404, "no taxpayer"},
		{"tax-registry", "PATCH", "/taxpayers/305123456", 405, "GET and HEAD"},
		{"cadastre", "GET", "/properties/" + bakeryLand, 200, `"type":"land"`},
		{"cadastre", "GET", "/properties/26%3A02%3A07%3A01%3A05%3A0012", 200, `"stir":"305123456"`},
		{"cadastre", "GET", "/properties/26:12:04:02:03:0048", 200, `"share":"1/2"`},
		{"cadastre", "GET", "/properties/26-02-07-01-05-0012", 400, "cadastral number"},
		{"cadastre", "GET", "/properties/26:02:07:01:05:12", 400, "cadastral number"},
		{"cadastre", "GET", "/properties/26:02:07:01:05:0012:0001", 400, "cadastral number"},
		{"cadastre", "GET", "/properties/99:99:99:99:99:9999", 404, "no property"},
		{"cadastre", "POST", "/properties/" + bakeryLand, 405, "GET and HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			a := agency(t, agencies, tt.subsystem)
			rec := get(a.Handler, tt.method, tt.target)
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tt.status, body)
			}
			wantType := "application/json"
			if tt.status >= 400 {
				wantType = "application/problem+json"
			}
			if got := rec.Header().Get("Content-Type"); got != wantType {
				t.Errorf("Content-Type %q, want %q", got, wantType)
			}
			if got := rec.Header().Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			if tt.status == http.StatusMethodNotAllowed && rec.Header().Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", rec.Header().Get("Allow"))
			}
			if tt.method == "HEAD" {
				if body != "" || rec.Header().Get("Content-Length") == "" {
					t.Errorf("HEAD answered with body %q, Content-Length %q", body, rec.Header().Get("Content-Length"))
				}
				return
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("body lacks %q:\n%s", tt.want, body)
			}
			if tt.status >= 400 {
				var p problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
					t.Fatal(err)
				}
				if p.Type != "about:blank" || p.Status != tt.status || p.Title != http.StatusText(tt.status) || p.Detail == "" ||
					p.Instance == "" {
					t.Errorf("problem %+v", p)
				}
			}
		})
	}
}

// TestDemoPeople checks the platform's demo people (distinct PINFLs that
// encode their birth dates and sexes), that every one of them has a birth
// record, a marriage list and an address that agree with who they are, and
// what the profiles promise for a few of them.
func TestDemoPeople(t *testing.T) {
	people := demoPeople()
	seen := map[string]bool{}
	for _, p := range people {
		id, err := pinfl.ParsePINFL(p.PINFL, time.Now())
		if err != nil || seen[p.PINFL] || !id.BirthDate().Equal(p.BirthDate) || (id.Sex() == pinfl.Female) != p.Female {
			t.Errorf("demo person %+v: PINFL %v, %v, seen %v", p, id, err, seen[p.PINFL])
		}
		seen[p.PINFL] = true
	}
	agencies := Agencies(people)
	civil, population := agency(t, agencies, "civil-registry"), agency(t, agencies, "population")
	for _, p := range people {
		var b birthRecord
		decode(t, civil.Handler, "/births/"+p.PINFL, &b)
		sex := map[bool]string{false: "male", true: "female"}[p.Female]
		c := b.Child
		if c.PINFL != p.PINFL || c.FirstName != p.FirstName || c.LastName != p.LastName || c.Sex != sex ||
			c.BirthDate != p.BirthDate.Format(time.DateOnly) {
			t.Errorf("%s %s: child %+v", p.FirstName, p.LastName, c)
		}
		if b.RegistrationDate < c.BirthDate || b.Father.PINFL == "" || b.Mother.PINFL == "" ||
			b.Father.LastName != masculine(p.LastName) || !strings.HasPrefix(c.Patronymic, b.Father.FirstName+" ") {
			t.Errorf("%s %s: birth record %+v", p.FirstName, p.LastName, b)
		}
		var m marriages
		decode(t, civil.Handler, "/marriages/"+p.PINFL, &m)
		for _, r := range m.Marriages {
			if r.Husband.PINFL != p.PINFL && r.Wife.PINFL != p.PINFL {
				t.Errorf("%s: marriage %+v is not theirs", p.FirstName, r)
			}
		}
		var r residence
		decode(t, population.Handler, "/persons/"+p.PINFL+"/address", &r)
		if r.PINFL != p.PINFL || r.Permanent.RegisteredSince < b.RegistrationDate {
			t.Errorf("%s: residence %+v", p.FirstName, r)
		}
	}

	count := func(first string) (registered, dissolved int) {
		var m marriages
		decode(t, civil.Handler, "/marriages/"+byName(t, people, first).PINFL, &m)
		for _, r := range m.Marriages {
			switch r.Status {
			case statusRegistered:
				registered++
			case statusDissolved:
				dissolved++
			}
		}
		return
	}
	for _, tt := range []struct {
		first                 string
		registered, dissolved int
	}{{"Aziz", 1, 0}, {"Malika", 0, 1}, {"Dilshod", 0, 0}, {"Sherzod", 1, 1}, {"Zarina", 0, 0}} {
		if r, d := count(tt.first); r != tt.registered || d != tt.dissolved {
			t.Errorf("%s: %d registered and %d dissolved marriages, want %d and %d", tt.first, r, d, tt.registered, tt.dissolved)
		}
	}
}

// decode GETs target from h, wants 200 and decodes the body into v.
func decode(t *testing.T, h http.Handler, target string, v any) {
	t.Helper()
	rec := get(h, "GET", target)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("GET %s: %v", target, err)
	}
}

// TestConsistent checks that the records refer to one another: everyone
// named with a PINFL has a valid one, a birth record and an address; every
// owner and mortgage holder with a STIR is a taxpayer; a marriage is found
// from both spouses.
func TestConsistent(t *testing.T) {
	for _, tt := range []struct {
		name   string
		people []Person
	}{
		{"demo people", demoPeople()},
		{"nobody", nil},
		{"more people than profiles", manyPeople(30)},
		{"a PINFL twice", append(demoPeople()[:2:2], demoPeople()[0])},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(tt.people)
			known := func(what, id string) {
				t.Helper()
				if _, err := pinfl.ParsePINFL(id, time.Now()); err != nil {
					t.Errorf("%s: invalid PINFL %q: %v", what, id, err)
				}
				if w.births[id] == nil || w.residences[id] == nil {
					t.Errorf("%s: PINFL %s has no birth record or no address", what, id)
				}
			}
			for _, p := range tt.people {
				known("person", p.PINFL)
			}
			for id, b := range w.births {
				if b.Child.PINFL != id {
					t.Errorf("birth record %s is of %s", id, b.Child.PINFL)
				}
				for _, p := range []parent{b.Father, b.Mother} {
					if p.PINFL != "" {
						known("parent of "+id, p.PINFL)
					}
				}
			}
			for id, ms := range w.marriages {
				for _, m := range ms {
					known("spouse of "+id, m.Husband.PINFL)
					known("spouse of "+id, m.Wife.PINFL)
					other := m.Husband.PINFL
					if other == id {
						other = m.Wife.PINFL
					}
					if !slices.Contains(w.marriages[other], m) {
						t.Errorf("marriage %s of %s is not found from %s", m.ActNumber, id, other)
					}
				}
			}
			for stir, tp := range w.taxpayers {
				if _, err := pinfl.ParseSTIR(stir); err != nil {
					t.Errorf("taxpayer %s: %v", stir, err)
				}
				known("director of "+stir, tp.Director.PINFL)
			}
			if w.taxpayers[w.exampleSTIR] == nil || w.properties[w.exampleProperty] == nil || w.births[w.examplePerson] == nil {
				t.Errorf("an example is missing: %s %s %s", w.exampleSTIR, w.exampleProperty, w.examplePerson)
			}
			for n, p := range w.properties {
				if _, err := parseCadastralNumber(n); err != nil || p.CadastralNumber != n {
					t.Errorf("property %s: number %s, %v", n, p.CadastralNumber, err)
				}
				if len(p.Owners) == 0 {
					t.Errorf("property %s has no owner", n)
				}
				for _, o := range p.Owners {
					switch o.Type {
					case "person":
						known("owner of "+n, o.PINFL)
					case "legalEntity":
						if w.taxpayers[o.STIR] == nil {
							t.Errorf("owner %s of %s is not a taxpayer", o.STIR, n)
						}
					}
				}
				for _, e := range p.Encumbrances {
					if e.Holder.STIR != "" && w.taxpayers[e.Holder.STIR] == nil {
						t.Errorf("holder %s of an encumbrance of %s is not a taxpayer", e.Holder.STIR, n)
					}
				}
			}
		})
	}
}

// manyPeople makes up n people born on different days.
func manyPeople(n int) []Person {
	out := make([]Person, n)
	for i := range out {
		born := time.Date(1960+i, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC)
		sex := pinfl.Male
		if i%2 == 1 {
			sex = pinfl.Female
		}
		out[i] = Person{FirstName: fmt.Sprintf("Ism%d", i), LastName: "Familiyev", BirthDate: born, Female: i%2 == 1,
			PINFL: pinfl.GeneratePINFL(born, sex, 26, 500+i).String()}
	}
	return out
}

// TestDeterministic checks that the same people give the same records.
func TestDeterministic(t *testing.T) {
	a, b := newWorld(demoPeople()), newWorld(demoPeople())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two builds from the same people differ")
	}
}

// TestOpenAPI checks each service's description: OpenAPI 3.1 JSON with
// English titles and Uzbek ones, paths relative to the base URL that the
// handler serves under the service's Path, and responses, of every record
// there is, that match the documented schemas field for field.
func TestOpenAPI(t *testing.T) {
	w := newWorld(demoPeople())
	agencies := Agencies(demoPeople())
	codes := map[string]bool{}
	for _, a := range agencies {
		for _, s := range a.Services {
			t.Run(s.Code, func(t *testing.T) {
				if codes[s.Code] {
					t.Errorf("service code %s twice", s.Code)
				}
				codes[s.Code] = true
				var doc map[string]any
				if err := json.Unmarshal(s.OpenAPI, &doc); err != nil {
					t.Fatal(err)
				}
				info, _ := doc["info"].(map[string]any)
				if doc["openapi"] != "3.1.0" || info["title"] == nil || info["x-title-uz"] == nil || info["version"] == nil {
					t.Fatalf("openapi %v, info %v", doc["openapi"], info)
				}
				if !strings.HasPrefix(s.Path, "/") || strings.HasSuffix(s.Path, "/") || !strings.HasPrefix(s.Example, s.Path+"/") {
					t.Errorf("path %q, example %q", s.Path, s.Example)
				}
				paths, _ := doc["paths"].(map[string]any)
				if len(paths) == 0 {
					t.Fatal("no paths")
				}
				for p, item := range paths {
					ops := item.(map[string]any)
					if len(ops) != 1 || ops["get"] == nil {
						t.Errorf("%s: operations %v, want only get", p, ops)
					}
					op := ops["get"].(map[string]any)
					if op["summary"] == nil || op["x-title-uz"] == nil || op["operationId"] == nil {
						t.Errorf("%s: summary, x-title-uz or operationId missing", p)
					}
					responses := op["responses"].(map[string]any)
					for _, target := range targets(t, w, s.Path+p) {
						for _, method := range []string{"GET", "HEAD"} {
							rec := get(a.Handler, method, target)
							if rec.Code != http.StatusOK {
								t.Fatalf("%s %s: %d %s", method, target, rec.Code, rec.Body)
							}
						}
						checkResponse(t, doc, responses, get(a.Handler, "GET", target))
					}
					for _, target := range []string{s.Path + "/0", s.Path + "/" + strings.Repeat("9", 19)} {
						if strings.Contains(p, "/address") {
							target += "/address"
						}
						checkResponse(t, doc, responses, get(a.Handler, "GET", target))
					}
					checkResponse(t, doc, responses, get(a.Handler, "POST", s.Example))
				}
			})
		}
	}
}

// targets returns every request path there is a record for, of the path
// template p ("/births/{pinfl}").
func targets(t *testing.T, w *world, p string) []string {
	var ids []string
	param := regexp.MustCompile(`\{[A-Za-z]+\}`).FindString(p)
	switch param {
	case "{pinfl}":
		for id := range w.births {
			ids = append(ids, id)
		}
	case "{stir}":
		for id := range w.taxpayers {
			ids = append(ids, id)
		}
	case "{cadastralNumber}":
		for id := range w.properties {
			ids = append(ids, id)
		}
	default:
		t.Fatalf("path %s has the unknown parameter %q", p, param)
	}
	var out []string
	for _, id := range ids {
		out = append(out, strings.Replace(p, param, id, 1))
	}
	return out
}

// checkResponse checks that the response is documented: its status among
// the responses, its content type and body matching the schema there.
func checkResponse(t *testing.T, doc map[string]any, responses map[string]any, rec *httptest.ResponseRecorder) {
	t.Helper()
	r, ok := responses[fmt.Sprint(rec.Code)].(map[string]any)
	if !ok {
		t.Errorf("status %d is not documented", rec.Code)
		return
	}
	content := r["content"].(map[string]any)
	media, ok := content[rec.Header().Get("Content-Type")].(map[string]any)
	if !ok {
		t.Errorf("status %d: content type %q is not documented", rec.Code, rec.Header().Get("Content-Type"))
		return
	}
	var body any
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatal(err)
	}
	for _, problem := range validate(doc, media["schema"].(map[string]any), body, "$") {
		t.Errorf("status %d: %s", rec.Code, problem)
	}
}

// validate checks v against the JSON Schema s, with references into doc,
// for the keywords the descriptions use, and also that v has no property
// the schema does not describe. It returns the problems found.
func validate(doc map[string]any, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		target := any(doc)
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			target = target.(map[string]any)[part]
		}
		return validate(doc, target.(map[string]any), v, at)
	}
	var out []string
	bad := func(format string, args ...any) { out = append(out, at+": "+fmt.Sprintf(format, args...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%v is not one of %v", v, enum)
	}
	switch s["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			bad("not an object")
			return out
		}
		props, _ := s["properties"].(map[string]any)
		for _, r := range s["required"].([]any) {
			if _, ok := obj[r.(string)]; !ok {
				bad("required %s missing", r)
			}
		}
		for k, val := range obj {
			ps, ok := props[k].(map[string]any)
			if !ok {
				bad("property %s is not described", k)
				continue
			}
			out = append(out, validate(doc, ps, val, at+"."+k)...)
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			bad("not an array")
			return out
		}
		if min, ok := s["minItems"].(float64); ok && float64(len(arr)) < min {
			bad("fewer than %v items", min)
		}
		for i, item := range arr {
			out = append(out, validate(doc, s["items"].(map[string]any), item, fmt.Sprintf("%s[%d]", at, i))...)
		}
	case "string":
		str, ok := v.(string)
		if !ok {
			bad("not a string")
			return out
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(str) {
			bad("%q does not match %s", str, p)
		}
		if s["format"] == "date" {
			if _, err := time.Parse(time.DateOnly, str); err != nil {
				bad("%q is not a date", str)
			}
		}
	case "number":
		if n, ok := v.(float64); !ok || n <= 0 {
			bad("%v is not a positive number", v)
		}
	case "integer":
		if n, ok := v.(float64); !ok || n != float64(int64(n)) {
			bad("%v is not an integer", v)
		}
	default:
		bad("schema without a type the check knows: %v", s["type"])
	}
	return out
}
