package app_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
)

// tinyPDF is a minimal well-formed PDF document.
const tinyPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n"

// pngHeader is the signature and header chunk of a PNG image.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde")

// postFile posts a multipart form from the page at from, with fields and
// one file declared as contentType.
func (v *visitor) postFile(from, path string, fields map[string][]string, field, name, contentType string, data []byte) (*http.Response, string) {
	v.t.Helper()
	_, page := v.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		v.t.Fatalf("no CSRF token on %s", from)
	}
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", m[1])
	for k, vs := range fields {
		for _, s := range vs {
			_ = w.WriteField(k, s)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="`+field+`"; filename="`+name+`"`)
	h.Set("Content-Type", contentType)
	part, _ := w.CreatePart(h)
	_, _ = part.Write(data)
	_ = w.Close()
	req, _ := http.NewRequest("POST", v.base+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", "en")
	resp, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out bytes.Buffer
	_, _ = out.ReadFrom(resp.Body)
	return resp, out.String()
}

// TestApplyWithAttachment has Aziz apply as a guardian, which needs the
// guardianship decision attached: an image that claims to be a PDF is
// refused for what its bytes are, a PDF is kept; only he downloads it from
// his draft, and after he sends the application the Ministry of Justice's
// officer opens it from the application while he cannot use that route.
func TestApplyWithAttachment(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		aziz := identity.DemoPeople()[0]
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		draft := openDraft(t, v)
		step := func(id string) string { return "/drafts/" + draft + "/steps/" + id }
		fields := map[string][]string{"applicant_pinfl": {aziz.PINFL}, "applicant_last_name": {aziz.LastName},
			"applicant_first_name": {aziz.FirstName}, "relation": {"guardian"}, "phone": {"+998901000001"}, "action": {"next"}}
		if _, page := v.get(step("applicant")); !strings.Contains(page, `enctype="multipart/form-data"`) {
			t.Error("the step with a file field is not a multipart form")
		}
		resp, page := v.postFile(step("applicant"), step("applicant"), fields, "guardianship_document", "qaror.pdf", "application/pdf", pngHeader)
		if resp.StatusCode != 422 || !strings.Contains(page, `id="guardianship_document-error"`) {
			t.Fatalf("an image posing as a PDF: %d", resp.StatusCode)
		}
		resp, _ = v.postFile(step("applicant"), step("applicant"), fields, "guardianship_document", "qaror.pdf", "application/pdf", []byte(tinyPDF))
		if resp.StatusCode != 303 || resp.Header.Get("Location") != step("child") {
			t.Fatalf("a PDF: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Posting the step as a plain form keeps the file too.
		if resp, _ := v.post(step("applicant"), step("applicant"), fields); resp.StatusCode != 303 {
			t.Fatalf("the step as a plain form: %d", resp.StatusCode)
		}
		// Going back and on without choosing a file again keeps it.
		resp, _ = v.postFile(step("applicant"), step("applicant"), fields, "guardianship_document", "", "application/octet-stream", nil)
		if resp.StatusCode != 303 {
			t.Fatalf("the step again without a file: %d", resp.StatusCode)
		}
		finishDuplicateDraft(t, v, draft)
		_, page = v.get("/drafts/" + draft + "/check")
		ref := regexp.MustCompile(`href="/uploads/([^"]+)">Attached file`).FindStringSubmatch(page)
		if ref == nil {
			t.Fatalf("check your answers lacks the attachment:\n%s", page)
		}
		if resp, body := v.get("/uploads/" + ref[1]); resp.StatusCode != 200 || body != tinyPDF {
			t.Errorf("Aziz downloads his file: %d", resp.StatusCode)
		}
		if resp, _ := malika(t, n).get("/uploads/" + ref[1]); resp.StatusCode != 404 {
			t.Errorf("Malika downloads Aziz's file: %d", resp.StatusCode)
		}
		resp, _ = v.post("/drafts/"+draft+"/check", "/drafts/"+draft+"/submit", map[string][]string{})
		if resp.StatusCode != 303 {
			t.Fatalf("submit: %d", resp.StatusCode)
		}
		list, err := n.app.Applications.List(context.Background(), userIDOf(t, n, aziz.PINFL), 1)
		if err != nil || len(list) != 1 {
			t.Fatal(err)
		}
		file := "/office/applications/" + list[0].Number + "/files/" + ref[1]
		officer := newVisitor(t, n.base)
		officer.login("+998901000011", identity.DemoPassword, "/work")
		if resp, body := officer.get(file); resp.StatusCode != 200 || body != tinyPDF {
			t.Errorf("the officer opens the attachment: %d", resp.StatusCode)
		}
		if resp, _ := officer.get("/office/applications/" + list[0].Number + "/files/someone-elses"); resp.StatusCode != 404 {
			t.Errorf("a file not of the application: %d", resp.StatusCode)
		}
		if resp, _ := v.get(file); resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("the citizen on the officer's route: %d", resp.StatusCode)
		}
	})
}

