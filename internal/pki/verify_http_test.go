package pki_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/pki/cms"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/db/dbtest"
)

// upload is a file of a verification form: its field and content.
type upload struct {
	field string
	data  []byte
}

// multipartBody writes fields and files as multipart/form-data.
func multipartBody(t testing.TB, fields map[string]string, files ...upload) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		w, err := mw.CreateFormFile(f.field, f.field+".bin")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// visitor is a browser: it keeps cookies and sends forms with the CSRF
// token of the page it last saw.
type visitor struct {
	t      testing.TB
	client *http.Client
	base   string
	token  string
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func newVisitor(t testing.TB, ts *httptest.Server) *visitor {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, client: &http.Client{Jar: jar}, base: ts.URL}
}

// get fetches a page and keeps its CSRF token.
func (v *visitor) get(path string) (int, string) {
	v.t.Helper()
	resp, err := v.client.Get(v.base + path)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if m := csrfField.FindSubmatch(b); m != nil {
		v.token = string(m[1])
	}
	return resp.StatusCode, string(b)
}

// verify posts the verification form in lang and returns the status and
// the page, unescaped so that texts with apostrophes compare plainly.
func (v *visitor) verify(lang string, files ...upload) (int, string) {
	v.t.Helper()
	if v.token == "" {
		v.get(pki.PathVerify)
	}
	ct, body := multipartBody(v.t, map[string]string{"csrf_token": v.token}, files...)
	resp, err := v.client.Post(v.base+pki.PathVerify+"?lang="+lang, ct, bytes.NewReader(body))
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, html.UnescapeString(string(b))
}

// report is the API's answer, as much as the tests read.
type report struct {
	Verdict    string `json:"verdict"`
	Reason     string `json:"reason"`
	ReasonText string `json:"reason_text"`
	Signatures []struct {
		Verdict string `json:"verdict"`
		Level   string `json:"level"`
		Signer  *struct {
			Name, PINFL, Organization string
		} `json:"signer"`
		Chain []struct {
			Role, Name string
		} `json:"chain"`
		TimeSource string `json:"time_source"`
		Timestamp  *struct {
			Time       time.Time `json:"time"`
			AccuracyMS int64     `json:"accuracy_ms"`
			Authority  string    `json:"authority"`
		} `json:"timestamp"`
		Status struct {
			State            string     `json:"state"`
			RevokedAt        *time.Time `json:"revoked_at"`
			RevocationReason string     `json:"revocation_reason"`
			Text             string     `json:"text"`
		} `json:"status"`
		Checks []struct {
			Name, Verdict string
		} `json:"checks"`
	} `json:"signatures"`
}

// problem is an RFC 9457 answer.
type problem struct {
	Status int               `json:"status"`
	Code   string            `json:"code"`
	Detail string            `json:"detail"`
	Errors map[string]string `json:"errors"`
}

// callAPI posts body to the verification API in lang and decodes the
// report (200) or the problem (otherwise).
func callAPI(t testing.TB, ts *httptest.Server, lang, contentType string, body []byte) (int, *report, *problem) {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+pki.PathVerifyAPI, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept-Language", lang)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusOK {
		var r report
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Fatalf("report as %s: %s", ct, b)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return resp.StatusCode, &r, nil
	}
	var p problem
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("HTTP %d as %s: %s", resp.StatusCode, ct, b)
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return resp.StatusCode, nil, &p
}

// apiJSON calls the API with the files as base64 in JSON; a nil content
// is left out.
func apiJSON(t testing.TB, ts *httptest.Server, lang string, content, sig []byte) (int, *report, *problem) {
	t.Helper()
	req := map[string]string{"signature": base64.StdEncoding.EncodeToString(sig)}
	if content != nil {
		req["content"] = base64.StdEncoding.EncodeToString(content)
	}
	body, _ := json.Marshal(req)
	return callAPI(t, ts, lang, "application/json", body)
}

// apiForm calls the API with the files as a form.
func apiForm(t testing.TB, ts *httptest.Server, files ...upload) (int, *report, *problem) {
	t.Helper()
	ct, body := multipartBody(t, nil, files...)
	return callAPI(t, ts, "en", ct, body)
}

