package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
)

// TestPSCApplies has the demo public service centre operator identify
// Aziz by his PINFL and the code texted to his phone (a wrong code is
// refused), apply for him, and end the service: the application records
// the centre's channel and the operator, Aziz sees it in his cabinet, and
// the operator no longer acts for him.
func TestPSCApplies(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		aziz := identity.DemoPeople()[0]
		op := newVisitor(t, n.base)
		op.login("+998901000021", identity.DemoPassword, "/psc")
		if resp, body := op.post("/psc", "/psc/code", url.Values{"pinfl": {"12345678901234"}}); resp.StatusCode != 422 ||
			!strings.Contains(body, "Nobody with that PINFL has an account") {
			t.Errorf("an unknown PINFL: %d", resp.StatusCode)
		}
		if resp, body := op.post("/psc", "/psc/code", url.Values{"pinfl": {aziz.PINFL}}); resp.StatusCode != 200 ||
			!strings.Contains(html.UnescapeString(body), "A code has been sent to Aziz Karimov") {
			t.Fatalf("send code: %d", resp.StatusCode)
		}
		var code string
		waitFor(t, "the SMS to be queued", 10*time.Second, func() bool {
			_, page := op.get("/demo/messages")
			m := regexp.MustCompile(`998901000001</td><td class="message-body">[^<]*?(\d{6})`).FindStringSubmatch(page)
			if m != nil {
				code = m[1]
			}
			return m != nil
		})
		wrong := "000000"
		if code == wrong {
			wrong = "111111"
		}
		if resp, _ := op.post("/psc", "/psc/identify", url.Values{"pinfl": {aziz.PINFL}, "code": {wrong}}); resp.StatusCode != 422 {
			t.Errorf("a wrong code: %d", resp.StatusCode)
		}
		if resp, _ := op.post("/psc", "/psc/identify", url.Values{"pinfl": {aziz.PINFL}, "code": {code}}); resp.StatusCode != 303 {
			t.Fatalf("identify: %d", resp.StatusCode)
		}
		if _, body := op.get("/psc"); !strings.Contains(body, "You are serving Aziz Karimov") {
			t.Fatal("the desk does not show whom the operator serves")
		}
		if resp, _ := op.post("/psc", "/psc/identify", url.Values{"pinfl": {aziz.PINFL}, "code": {code}}); resp.StatusCode != 422 {
			t.Errorf("a code used twice: %d", resp.StatusCode)
		}

		// The operator applies for Aziz; the form is his.
		draft := openDraft(t, op)
		step := func(id string) string { return "/drafts/" + draft + "/steps/" + id }
		if _, body := op.get(step("applicant")); !strings.Contains(body, `value="`+aziz.PINFL+`"`) {
			t.Error("the form is not filled in with Aziz's data")
		}
		op.post(step("applicant"), step("applicant"), url.Values{"applicant_pinfl": {aziz.PINFL}, "applicant_last_name": {aziz.LastName},
			"applicant_first_name": {aziz.FirstName}, "relation": {"self"}, "phone": {"+998901000001"}, "action": {"next"}})
		finishDuplicateDraft(t, op, draft)
		resp, _ := op.post("/drafts/"+draft+"/check", "/drafts/"+draft+"/submit", url.Values{})
		loc := resp.Header.Get("Location")
		if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/account/applications/") {
			t.Fatalf("submit: %d %q", resp.StatusCode, loc)
		}
		appPath := strings.TrimSuffix(loc, "?submitted=1")
		list, err := n.app.Applications.List(ctx, userIDOf(t, n, aziz.PINFL), 10)
		if err != nil || len(list) != 1 || list[0].Channel != "psc" || list[0].OperatorID != userIDOf(t, n, identity.DemoPeople()[11].PINFL) {
			t.Fatalf("Aziz's applications: %+v, %v", list, err)
		}

		// Aziz sees it in his cabinet, sent through the centre.
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		if _, body := v.get(appPath); !strings.Contains(body, "A public service centre") {
			t.Error("Aziz's cabinet does not show the centre's application")
		}

		// While serving him the operator takes his fee; once the service
		// ends, the operator acts for nobody else.
		receipt := "/payments/" + list[0].InvoiceID + "/receipt"
		if resp, _ := op.get(receipt); resp.StatusCode != 200 {
			t.Errorf("the operator opens Aziz's invoice while serving him: %d", resp.StatusCode)
		}
		op.post("/psc", "/psc/end", url.Values{})
		for _, path := range []string{appPath, receipt} {
			if resp, _ := op.get(path); resp.StatusCode != 404 {
				t.Errorf("the operator reads %s after the service: %d", path, resp.StatusCode)
			}
		}
	})
}

// TestPSCIdentifiesBySignature has the operator ask Aziz to confirm with
// his e-signature instead of a code: he finds the request on his own
// device, and a signature by Malika's certificate is refused; his own
// lets the operator serve him, once.
func TestPSCIdentifiesBySignature(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	people := identity.DemoPeople()
	op := newVisitor(t, n.base)
	op.login("+998901000021", identity.DemoPassword, "/psc")
	if resp, body := op.post("/psc", "/psc/code", url.Values{"pinfl": {people[0].PINFL}, "by": {"signature"}}); resp.StatusCode != 200 ||
		!strings.Contains(body, "Waiting for Aziz Karimov to confirm") {
		t.Fatalf("ask to confirm: %d", resp.StatusCode)
	}
	if _, body := malika(t, n).get("/psc/confirm"); !strings.Contains(body, "No operator is asking to serve you") {
		t.Error("Malika sees Aziz's request")
	}
	aziz := newVisitor(t, n.base)
	aziz.login("+998901000001", identity.DemoPassword, "/profile")
	_, page := aziz.get("/psc/confirm")
	m := regexp.MustCompile(`action="(/psc/confirm/[^"]+)" id="certificate-login" data-sign-text="([^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Zarina Xolmatova") {
		t.Fatalf("Aziz's confirmation page:\n%s", page)
	}
	challenge := []byte(html.UnescapeString(m[2]))
	sign := func(key *ecdsa.PrivateKey, cert []byte) url.Values {
		h := sha256.Sum256(challenge)
		sig, _ := ecdsa.SignASN1(rand.Reader, key, h[:])
		return url.Values{"certificate": {base64.StdEncoding.EncodeToString(cert)}, "signature": {base64.StdEncoding.EncodeToString(sig)}}
	}
	malikaKey, malikaCert := personCertificate(t, n, people[1])
	if resp, _ := aziz.post("/psc/confirm", m[1], sign(malikaKey, malikaCert)); resp.StatusCode != 422 {
		t.Errorf("Malika's signature: %d", resp.StatusCode)
	}
	azizKey, azizCert := personCertificate(t, n, people[0])
	if resp, _ := aziz.post("/psc/confirm", m[1], sign(azizKey, azizCert)); resp.StatusCode != 303 {
		t.Fatalf("Aziz's signature: %d", resp.StatusCode)
	}
	if _, body := op.get("/psc"); !strings.Contains(body, "You are serving Aziz Karimov") {
		t.Error("the desk does not serve Aziz")
	}
	if resp, _ := aziz.post("/psc/confirm", m[1], sign(azizKey, azizCert)); resp.StatusCode != 404 {
		t.Errorf("confirming twice: %d", resp.StatusCode)
	}
}
