package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
)

var (
	inputTag    = regexp.MustCompile(`<input ([^>]*)>`)
	textareaTag = regexp.MustCompile(`(?s)<textarea ([^>]*)>(.*?)</textarea>`)
	selectTag   = regexp.MustCompile(`(?s)<select ([^>]*)>(.*?)</select>`)
	optionTag   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
	attrPattern = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

// pageForm returns what a browser would send from the page's forms: text
// inputs and hidden fields, checked boxes and radios, selected options and
// textareas.
func pageForm(page string) url.Values {
	out := url.Values{}
	attrs := func(s string) map[string]string {
		m := map[string]string{}
		for _, a := range attrPattern.FindAllStringSubmatch(s, -1) {
			m[a[1]] = html.UnescapeString(a[2])
		}
		return m
	}
	for _, m := range inputTag.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		_, checked := a["checked"]
		switch {
		case a["name"] == "" || a["type"] == "file":
		case a["type"] == "checkbox" || a["type"] == "radio":
			if checked {
				v := a["value"]
				if v == "" {
					v = "on"
				}
				out.Add(a["name"], v)
			}
		default:
			out.Add(a["name"], a["value"])
		}
	}
	for _, m := range textareaTag.FindAllStringSubmatch(page, -1) {
		out.Add(attrs(m[1])["name"], html.UnescapeString(m[2]))
	}
	for _, m := range selectTag.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		_, multiple := a["multiple"]
		options := optionTag.FindAllStringSubmatch(m[2], -1)
		chosen := false
		for _, o := range options {
			if o[2] != "" {
				out.Add(a["name"], html.UnescapeString(o[1]))
				chosen = true
			}
		}
		// A single select with nothing marked sends its first option.
		if !chosen && !multiple && len(options) > 0 {
			out.Add(a["name"], html.UnescapeString(options[0][1]))
		}
	}
	return out
}