// signed is a document signed in the ways the tests check: B-T by a
// person whose certificate is revoked after the first signature, and in a
// container that holds the document with another certificate of theirs.
type signed struct {
	doc, bt, revokedBT, attached []byte
}

func (e *env) signatures(t testing.TB) signed {
	t.Helper()
	ctx := context.Background()
	s := signed{doc: []byte("Ariza: yer uchastkasi, Chilonzor tumani\n")}
	signer, c := e.signer(t, p256(t))
	sign := func() []byte {
		sig, err := cades.Sign(ctx, s.doc, signer, cades.SignOptions{Level: cades.LevelBT, Time: e.clock.Now(), TSA: e.svc})
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	s.bt = sign()
	// The container is signed with another certificate, which stays good.
	other, _ := e.signer(t, p256(t))
	sd, err := cms.Sign(s.doc, other, cms.SignOptions{Attributes: []cms.Attribute{cms.SigningTimeAttr(e.clock.Now()), cms.SigningCertificateV2Attr(other.Cert)}})
	if err != nil {
		t.Fatal(err)
	}
	if s.attached, err = sd.Marshal(); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.Revoke(ctx, "user-1", c.Serial, pki.ReasonKeyCompromise); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	s.revokedBT = sign()
	return s
}

func TestVerifyPage(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ts := e.serve(t)
		s := e.signatures(t)
		v := newVisitor(t, ts)

		status, page := v.get(pki.PathVerify + "?lang=en")
		for _, want := range []string{`enctype="multipart/form-data"`, `<label for="signature">`, `name="csrf_token"`, "up to 20 MB"} {
			if status != 200 || !strings.Contains(page, want) {
				t.Fatalf("form: HTTP %d, lacks %q:\n%s", status, want, page)
			}
		}

		tests := []struct {
			name   string
			lang   string
			files  []upload
			status int
			want   []string
		}{
			{"valid in English", "en", []upload{{"file", s.doc}, {"signature", s.bt}}, 200, []string{
				"The signature is valid", "Navoiy Alisher", person.PINFL, "Confirmed by a trusted timestamp.",
				"egov Test Issuing CA 1 Time Stamping Authority", "±1 s", "Root certificate of the platform (trusted)",
				"egov Test Root CA", "CAdES-B-T", "Tashkent time"}},
			{"valid in Uzbek", "uz-Latn", []upload{{"file", s.doc}, {"signature", s.bt}}, 200, []string{
				"Imzo haqiqiy", "Navoiy Alisher", "JShShIR", "Ishonchli vaqt tamgʻasi bilan tasdiqlangan."}},
			{"valid in Russian", "ru", []upload{{"file", s.doc}, {"signature", s.bt}}, 200, []string{"Подпись действительна", "Navoiy Alisher"}},
			{"a changed document", "en", []upload{{"file", []byte("Ariza: boshqa uchastka\n")}, {"signature", s.bt}}, 200, []string{
				"The signature is not valid", "The document has been changed since it was signed"}},
			{"signed after revocation", "en", []upload{{"file", s.doc}, {"signature", s.revokedBT}}, 200, []string{
				"The signature is not valid", "had been revoked when the signature was made", "the key was compromised", "before the document was signed"}},
			{"signed before revocation", "en", []upload{{"file", s.doc}, {"signature", s.bt}}, 200, []string{
				"The signature is valid", "after the document was signed: the signature stays valid", "the key was compromised"}},
			{"a container holding the document, as PEM", "en", []upload{{"signature", pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: s.attached})}}, 200, []string{
				"The signature is valid", "Navoiy Alisher", "Only stated by the signer's computer", "Not revoked: the certificate was in force"}},
			{"a signature in base64", "en", []upload{{"file", s.doc}, {"signature", []byte(base64.StdEncoding.EncodeToString(s.bt) + "\n")}}, 200, []string{
				"The signature is valid"}},
			{"garbage", "en", []upload{{"file", s.doc}, {"signature", []byte("this is not a signature")}}, 422, []string{
				"This file is not an electronic signature", `href="#signature"`}},
			{"garbage DER", "uz-Latn", []upload{{"file", s.doc}, {"signature", []byte{0x30, 0x03, 0x02, 0x01, 0x01}}}, 422, []string{
				"Bu fayl elektron imzo emas"}},
			{"a detached signature alone", "en", []upload{{"signature", s.bt}}, 422, []string{"choose the signed document too", `href="#file"`}},
			{"no signature", "en", []upload{{"file", s.doc}}, 422, []string{"Choose the signature file."}},
			{"a signature over the limit", "en", []upload{{"file", s.doc}, {"signature", make([]byte, 1<<20+1)}}, 422, []string{
				"The signature file is too large"}},
		}
		for _, tt := range tests {
			status, page := v.verify(tt.lang, tt.files...)
			if status != tt.status {
				t.Errorf("%s: HTTP %d, want %d", tt.name, status, tt.status)
			}
			for _, want := range tt.want {
				if !strings.Contains(page, want) {
					t.Errorf("%s: the page lacks %q", tt.name, want)
				}
			}
			if t.Failed() {
				t.Fatalf("%s:\n%s", tt.name, page)
			}
		}

		// The form is protected like any other.
		ct, body := multipartBody(t, nil, upload{"file", s.doc}, upload{"signature", s.bt})
		resp, err := v.client.Post(ts.URL+pki.PathVerify, ct, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("without a CSRF token: HTTP %d", resp.StatusCode)
		}
	})
}

