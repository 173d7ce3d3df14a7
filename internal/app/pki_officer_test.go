package app_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/audit"
	"golang.org/x/crypto/ocsp"
)

// TestOfficerCertificateApproval is an officer certificate from request to
// revocation: Nodira Saidova, an officer of the Ministry of Justice, asks
// for one; Kamola Hasanova, the ministry's administrator, sees the request
// and approves it, while the administrator of another agency can neither
// see nor decide it; Nodira's certificate names her ministry; the platform
// administrator revokes it and the OCSP responder says so.
func TestOfficerCertificateApproval(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		ctx := context.Background()
		if err := n.app.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		userOf := func(phone string) (id, pinfl string) {
			t.Helper()
			if err := n.app.DB.Reader().QueryRow(`SELECT id, pinfl FROM identity_users WHERE phone = $1`, phone).Scan(&id, &pinfl); err != nil {
				t.Fatal(err)
			}
			return id, pinfl
		}
		nodiraID, nodiraPINFL := userOf("+998901000011")
		kamolaID, _ := userOf("+998901000017")
		request := func() string {
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "Saidova Nodira",
				SerialNumber: nodiraPINFL}}, key)
			if err != nil {
				t.Fatal(err)
			}
			return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
		}
		login := func(phone string) *visitor {
			v := newVisitor(t, n.base)
			if resp := v.login(phone, identity.DemoPassword, "/profile"); resp.StatusCode != 303 {
				t.Fatalf("sign-in of %s: %d", phone, resp.StatusCode)
			}
			return v
		}

		// Nodira's page offers officer certificates of her ministry, once
		// she has signed in with a second step.
		nodira := newVisitor(t, n.base)
		nodira.loginTwoStep("+998901000011")
		_, page := nodira.get("/profile/certificates")
		m := regexp.MustCompile(`<select id="officer-agency" name="agency"><option value="([^"]+)">([^<]+)</option></select>`).FindStringSubmatch(page)
		if m == nil {
			t.Fatalf("no officer certificate on Nodira's page:\n%s", page)
		}
		adliya, adliyaName := m[1], m[2]
		if adliyaName != "Adliya vazirligi" {
			t.Errorf("agency named %q", adliyaName)
		}
		// A citizen is offered none and cannot ask for one.
		aziz := newVisitor(t, n.base)
		aziz.loginTwoStep("+998901000001")
		if _, page := aziz.get("/profile/certificates"); strings.Contains(page, "officer-agency") {
			t.Error("a citizen is offered an officer certificate")
		}
		if resp, _ := aziz.post("/profile/certificates", "/profile/certificates/officer", url.Values{"agency": {adliya}, "csr": {request()}}); resp.StatusCode != 422 {
			t.Errorf("a citizen asks for an officer certificate: %d", resp.StatusCode)
		}

		// Nodira asks twice; the requests wait.
		submit := func() string {
			t.Helper()
			resp, _ := nodira.post("/profile/certificates", "/profile/certificates/officer", url.Values{"agency": {adliya}, "csr": {request()}})
			id, ok := strings.CutPrefix(resp.Header.Get("Location"), "/profile/certificates?requested=")
			if resp.StatusCode != 303 || !ok {
				t.Fatalf("officer request: %d %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			return id
		}
		approved, rejected := submit(), submit()
		type requestJSON struct {
			State, Serial, Reason string
			Chain                 [][]byte
		}
		state := func(v *visitor, id string) (int, requestJSON) {
			t.Helper()
			resp, body := v.get("/profile/certificates/requests/" + id)
			var out requestJSON
			if resp.StatusCode == 200 {
				if err := json.Unmarshal([]byte(body), &out); err != nil {
					t.Fatal(err)
				}
			}
			return resp.StatusCode, out
		}
		if code, r := state(nodira, approved); code != 200 || r.State != "pending" {
			t.Errorf("the request's state: %d %+v", code, r)
		}
		if code, _ := state(aziz, approved); code != 404 {
			t.Errorf("another person's request: %d", code)
		}
		if resp, _ := nodira.post("/profile/certificates", "/profile/certificates/officer", url.Values{"agency": {adliya}, "csr": {""}}); resp.StatusCode != 422 {
			t.Errorf("a request without a CSR: %d", resp.StatusCode)
		}

		// Officers do not administer; the administrator of the tax
		// committee sees nothing of the ministry's and decides nothing.
		if resp, _ := nodira.get("/admin/certificates"); resp.StatusCode != 403 {
			t.Errorf("an officer opens the administrators' page: %d", resp.StatusCode)
		}
		sherzodID, _ := userOf("+998901000031")
		gulnoraID, _ := userOf("+998901000013")
		agencies, err := n.app.Registry.Agencies(ctx)
		if err != nil {
			t.Fatal(err)
		}
		soliq := ""
		for _, a := range agencies {
			if a.Code == "soliq" {
				soliq = a.ID
			}
		}
		platformAdmin := &identity.Principal{User: &identity.User{ID: sherzodID}, Grants: []identity.Grant{{Role: identity.RolePlatformAdmin}}}
		if err := n.app.Accounts.GrantRole(ctx, platformAdmin, gulnoraID, identity.Grant{Role: identity.RoleAgencyAdmin, AgencyID: soliq}); err != nil {
			t.Fatal(err)
		}
		gulnora := login("+998901000013")
		if resp, page := gulnora.get("/admin/certificates"); resp.StatusCode != 200 || strings.Contains(page, approved) || strings.Contains(page, "Saidova") {
			t.Errorf("another agency's administrator sees the request: %d", resp.StatusCode)
		}
		if resp, _ := gulnora.post("/admin/certificates", "/admin/certificates/requests/"+approved+"/approve", url.Values{}); resp.StatusCode != 404 {
			t.Errorf("another agency's administrator approves: %d", resp.StatusCode)
		}
		if resp, _ := gulnora.post("/admin/certificates", "/admin/certificates/requests/"+rejected+"/reject", url.Values{"reason": {"no"}}); resp.StatusCode != 404 {
			t.Errorf("another agency's administrator rejects: %d", resp.StatusCode)
		}

		// Kamola sees both, rejects one for a reason and approves the
		// other.
		kamola := login("+998901000017")
		if resp, page := kamola.get("/admin/certificates"); resp.StatusCode != 200 || !strings.Contains(page, "/admin/certificates/requests/"+approved+"/approve") ||
			!strings.Contains(page, "/admin/certificates/requests/"+rejected+"/reject") || !strings.Contains(page, "Saidova Nodira") {
			t.Fatalf("the ministry's administrator does not see the requests: %d\n%s", resp.StatusCode, page)
		}
		if resp, page := kamola.post("/admin/certificates", "/admin/certificates/requests/"+rejected+"/reject", url.Values{"reason": {" "}}); resp.StatusCode != 422 ||
			!strings.Contains(page, `href="#reason-`+rejected+`"`) {
			t.Errorf("a rejection without a reason: %d", resp.StatusCode)
		}
		if resp, _ := kamola.post("/admin/certificates", "/admin/certificates/requests/"+rejected+"/reject", url.Values{"reason": {"Buyruq nusxasi yoʻq"}}); resp.StatusCode != 303 {
			t.Fatalf("reject: %d", resp.StatusCode)
		}
		resp, _ := kamola.post("/admin/certificates", "/admin/certificates/requests/"+approved+"/approve", url.Values{})
		serial := regexp.MustCompile(`serial=([0-9a-f]+)`).FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != 303 || serial == nil {
			t.Fatalf("approve: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := kamola.post("/admin/certificates", "/admin/certificates/requests/"+approved+"/approve", url.Values{}); resp.StatusCode != 409 {
			t.Errorf("approving twice: %d", resp.StatusCode)
		}

		// Nodira's browser takes the certificate, which names her
		// ministry; her page tells why the other request was refused.
		code, r := state(nodira, approved)
		if code != 200 || r.State != "approved" || r.Serial != serial[1] || len(r.Chain) != 3 {
			t.Fatalf("the approved request: %d %+v", code, r)
		}
		cert, err := x509.ParseCertificate(r.Chain[0])
		if err != nil {
			t.Fatal(err)
		}
		if cert.Subject.SerialNumber != nodiraPINFL || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != adliyaName {
			t.Errorf("the certificate's subject: %s", cert.Subject)
		}
		c, err := n.app.PKI.FindCertificate(ctx, r.Serial)
		if err != nil {
			t.Fatal(err)
		}
		if c.Profile != pki.ProfileOfficer || c.Owner != nodiraID || c.IssuedBy != kamolaID {
			t.Errorf("the certificate: %s %s %s", c.Profile, c.Owner, c.IssuedBy)
		}
		if _, page := nodira.get("/profile/certificates"); !strings.Contains(page, "Buyruq nusxasi yoʻq") || !strings.Contains(page, r.Serial) {
			t.Error("Nodira's page does not show the decisions")
		}
		if code, r := state(nodira, rejected); code != 200 || r.State != "rejected" || r.Reason != "Buyruq nusxasi yoʻq" {
			t.Errorf("the rejected request: %d %+v", code, r)
		}

		// Kamola finds it by PINFL; the tax committee's administrator
		// neither finds it nor revokes it.
		if _, page := kamola.get("/admin/certificates?q=" + nodiraPINFL); !strings.Contains(page, "/admin/certificates/"+r.Serial+"/revoke") {
			t.Error("the ministry's administrator does not find the certificate")
		}
		if _, page := gulnora.get("/admin/certificates?q=" + nodiraPINFL); strings.Contains(page, r.Serial) {
			t.Error("another agency's administrator finds the certificate")
		}
		if resp, _ := gulnora.post("/admin/certificates", "/admin/certificates/"+r.Serial+"/revoke", url.Values{"reason": {"privilege_withdrawn"}}); resp.StatusCode != 404 {
			t.Errorf("another agency's administrator revokes: %d", resp.StatusCode)
		}
		if resp, page := kamola.get("/admin/certificates?q=nonsense"); resp.StatusCode != 422 || !strings.Contains(page, `href="#q"`) {
			t.Errorf("a search for nonsense: %d", resp.StatusCode)
		}

		// The platform administrator revokes it: OCSP and the store say so.
		sherzod := login("+998901000031")
		if resp, _ := sherzod.post("/admin/certificates?q="+r.Serial, "/admin/certificates/"+r.Serial+"/revoke", url.Values{"reason": {"privilege_withdrawn"}}); resp.StatusCode != 303 {
			t.Fatalf("revoke: %d", resp.StatusCode)
		}
		if c, err = n.app.PKI.FindCertificate(ctx, r.Serial); err != nil || c.RevokedAt == nil || c.Reason != pki.ReasonPrivilegeWithdrawn {
			t.Errorf("after revocation: %+v %v", c, err)
		}
		issuer, err := x509.ParseCertificate(r.Chain[1])
		if err != nil {
			t.Fatal(err)
		}
		q, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: crypto.SHA256})
		if err != nil {
			t.Fatal(err)
		}
		status, body := postBytes(t, n.base+"/pki/ocsp", "application/ocsp-request", q)
		if status != http.StatusOK {
			t.Fatalf("OCSP: %d", status)
		}
		answer, err := ocsp.ParseResponse(body, issuer)
		if err != nil || answer.Status != ocsp.Revoked || answer.RevocationReason != ocsp.PrivilegeWithdrawn {
			t.Errorf("OCSP: %+v %v", answer, err)
		}

		// The decisions and the revocation are in the audit log, by whom
		// made them.
		for _, c := range []struct{ objectType, id, action, actor string }{
			{"certificate_request", approved, "pki.request.approved", kamolaID},
			{"certificate_request", rejected, "pki.request.rejected", kamolaID},
			{"certificate", r.Serial, "pki.certificate.issued", kamolaID},
			{"certificate", r.Serial, "pki.certificate.revoked", sherzodID},
		} {
			entries, _, err := n.app.Audit.List(ctx, audit.Filter{ObjectType: &c.objectType, ObjectID: &c.id})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, e := range entries {
				found = found || (e.Action == c.action && e.Actor == c.actor)
			}
			if !found {
				t.Errorf("no audit entry %s by %s", c.action, c.actor)
			}
		}
	})
}