// postForm submits values to path with the CSRF token of the page at from.
func (v *visitor) postForm(from, path string, values url.Values) (*http.Response, string) {
	v.t.Helper()
	values = cloneValues(values)
	return v.post(from, path, values)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

func TestRegistryAdministration(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		const code = "birth-certificate-duplicate"
		citizen := newVisitor(t, n.base)
		citizen.login("+998901000001", identity.DemoPassword, "/profile")
		if resp, _ := citizen.get("/admin/services"); resp.StatusCode != 403 {
			t.Errorf("a citizen opens the registry administration: %d", resp.StatusCode)
		}

		admin := newVisitor(t, n.base)
		admin.login("+998901000031", identity.DemoPassword, "/profile")
		_, list := admin.get("/admin/services")
		if !strings.Contains(list, `href="/admin/services/`+code+`"`) || !strings.Contains(list, `href="/admin/services/sole-proprietor-registration"`) {
			t.Fatal("the platform administrator's list lacks services")
		}

		// An agency administrator changes only their own agency's
		// services.
		justice := newVisitor(t, n.base)
		justice.login("+998901000017", identity.DemoPassword, "/profile")
		_, own := justice.get("/admin/services")
		if !strings.Contains(own, `href="/admin/services/`+code+`"`) || strings.Contains(own, `href="/admin/services/sole-proprietor-registration"`) {
			t.Error("the agency administrator's list is not their agency's")
		}
		if resp, _ := justice.get("/admin/services/sole-proprietor-registration"); resp.StatusCode != 403 {
			t.Errorf("agency administrator opens another agency's service: %d", resp.StatusCode)
		}
		_, other := admin.get("/admin/services/sole-proprietor-registration")
		forged := pageForm(other)
		forged.Set("term_days", "1")
		forged.Set("reason", "not mine")
		if resp, _ := justice.postForm("/admin/services", "/admin/services/sole-proprietor-registration", forged); resp.StatusCode != 403 {
			t.Errorf("agency administrator changes another agency's service: %d", resp.StatusCode)
		}
		// Nor can they hand their own service to another agency.
		_, mine := justice.get("/admin/services/marriage-registration")
		moved := pageForm(mine)
		moved.Set("agency_id", forged.Get("agency_id"))
		moved.Set("reason", "move")
		if resp, body := justice.postForm("/admin/services", "/admin/services/marriage-registration", moved); resp.StatusCode != 422 ||
			!strings.Contains(body, "only your own agency") {
			t.Errorf("agency administrator moves a service away: %d", resp.StatusCode)
		}
		var versions int
		if err := n.app.DB.Reader().QueryRow(`SELECT count(*) FROM catalog_service_versions v JOIN catalog_services s ON s.id = v.service_id
			WHERE s.code IN ('sole-proprietor-registration', 'marriage-registration')`).Scan(&versions); err != nil || versions != 2 {
			t.Errorf("refused changes left %d versions, %v", versions, err)
		}

		// Editing a passport publishes a new version, with the reason in
		// the history and the change on the public page.
		edit := "/admin/services/" + code
		_, page := admin.get(edit)
		values := pageForm(page)
		if values.Get("version") != "1" || values.Get("name.en") != "Duplicate birth certificate" || values.Get("term_days") == "" {
			t.Fatalf("editor does not show the passport: %v", values)
		}
		before := cloneValues(values)
		values.Set("term_days", "2")
		values.Set("reason", "Term shortened by the new regulation")
		resp, _ := admin.postForm(edit, edit, values)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != edit+"/history" {
			t.Fatalf("save: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		_, history := admin.get(edit + "/history")
		for _, want := range []string{"Term shortened by the new regulation", "Term in working days", "<td>2</td>"} {
			if !strings.Contains(history, want) {
				t.Errorf("history lacks %q", want)
			}
		}
		if _, public := fetch(t, http.DefaultClient, "GET", n.base+"/services/"+code+"?lang=en", nil); !strings.Contains(public, "2 working days") {
			t.Error("the public page does not show the new term")
		}

		// Someone who started from version 1 is told, and changes nothing.
		before.Set("term_days", "9")
		before.Set("reason", "late edit")
		resp, body := admin.postForm(edit, edit, before)
		if resp.StatusCode != 409 || !strings.Contains(body, "Someone else changed this service") {
			t.Errorf("stale edit: %d", resp.StatusCode)
		}
		// Bad input shows every error and changes nothing.
		values = pageForm(page)
		values.Set("version", "2")
		values.Set("name.en", "")
		values.Set("term_days", "three")
		values.Set("reason", "")
		resp, body = admin.postForm(edit, edit, values)
		if resp.StatusCode != 422 || !strings.Contains(body, `class="error-summary"`) || !strings.Contains(body, `href="#term_days"`) ||
			!strings.Contains(body, `href="#reason"`) {
			t.Errorf("bad input: %d", resp.StatusCode)
		}
		var version int
		if err := n.app.DB.Reader().QueryRow(`SELECT version FROM catalog_services WHERE code = $1`, code).Scan(&version); err != nil || version != 2 {
			t.Errorf("version after refused edits = %d, %v", version, err)
		}

		// A new service.
		_, page = admin.get("/admin/services/new")
		values = pageForm(page)
		values.Set("code", "hunting-licence")
		for field, text := range map[string]string{"name": "Ovchilik guvohnomasi", "description": "Ovchilik uchun ruxsatnoma olish.", "result": "Guvohnoma"} {
			values.Set(field+".uz-Latn", text)
			values.Set(field+".ru", text+" (ru)")
			values.Set(field+".en", text+" (en)")
		}
		values.Set("category", "environment")
		values.Set("term_days", "10")
		values.Set("reason", "New service")
		resp, body = admin.postForm("/admin/services/new", "/admin/services/new", values)
		if resp.StatusCode != 303 {
			t.Fatalf("create: %d %s", resp.StatusCode, body)
		}
		if _, page := admin.get("/admin/services/hunting-licence"); !strings.Contains(page, "Овчилик гувоҳномаси") {
			t.Error("the Uzbek Cyrillic name was not transliterated")
		}

		// The form editor publishes a new form version; the old one stays.
		formPath := edit + "/form"
		_, page = admin.get(formPath)
		values = pageForm(page)
		if values.Get("version") != "1" || !strings.Contains(values.Get("document"), `"x-egov"`) {
			t.Fatalf("form editor: %v", values.Get("version"))
		}
		broken := cloneValues(values)
		broken.Set("document", `{"type": "object", "properties": {"a": {"type": "string"}}`)
		broken.Set("reason", "typo")
		resp, body = admin.postForm(formPath, formPath, broken)
		if resp.StatusCode != 422 || !strings.Contains(body, `href="#document"`) {
			t.Errorf("broken form: %d", resp.StatusCode)
		}
		values.Set("document", strings.Replace(values.Get("document"), "Duplicate birth certificate", "Repeat birth certificate", 1))
		values.Set("reason", "Clearer title")
		if resp, _ := admin.postForm(formPath, formPath, values); resp.StatusCode != 303 {
			t.Fatalf("publish form: %d", resp.StatusCode)
		}
		var doc struct {
			Version int `json:"version"`
			Schema  struct {
				UI struct {
					Title map[string]string `json:"title"`
				} `json:"x-egov"`
			} `json:"schema"`
		}
		_, api := fetch(t, http.DefaultClient, "GET", n.base+"/api/v1/services/"+code+"/form", nil)
		if err := json.Unmarshal([]byte(api), &doc); err != nil || doc.Version != 2 || doc.Schema.UI.Title["en"] != "Repeat birth certificate" {
			t.Errorf("API form: %v %+v", err, doc)
		}
		_, api = fetch(t, http.DefaultClient, "GET", n.base+"/api/v1/services/"+code+"/form?version=1", nil)
		if err := json.Unmarshal([]byte(api), &doc); err != nil || doc.Version != 1 || doc.Schema.UI.Title["en"] != "Duplicate birth certificate" {
			t.Errorf("API form v1: %v %+v", err, doc)
		}
	})
}

func TestFormPreview(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := &http.Client{}
	_, service := fetch(t, c, "GET", n.base+"/services/birth-certificate-duplicate?lang=en", nil)
	if !strings.Contains(service, `href="/services/birth-certificate-duplicate/form"`) {
		t.Error("the service page does not link to its form")
	}
	resp, page := fetch(t, c, "GET", n.base+"/services/birth-certificate-duplicate/form?lang=en", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "Step 1 of 3") || !strings.Contains(page, `name="applicant_pinfl"`) ||
		strings.Contains(page, `name="child_birth_date"`) {
		t.Fatalf("preview of step 1: %d", resp.StatusCode)
	}
	// Checking an empty step shows the errors an applicant would get.
	v := newVisitor(t, n.base)
	from := "/services/birth-certificate-duplicate/form?step=applicant&version=1"
	resp, page = v.post(from, from, url.Values{})
	if resp.StatusCode != 422 || !strings.Contains(page, `href="#applicant_pinfl"`) || strings.Contains(page, `href="#child_birth_date"`) {
		t.Errorf("checking an empty step: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, "GET", n.base+"/services/birth-certificate-duplicate/form?step=nope", nil); resp.StatusCode != 404 {
		t.Errorf("unknown step: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, "GET", n.base+"/services/kindergarten-queue/form", nil); resp.StatusCode != 404 {
		t.Errorf("service without a form: %d", resp.StatusCode)
	}
	if resp, body := fetch(t, c, "GET", n.base+"/api/v1/services/birth-certificate-duplicate/form?version=x", nil); resp.StatusCode != 400 ||
		!strings.Contains(resp.Header.Get("Content-Type"), "problem+json") {
		t.Errorf("bad version: %d %s", resp.StatusCode, body)
	}
	if _, body := fetch(t, c, "GET", n.base+"/api/v1/openapi.json", nil); !strings.Contains(body, `"/api/v1/services/{code}/form"`) {
		t.Error("the OpenAPI document does not describe the form endpoint")
	}
}

// upload posts a file with fields as multipart/form-data, with the CSRF
// token of the page at from.
func (v *visitor) upload(from, path string, fields map[string]string, file []byte) (*http.Response, string) {
	v.t.Helper()
	_, page := v.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		v.t.Fatalf("no CSRF token on %s", from)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", m[1])
	for k, val := range fields {
		_ = w.WriteField(k, val)
	}
	fw, _ := w.CreateFormFile("file", "registry")
	_, _ = fw.Write(file)
	_ = w.Close()
	req, _ := http.NewRequest("POST", v.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRegistryImportExport(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	admin := newVisitor(t, n.base)
	admin.login("+998901000031", identity.DemoPassword, "/profile")
	resp, xlsx := admin.get("/admin/services/export?format=xlsx")
	if resp.StatusCode != 200 || !strings.HasPrefix(xlsx, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
		t.Errorf("XLSX export: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := admin.get("/admin/services/export?format=pdf"); resp.StatusCode != 400 {
		t.Errorf("unknown export format: %d", resp.StatusCode)
	}
	_, csvText := admin.get("/admin/services/export?format=csv-services")
	rows, err := csv.NewReader(strings.NewReader(csvText)).ReadAll()
	if err != nil || len(rows) < 70 {
		t.Fatalf("CSV export: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	edit := func(code, field, value string) []byte {
		var b bytes.Buffer
		w := csv.NewWriter(&b)
		for _, row := range rows {
			row = append([]string(nil), row...)
			if row[col["code"]] == code {
				row[col[field]] = value
			}
			_ = w.Write(row)
		}
		w.Flush()
		return b.Bytes()
	}

	// The platform administrator imports an edited file: one new version.
	resp, page := admin.upload("/admin/services", "/admin/services/import",
		map[string]string{"format": "csv-services", "reason": "Fees revised"}, edit("sole-proprietor-registration", "term_days", "17"))
	if resp.StatusCode != 200 || !strings.Contains(page, "new: 0, changed: 1, unchanged:") {
		t.Errorf("import: %d", resp.StatusCode)
	}
	// The agency administrator of the Ministry of Justice may not change
	// the Public Services Agency's service: the whole file is refused.
	justice := newVisitor(t, n.base)
	justice.login("+998901000017", identity.DemoPassword, "/profile")
	resp, page = justice.upload("/admin/services", "/admin/services/import",
		map[string]string{"format": "csv-services", "reason": "mine"}, edit("sole-proprietor-registration", "term_days", "2"))
	if resp.StatusCode != 422 || !strings.Contains(page, "sole-proprietor-registration") || !strings.Contains(page, "1 problem found") {
		t.Errorf("agency administrator imports another agency's change: %d", resp.StatusCode)
	}
	var term string
	if err := n.app.DB.Reader().QueryRow(`SELECT passport FROM catalog_services WHERE code = 'sole-proprietor-registration'`).Scan(&term); err != nil ||
		!strings.Contains(term, `"term_days":17`) {
		t.Errorf("after the refused import: %v %s", err, term)
	}
	// A broken file lists its lines and changes nothing.
	bad := edit("birth-certificate-duplicate", "level", "nine")
	resp, page = admin.upload("/admin/services", "/admin/services/import", map[string]string{"format": "csv-services", "reason": "x"}, bad)
	if resp.StatusCode != 422 || !strings.Contains(page, "birth-certificate-duplicate") || !strings.Contains(page, "<td>level</td>") {
		t.Errorf("broken import: %d", resp.StatusCode)
	}
}