func TestVerifyAPI(t *testing.T) {
	dbtest.Each(t, migrations(), func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		ts := e.serve(t)
		s := e.signatures(t)

		// A valid B-T signature, as a form and as JSON: the same report.
		_, form, _ := apiForm(t, ts, upload{"file", s.doc}, upload{"signature", s.bt})
		status, r, p := apiJSON(t, ts, "en", s.doc, s.bt)
		if status != 200 || r.Verdict != "valid" || r.Reason != "" || len(r.Signatures) != 1 {
			t.Fatalf("valid: HTTP %d %+v %+v", status, r, p)
		}
		if form == nil || form.Verdict != r.Verdict || len(form.Signatures) != 1 {
			t.Errorf("as a form: %+v", form)
		}
		sr := r.Signatures[0]
		if sr.Signer == nil || sr.Signer.Name != "Navoiy Alisher" || sr.Signer.PINFL != person.PINFL || sr.Level != "B-T" {
			t.Errorf("signer %+v, level %s", sr.Signer, sr.Level)
		}
		if len(sr.Chain) != 3 || sr.Chain[0].Role != "signer" || sr.Chain[1].Role != "ca" || sr.Chain[2].Role != "root" ||
			sr.Chain[2].Name != "egov Test Root CA" {
			t.Errorf("chain %+v", sr.Chain)
		}
		if sr.TimeSource != "timestamp" || sr.Timestamp == nil || sr.Timestamp.AccuracyMS != 1000 ||
			!strings.HasSuffix(sr.Timestamp.Authority, "Time Stamping Authority") {
			t.Errorf("time from %s, timestamp %+v", sr.TimeSource, sr.Timestamp)
		}
		// Revoked since, after the timestamp: still valid, and said so.
		if sr.Status.State != "revoked" || sr.Status.RevocationReason != "key_compromise" || sr.Status.RevokedAt == nil ||
			!strings.Contains(sr.Status.Text, "after the document was signed") {
			t.Errorf("status %+v", sr.Status)
		}
		if len(sr.Checks) != 6 {
			t.Errorf("checks %+v", sr.Checks)
		}
		for _, c := range sr.Checks {
			if c.Verdict != "valid" {
				t.Errorf("check %+v", c)
			}
		}

		// The reasons come as keys and in the caller's language.
		for lang, text := range map[string]string{"en": "The document has been changed", "uz-Latn": "Hujjat imzolangandan keyin oʻzgartirilgan",
			"uz-Cyrl": "Ҳужжат имзолангандан кейин ўзгартирилган", "ru": "Документ изменён после подписания"} {
			status, r, _ := apiJSON(t, ts, lang, []byte("boshqa hujjat"), s.bt)
			if status != 200 || r.Verdict != "invalid" || r.Reason != cades.ReasonDigest || !strings.HasPrefix(r.ReasonText, text) {
				t.Errorf("changed document in %s: %d %+v", lang, status, r)
			}
		}
		status, r, _ = apiJSON(t, ts, "en", s.doc, s.revokedBT)
		if status != 200 || r.Verdict != "invalid" || r.Reason != cades.ReasonRevoked || r.Signatures[0].Status.State != "revoked" {
			t.Errorf("signed after revocation: %d %+v", status, r)
		}
		status, r, _ = apiJSON(t, ts, "en", nil, s.attached)
		if status != 200 || r.Verdict != "valid" || r.Signatures[0].TimeSource != "claimed" {
			t.Errorf("a container holding the document: %d %+v", status, r)
		}

		// Bad input is a problem naming the field, never a 500.
		for _, tt := range []struct {
			name, contentType string
			body              []byte
			field             string
		}{
			{"garbage", "application/json", []byte(`{"content": "eA==", "signature": "` + base64.StdEncoding.EncodeToString([]byte("garbage")) + `"}`), "signature"},
			{"garbage DER", "application/json", []byte(`{"content": "eA==", "signature": "MAMCAQE="}`), "signature"},
			{"not base64", "application/json", []byte(`{"content": "eA==", "signature": "%%%"}`), "signature"},
			{"content not base64", "application/json", []byte(`{"content": "%%%", "signature": "MAMCAQE="}`), "content"},
			{"detached alone", "application/json", []byte(`{"signature": "` + base64.StdEncoding.EncodeToString(s.bt) + `"}`), "content"},
			{"no signature", "application/json", []byte(`{"content": "eA=="}`), "signature"},
			{"an unknown field", "application/json", []byte(`{"signature": "MAMCAQE=", "x": 1}`), ""},
			{"not JSON", "text/plain", []byte("hello"), ""},
		} {
			status, _, p := callAPI(t, ts, "en", tt.contentType, tt.body)
			if status != 400 || p.Code != "invalid" || p.Detail == "" || (tt.field != "" && p.Errors[tt.field] == "") {
				t.Errorf("%s: HTTP %d %+v", tt.name, status, p)
			}
		}
		if status, _, p := apiForm(t, ts, upload{"file", s.doc}, upload{"signature", []byte("garbage")}); status != 400 ||
			!strings.Contains(p.Errors["signature"], "not an electronic signature") {
			t.Errorf("garbage as a form: HTTP %d %+v", status, p)
		}

		// The API is described.
		_, _, doc := fetch(t, "GET", ts.URL+"/api/v1/openapi.json", "", nil)
		var api struct {
			Paths      map[string]json.RawMessage `json:"paths"`
			Components struct {
				Schemas map[string]json.RawMessage `json:"schemas"`
			} `json:"components"`
		}
		if err := json.Unmarshal(doc, &api); err != nil || api.Paths[pki.PathVerifyAPI] == nil || api.Components.Schemas["SignatureReport"] == nil {
			t.Errorf("OpenAPI: %v %s", err, doc)
		}
	})
}

