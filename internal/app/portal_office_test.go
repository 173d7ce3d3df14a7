package app_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
)

var workTask = regexp.MustCompile(`action="/work/([^"]+)"`)

// TestOfficerDecides takes Aziz's application through the Ministry of
// Justice officer's hands: the inbox links to the application, the page
// shows his answers and records the view in his data tracker with the
// task as purpose; a request for more information without a message is
// refused; with one, Aziz reads it, is told, and replies; his reply
// reaches the waiting process and the officer approves. An officer of
// another agency does not find the application.
func TestOfficerDecides(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		cfg := testConfig(t, databaseURL)
		n := startNode(t, cfg)
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		submitted, userID := submitDemoApplication(t, n.app, "office-1")
		page := "/office/applications/" + submitted.Number
		aziz := newVisitor(t, n.base)
		aziz.login("+998901000001", identity.DemoPassword, "/profile")
		payFee(t, aziz, submitted.InvoiceID)
		officer := newVisitor(t, n.base)
		officer.login("+998901000011", identity.DemoPassword, "/work")
		eventually(t, "the task in the inbox, linked to the application", func() bool {
			_, inbox := officer.get("/work")
			return strings.Contains(inbox, `href="`+page+`"`)
		})
		_, body := officer.get(page)
		body = html.UnescapeString(body)
		for _, want := range []string{"Amir Temur koʻchasi, 1-uy", "It was lost", "Take this application", "Who has looked at my data"} {
			if !strings.Contains(body, want) {
				t.Errorf("the officer's page lacks %q", want)
			}
		}
		task := workTask.FindStringSubmatch(body)[1]
		if resp, _ := officer.post(page, "/work/"+task, url.Values{"action": {"claim"}, "next": {page}}); resp.StatusCode != 303 ||
			resp.Header.Get("Location") != page {
			t.Fatalf("claim: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := officer.post(page, "/work/"+task, url.Values{"action": {"complete"}, "decision": {"more-info"},
			"next": {page}}); resp.StatusCode != 400 && resp.StatusCode != 422 {
			t.Errorf("a request without a message: %d", resp.StatusCode)
		}
		request := "Please send a scan of your passport's first page."
		if resp, _ := officer.post(page, "/work/"+task, url.Values{"action": {"complete"}, "decision": {"more-info"},
			"comment": {request}, "next": {page}}); resp.StatusCode != 303 {
			t.Fatalf("request more information: %d", resp.StatusCode)
		}

		// Aziz reads the request, is told, and replies.
		mine := "/account/applications/" + submitted.ID
		eventually(t, "the request in Aziz's cabinet", func() bool {
			_, body := aziz.get(mine)
			return strings.Contains(body, "More information needed") && strings.Contains(html.UnescapeString(body), request)
		})
		// Notifications are in the language of Aziz's account, Uzbek.
		if _, inbox := aziz.get("/account/notifications"); !strings.Contains(html.UnescapeString(inbox),
			"Arizangiz boʻyicha qoʻshimcha maʼlumot kerak: "+submitted.Number) {
			t.Error("Aziz is not told of the request")
		}
		if resp, _ := aziz.post(mine, mine+"/reply", url.Values{"reply": {"  "}}); resp.StatusCode != 422 {
			t.Errorf("an empty reply: %d", resp.StatusCode)
		}
		if resp, _ := aziz.post(mine, mine+"/reply", url.Values{"reply": {"Sent it to the office by post."}}); resp.StatusCode != 303 {
			t.Fatalf("reply: %d", resp.StatusCode)
		}
		if resp, _ := aziz.post(mine, mine+"/reply", url.Values{"reply": {"Again"}}); resp.StatusCode != 409 {
			t.Errorf("a reply nobody asked for: %d", resp.StatusCode)
		}

		// The reply reaches the process: the review comes back.
		var second string
		eventually(t, "the second review", func() bool {
			_, body := officer.get(page)
			m := workTask.FindStringSubmatch(body)
			if m == nil || m[1] == task || !strings.Contains(body, "Sent it to the office by post.") {
				return false
			}
			second = m[1]
			return true
		})
		officer.post(page, "/work/"+second, url.Values{"action": {"claim"}, "next": {page}})
		if resp, _ := officer.post(page, "/work/"+second, url.Values{"action": {"complete"}, "decision": {"approve"},
			"next": {page}}); resp.StatusCode != 303 {
			t.Fatalf("approve: %d", resp.StatusCode)
		}
		eventually(t, "the signed result in Aziz's cabinet", func() bool {
			got, err := n.app.Applications.Find(ctx, userID, submitted.ID)
			return err == nil && got.Status == "result_issued"
		})
		_, inbox := aziz.get("/account/notifications")
		for _, want := range []string{"Arizangiz maʼqullandi: " + submitted.Number, "Xizmat natijasi tayyor: " + submitted.Number} {
			if !strings.Contains(html.UnescapeString(inbox), want) {
				t.Errorf("Aziz is not told %q", want)
			}
		}
		checkResult(t, n, aziz, malika(t, n), mine, cfg.DataDir)

		// Aziz rates the service, once.
		if resp, _ := aziz.post(mine, mine+"/rating", url.Values{"rating": {"9"}}); resp.StatusCode != 422 {
			t.Errorf("a rating of 9: %d", resp.StatusCode)
		}
		if resp, _ := aziz.post(mine, mine+"/rating", url.Values{"rating": {"5"}, "comment": {"Tez va qulay."}}); resp.StatusCode != 303 {
			t.Errorf("rating: %d", resp.StatusCode)
		}
		if resp, _ := aziz.post(mine, mine+"/rating", url.Values{"rating": {"1"}}); resp.StatusCode != 409 {
			t.Errorf("a second rating: %d", resp.StatusCode)
		}
		if _, body := aziz.get(mine); !strings.Contains(body, "You rated the service 5 out of 5") {
			t.Error("the page does not show the rating")
		}

		// Aziz's data tracker shows the officer's views, with the task.
		_, profile := aziz.get("/profile?lang=en")
		if profile = html.UnescapeString(profile); !strings.Contains(profile, "Nodira Saidova") ||
			!strings.Contains(profile, "application "+submitted.Number) || !strings.Contains(profile, "task ") {
			t.Error("Aziz's profile lacks the officer's views")
		}

		// The tax committee's officer does not find it.
		other := newVisitor(t, n.base)
		other.login("+998901000013", identity.DemoPassword, "/work")
		if resp, _ := other.get(page); resp.StatusCode != 404 {
			t.Errorf("another agency's officer: %d", resp.StatusCode)
		}
		if resp, _ := aziz.get(page); resp.StatusCode != 403 && resp.StatusCode != 404 {
			t.Errorf("the citizen on the officer's page: %d", resp.StatusCode)
		}
	})
}

