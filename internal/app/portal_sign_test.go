package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
)

// signWithPKI signs content as a holder of cert's key does in the
// browser: the platform's signing API prepares the signed attributes for
// the content's SHA-256, the key signs them, the API assembles the CAdES
// B-T signature.
func signWithPKI(t *testing.T, n *node, key *ecdsa.PrivateKey, cert, content []byte) string {
	t.Helper()
	digest := sha256.Sum256(content)
	var prep struct {
		ToBeSigned []byte `json:"to_be_signed"`
		State      []byte
	}
	body := fmt.Sprintf(`{"digest": %q, "certificate": %q}`, base64.StdEncoding.EncodeToString(digest[:]),
		base64.StdEncoding.EncodeToString(cert))
	if resp, err := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/prepare", body, &prep); err != nil || resp.StatusCode != 200 {
		t.Fatalf("prepare: %v %v", resp, err)
	}
	h := sha256.Sum256(prep.ToBeSigned)
	value, _ := ecdsa.SignASN1(rand.Reader, key, h[:])
	var out struct{ Signature []byte }
	body = fmt.Sprintf(`{"state": %q, "signature": %q}`, base64.StdEncoding.EncodeToString(prep.State), base64.StdEncoding.EncodeToString(value))
	if resp, err := callJSON(http.DefaultClient, "", "POST", n.base+"/api/v1/signatures/assemble", body, &out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("assemble: %v %v", resp, err)
	}
	return base64.StdEncoding.EncodeToString(out.Signature)
}

// personCertificate certifies a new key for the demo person p.
func personCertificate(t *testing.T, n *node, p identity.DemoPerson) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: p.FirstName + " " + p.LastName,
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: asn1.ObjectIdentifier{2, 5, 4, 5}, Value: p.PINFL}}}}, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := n.app.PKI.Issue(context.Background(), pki.IssueRequest{Profile: pki.ProfilePerson, CSR: csr, Actor: "test",
		Subject: pki.Subject{PINFL: p.PINFL, GivenName: p.FirstName, Surname: p.LastName}})
	if err != nil {
		t.Fatal(err)
	}
	return key, c.DER
}

// TestApplySigned has Aziz sign his application with his e-signature on
// "check your answers": a signature by Malika's key, or of other content,
// is refused with the reason next to the signing control and nothing is
// sent; his own makes the application, which the officer sees as signed.
func TestApplySigned(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		people := identity.DemoPeople()
		aziz := people[0]
		v := newVisitor(t, n.base)
		v.login("+998901000001", identity.DemoPassword, "/profile")
		draft := openDraft(t, v)
		v.post("/drafts/"+draft+"/steps/applicant", "/drafts/"+draft+"/steps/applicant", url.Values{"applicant_pinfl": {aziz.PINFL},
			"applicant_last_name": {aziz.LastName}, "applicant_first_name": {aziz.FirstName}, "relation": {"self"},
			"phone": {"+998901000001"}, "action": {"next"}})
		finishDuplicateDraft(t, v, draft)
		check := "/drafts/" + draft + "/check"
		_, page := v.get(check)
		m := regexp.MustCompile(`data-content="([^"]+)"`).FindStringSubmatch(page)
		if m == nil || !strings.Contains(page, "Sign with your e-signature (optional)") {
			t.Fatalf("check your answers offers no signing:\n%s", page)
		}
		content, err := base64.StdEncoding.DecodeString(html.UnescapeString(m[1]))
		if err != nil {
			t.Fatal(err)
		}
		azizKey, azizCert := personCertificate(t, n, aziz)
		malikaKey, malikaCert := personCertificate(t, n, people[1])
		for name, sig := range map[string]string{
			"Malika's key":  signWithPKI(t, n, malikaKey, malikaCert, content),
			"other content": signWithPKI(t, n, azizKey, azizCert, []byte(`{"service":"something else"}`)),
			"not base64":    "%%%",
		} {
			resp, body := v.post(check, "/drafts/"+draft+"/submit", url.Values{"signature": {sig}})
			if resp.StatusCode != 422 || !strings.Contains(body, `id="signature-error"`) {
				t.Errorf("%s: %d", name, resp.StatusCode)
			}
		}
		if list, _ := n.app.Applications.List(context.Background(), userIDOf(t, n, aziz.PINFL), 5); len(list) != 0 {
			t.Fatalf("a refused signature sent the application: %d", len(list))
		}
		resp, _ := v.post(check, "/drafts/"+draft+"/submit", url.Values{"signature": {signWithPKI(t, n, azizKey, azizCert, content)}})
		if resp.StatusCode != 303 {
			t.Fatalf("signed submission: %d", resp.StatusCode)
		}
		list, err := n.app.Applications.List(context.Background(), userIDOf(t, n, aziz.PINFL), 5)
		if err != nil || len(list) != 1 || !strings.Contains(list[0].SignedBy, "Karimov") {
			t.Fatalf("the signed application: %+v %v", list, err)
		}
		officer := newVisitor(t, n.base)
		officer.login("+998901000011", identity.DemoPassword, "/work")
		if _, body := officer.get("/office/applications/" + list[0].Number); !strings.Contains(html.UnescapeString(body),
			"Signed by the applicant") {
			t.Error("the officer's page does not show the signature")
		}

		// An app asks for the content of its answers, signs it and sends
		// the signature with them.
		in := demoSubmission(t, n.app, "")
		answers, _ := json.Marshal(in.Answers)
		body := fmt.Sprintf(`{"service": "birth-certificate-duplicate", "form_version": %d, "idempotency_key": "api-signed", "answers": %s}`,
			in.FormVersion, answers)
		var got struct{ Content []byte }
		if resp := v.sendJSON("/profile", "POST", "/api/v1/applications/content", body, &got); resp.StatusCode != 200 || len(got.Content) == 0 {
			t.Fatalf("content: %d", resp.StatusCode)
		}
		signed := strings.TrimSuffix(body, "}") + fmt.Sprintf(`, "signature": %q}`, signWithPKI(t, n, azizKey, azizCert, got.Content))
		var app struct {
			SignedBy string `json:"signed_by"`
		}
		if resp := v.sendJSON("/profile", "POST", "/api/v1/applications", signed, &app); resp.StatusCode != 201 ||
			!strings.Contains(app.SignedBy, "Karimov") {
			t.Errorf("a signed submission over the API: %d %+v", resp.StatusCode, app)
		}
	})
}