// finishDuplicateDraft fills the child and delivery steps of a draft for
// the duplicate birth certificate from what the civil registry filled in,
// as a person who only confirms would, and checks that it reaches "check
// your answers".
func finishDuplicateDraft(t *testing.T, v *visitor, draft string) {
	t.Helper()
	aziz := identity.DemoPeople()[0]
	step := func(id string) string { return "/drafts/" + draft + "/steps/" + id }
	_, page := v.get(step("child"))
	page = html.UnescapeString(page)
	office := regexp.MustCompile(`id="registry_office" name="registry_office" value="([^"]+)"`).FindStringSubmatch(page)
	region := regexp.MustCompile(`<option value="([a-z_]+)" selected>`).FindStringSubmatch(page)
	if office == nil || region == nil {
		t.Fatalf("the child step is not filled in from the civil registry:\n%s", page)
	}
	v.post(step("child"), step("child"), map[string][]string{"child_last_name": {aziz.LastName}, "child_first_name": {aziz.FirstName},
		"child_birth_date": {aziz.BirthDate.Format("2006-01-02")}, "birth_region": {region[1]}, "registry_office": {office[1]},
		"reason": {"lost"}, "action": {"next"}})
	resp, _ := v.post(step("delivery"), step("delivery"), map[string][]string{"delivery_method": {"office"},
		"pickup_region": {"tashkent_city"}, "consent": {"false", "true"}, "action": {"next"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/drafts/"+draft+"/check" {
		t.Fatalf("the delivery step: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestUploadAPI uploads files as the mobile app does: an image declared as
// a PDF is refused as a problem, a PDF comes back with the reference a
// form's file field takes, which only its owner downloads.
func TestUploadAPI(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, n.base)
	v.login("+998901000001", identity.DemoPassword, "/profile")
	if resp, body := v.postFile("/profile", "/api/v1/uploads", nil, "file", "qaror.pdf", "application/pdf", pngHeader); resp.StatusCode != 400 ||
		resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, "PNG") {
		t.Errorf("an image posing as a PDF: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, body := v.postFile("/profile", "/api/v1/uploads", nil, "file", "qaror.pdf", "application/pdf", []byte(tinyPDF))
	m := regexp.MustCompile(`"id":"([^"]+)"`).FindStringSubmatch(body)
	if resp.StatusCode != 201 || m == nil || !strings.Contains(body, `"content_type":"application/pdf"`) {
		t.Fatalf("a PDF: %d %s", resp.StatusCode, body)
	}
	if resp, file := v.get("/uploads/" + m[1]); resp.StatusCode != 200 || file != tinyPDF {
		t.Errorf("the owner downloads it: %d", resp.StatusCode)
	}
	if resp, _ := malika(t, n).get("/uploads/" + m[1]); resp.StatusCode != 404 {
		t.Errorf("Malika downloads it: %d", resp.StatusCode)
	}
	if resp, _ := newVisitor(t, n.base).postFile("/login", "/api/v1/uploads", nil, "file", "a.pdf", "application/pdf", []byte(tinyPDF)); resp.StatusCode != 401 {
		t.Errorf("anonymous upload: %d", resp.StatusCode)
	}
}