// malika is Malika, signed in.
func malika(t *testing.T, n *node) *visitor {
	v := newVisitor(t, n.base)
	v.login("+998901000002", identity.DemoPassword, "/profile")
	return v
}

// checkResult downloads the result of the application at page (Aziz's
// cabinet) and checks it as anyone would: the PDF with its detached
// signature verifies with openssl against the demo root and on the
// platform's verification service, the QR code's page says it is genuine,
// and Malika cannot download it from Aziz's cabinet.
func checkResult(t *testing.T, n *node, aziz, other *visitor, page, dataDir string) {
	t.Helper()
	_, body := aziz.get(page)
	code := regexp.MustCompile(`href="/results/([a-z0-9]+)"`).FindStringSubmatch(body)
	if code == nil || !strings.Contains(body, page+"/result/document.pdf") {
		t.Fatalf("the application page lacks the result:\n%s", body)
	}
	resp, pdf := aziz.get(page + "/result/document.pdf")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") {
		t.Fatalf("the PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	resp, sig := aziz.get(page + "/result/signature.p7s")
	if resp.StatusCode != 200 {
		t.Fatalf("the signature: %d", resp.StatusCode)
	}
	if resp, _ := other.get(page + "/result/document.pdf"); resp.StatusCode != 404 {
		t.Errorf("Malika downloads Aziz's result: %d", resp.StatusCode)
	}
	dir := t.TempDir()
	for name, data := range map[string]string{"result.pdf": pdf, "result.p7s": sig} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	root := filepath.Join(dataDir, "pki", "root.pem")
	out, err := exec.Command("openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", filepath.Join(dir, "result.p7s"),
		"-content", filepath.Join(dir, "result.pdf"), "-CAfile", root, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verification successful") {
		t.Errorf("openssl cms -verify: %v\n%s", err, out)
	}
	// The platform's verification service says the same.
	req, _ := json.Marshal(map[string]string{"content": base64.StdEncoding.EncodeToString([]byte(pdf)),
		"signature": base64.StdEncoding.EncodeToString([]byte(sig))})
	var rep struct{ Verdict string }
	if resp := newVisitor(t, n.base).sendJSON("/", "POST", "/api/v1/signatures/verify", string(req), &rep); resp.StatusCode != 200 ||
		rep.Verdict != "valid" {
		t.Errorf("verification service: %d %+v", resp.StatusCode, rep)
	}
	// The QR code's page, open to anyone.
	_, body = newVisitor(t, n.base).get("/results/" + code[1])
	if body = html.UnescapeString(body); !strings.Contains(body, "This document is genuine") || !strings.Contains(body, "Saidova") {
		t.Errorf("the verification page:\n%s", body)
	}
	if resp, _ := newVisitor(t, n.base).get("/results/" + strings.ToUpper(code[1])); resp.StatusCode != 404 {
		t.Errorf("a wrong code: %d", resp.StatusCode)
	}
}