func TestVerifyOpenSSLSignature(t *testing.T) {
	e := sqliteEnv(t)
	ts := e.serve(t)
	dir := e.opensslDir(t)
	e.enrolOpenSSLKey(t, dir)
	doc, _ := os.ReadFile(filepath.Join(dir, "doc.txt"))
	for _, tt := range []struct {
		name  string
		args  []string
		level string
		// attached signatures go without the document
		attached bool
	}{
		{"detached DER", []string{"-outform", "DER"}, "CMS", false},
		{"detached CAdES PEM", []string{"-cades", "-outform", "PEM"}, "B-B", false},
		{"attached DER", []string{"-nodetach", "-outform", "DER"}, "CMS", true},
	} {
		args := append([]string{"cms", "-sign", "-binary", "-in", "doc.txt", "-signer", "cert.pem", "-inkey", "key.pem",
			"-certfile", "issuing.pem", "-out", "openssl.p7s"}, tt.args...)
		openssl(t, dir, args...)
		sig, _ := os.ReadFile(filepath.Join(dir, "openssl.p7s"))
		files := []upload{{"signature", sig}}
		if !tt.attached {
			files = append(files, upload{"file", doc})
		}
		status, r, p := apiForm(t, ts, files...)
		if status != 200 || r.Verdict != "valid" || r.Signatures[0].Level != tt.level || r.Signatures[0].Signer.PINFL != person.PINFL {
			t.Errorf("%s: HTTP %d %+v %+v", tt.name, status, r, p)
		}
	}
}
