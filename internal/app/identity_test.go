package app_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/pinfl"
	"github.com/egovuz/egov/internal/identity/totp"
)

// visitor is a browser-like HTTP client with its own cookies that does not
// follow redirects, so tests see where they point.
type visitor struct {
	t    testing.TB
	base string
	c    *http.Client
}

func newVisitor(t testing.TB, base string) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

func (v *visitor) get(path string) (*http.Response, string) {
	return fetch(v.t, v.c, "GET", v.base+path, nil, "Accept-Language", "en")
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// post submits a form the way the page at from would, with its CSRF token.
func (v *visitor) post(from, path string, form url.Values) (*http.Response, string) {
	v.t.Helper()
	_, page := v.get(from)
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		v.t.Fatalf("no CSRF token on %s", from)
	}
	form.Set("csrf_token", m[1])
	return fetch(v.t, v.c, "POST", v.base+path, form, "Accept-Language", "en")
}

func (v *visitor) login(identifier, password, next string) *http.Response {
	resp, _ := v.post("/login", "/login", url.Values{"identifier": {identifier}, "password": {password}, "next": {next}})
	return resp
}

func (v *visitor) cookie(name string) string {
	u, _ := url.Parse(v.base)
	for _, c := range v.c.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

func TestSignInFlow(t *testing.T) {
	eachDatabase(t, func(t *testing.T, databaseURL string) {
		n := startNode(t, testConfig(t, databaseURL))
		if err := n.app.LoadDemo(context.Background()); err != nil {
			t.Fatal(err)
		}
		v := newVisitor(t, n.base)

		// A protected page sends an anonymous visitor to sign in and back.
		resp, _ := v.get("/profile/sessions")
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fprofile%2Fsessions" {
			t.Fatalf("anonymous /profile/sessions: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		// Session fixation: a session ID planted before sign-in is not used.
		u, _ := url.Parse(n.base)
		v.c.Jar.SetCookies(u, []*http.Cookie{{Name: "egov_session", Value: "planted-by-attacker", Path: "/"}})

		resp, body := v.post("/login", "/login", url.Values{"identifier": {"+998901000001"}, "password": {"wrong-password"}, "next": {"/profile"}})
		if resp.StatusCode != 401 || !strings.Contains(body, "The PINFL, phone number or password is not right.") {
			t.Errorf("wrong password: %d", resp.StatusCode)
		}
		_, unknownBody := v.post("/login", "/login", url.Values{"identifier": {"+998909999999"}, "password": {"wrong-password"}})
		if !strings.Contains(unknownBody, "The PINFL, phone number or password is not right.") {
			t.Errorf("unknown person gets a different message")
		}
		if !strings.Contains(body, `value="&#43;998901000001"`) {
			t.Errorf("identifier not kept in the form after a failure")
		}

		resp = v.login("+998901000001", identity.DemoPassword, "/profile/sessions")
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile/sessions" {
			t.Fatalf("sign in: %d %q", resp.StatusCode, resp.Header.Get("Location"))
		}
		token := v.cookie("egov_session")
		if token == "" || token == "planted-by-attacker" {
			t.Fatalf("session cookie after sign-in: %q", token)
		}
		resp, body = v.get("/profile")
		if resp.StatusCode != 200 || !strings.Contains(body, "Aziz Karimov") || !strings.Contains(body, "17 May 1990") {
			t.Errorf("profile: %d", resp.StatusCode)
		}
		if !strings.Contains(body, `class="account-link"`) || strings.Contains(body, `class="login-link"`) {
			t.Errorf("header does not show the signed-in person")
		}

		// A second browser of the same person; the first signs it out.
		other := newVisitor(t, n.base)
		other.login("+998901000001", identity.DemoPassword, "/profile")
		_, sessions := v.get("/profile/sessions")
		if c := strings.Count(sessions, "/end\""); c != 2 {
			t.Errorf("sessions page lists %d sessions, want 2", c)
		}
		if resp, _ := v.post("/profile/sessions", "/profile/sessions/end-others", url.Values{}); resp.StatusCode != 303 {
			t.Errorf("end others: %d", resp.StatusCode)
		}
		if resp, _ := other.get("/profile"); resp.StatusCode != 303 {
			t.Errorf("signed-out browser still sees the profile: %d", resp.StatusCode)
		}

		// Another citizen cannot end this session.
		malika := newVisitor(t, n.base)
		malika.login("+998901000002", identity.DemoPassword, "/profile")
		short := regexp.MustCompile(`/profile/sessions/([0-9a-f]{12})/end`).FindStringSubmatch(sessions)
		if short == nil {
			t.Fatal("no session on the page")
		}
		if resp, _ := malika.post("/profile", "/profile/sessions/"+short[1]+"/end", url.Values{}); resp.StatusCode != 404 {
			t.Errorf("another citizen ended a session: %d", resp.StatusCode)
		}
		if resp, _ := v.get("/profile"); resp.StatusCode != 200 {
			t.Errorf("session harmed by another citizen: %d", resp.StatusCode)
		}

		// Signing out ends the session on the server, not only the cookie.
		if resp, _ := v.post("/profile", "/logout", url.Values{}); resp.StatusCode != 303 {
			t.Errorf("logout: %d", resp.StatusCode)
		}
		replay := newVisitor(t, n.base)
		replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "egov_session", Value: token, Path: "/"}})
		if resp, _ := replay.get("/profile"); resp.StatusCode != 303 {
			t.Errorf("old session token still works after logout: %d", resp.StatusCode)
		}
	})
}

func TestSignInRefusesOpenRedirectAndForgedForms(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, next := range []string{"https://evil.example/", "//evil.example", "/\\evil.example"} {
		resp := newVisitor(t, n.base).login("+998901000001", identity.DemoPassword, next)
		if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile" {
			t.Errorf("next=%q: redirected to %q", next, resp.Header.Get("Location"))
		}
	}
	// A sign-in form posted from another site carries no valid token.
	forged := newVisitor(t, n.base)
	resp, _ := fetch(t, forged.c, "POST", n.base+"/login", url.Values{"identifier": {"+998901000001"}, "password": {identity.DemoPassword}})
	if resp.StatusCode != 403 || forged.cookie("egov_session") != "" {
		t.Errorf("forged sign-in form: %d", resp.StatusCode)
	}
}

func TestRegisterThroughTheSite(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	v := newVisitor(t, n.base)
	form := url.Values{"pinfl": {"123"}, "first_name": {"Lola"}, "last_name": {""}, "phone": {"90 555 44 33"},
		"password": {"short"}, "confirm": {"short"}}
	resp, body := v.post("/register", "/register", form)
	if resp.StatusCode != 422 {
		t.Fatalf("bad registration: %d", resp.StatusCode)
	}
	for _, msg := range []string{"A PINFL has 14 digits.", "Fill in this field.", "Use at least 10 characters."} {
		if !strings.Contains(body, msg) {
			t.Errorf("registration page lacks %q", msg)
		}
	}
	if !strings.Contains(body, `value="Lola"`) || strings.Contains(body, `value="short"`) {
		t.Errorf("form should keep what was typed but never the password")
	}
	lola := pinfl.GeneratePINFL(time.Date(2001, 1, 5, 0, 0, 0, 0, time.UTC), pinfl.Female, 26, 34).String()
	form = url.Values{"pinfl": {lola}, "first_name": {"Lola"}, "last_name": {"Qosimova"}, "phone": {"90 555 44 33"},
		"password": {"Bahor-keldi-2026"}, "confirm": {"Bahor-keldi-2026"}}
	resp, body = v.post("/register", "/register", form)
	if resp.StatusCode == 422 {
		t.Fatalf("valid registration refused: %s", regexp.MustCompile(`(?s)<div class="error-summary".*?</div>`).FindString(body))
	}
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile" {
		t.Fatalf("registration: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := v.get("/profile"); !strings.Contains(body, "Lola Qosimova") {
		t.Errorf("new citizen not signed in")
	}
}

func TestTwoStepSignIn(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := newVisitor(t, n.base)
	v.login("+998901000002", identity.DemoPassword, "/profile")
	_, page := v.get("/profile/2fa")
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no secret on the setup page")
	}
	secret, err := totp.DecodeSecret(m[1])
	if err != nil {
		t.Fatal(err)
	}
	resp, page := v.post("/profile/2fa", "/profile/2fa/confirm", url.Values{"code": {totp.Code(secret, time.Now())}})
	if resp.StatusCode != 200 || strings.Count(page, "<li><code>") != 10 {
		t.Fatalf("enable: %d, recovery codes shown: %d", resp.StatusCode, strings.Count(page, "<li><code>"))
	}
	recovery := regexp.MustCompile(`<li><code>([^<]+)</code>`).FindStringSubmatch(page)[1]

	// Signing in now takes the password and then a code.
	other := newVisitor(t, n.base)
	resp = other.login("+998901000002", identity.DemoPassword, "/profile/sessions")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login/code" || other.cookie("egov_session") != "" {
		t.Fatalf("password alone: %d %q session=%q", resp.StatusCode, resp.Header.Get("Location"), other.cookie("egov_session"))
	}
	resp, _ = other.post("/login/code", "/login/code", url.Values{"code": {"000000"}})
	if resp.StatusCode != 401 || other.cookie("egov_session") != "" {
		t.Errorf("wrong code: %d", resp.StatusCode)
	}
	// The next step's code (the current one was used to switch it on).
	resp, _ = other.post("/login/code", "/login/code", url.Values{"code": {totp.Code(secret, time.Now().Add(30*time.Second))}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/profile/sessions" || other.cookie("egov_session") == "" {
		t.Fatalf("right code: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A recovery code also works, once.
	third := newVisitor(t, n.base)
	third.login("+998901000002", identity.DemoPassword, "/profile")
	if resp, _ := third.post("/login/code", "/login/code", url.Values{"code": {recovery}}); resp.StatusCode != 303 {
		t.Errorf("recovery code: %d", resp.StatusCode)
	}
	// Without a pending sign-in there is nothing to answer.
	if resp, _ := newVisitor(t, n.base).get("/login/code"); resp.StatusCode != 303 {
		t.Errorf("code page without a pending sign-in: %d", resp.StatusCode)
	}
}

func TestPasswordResetByText(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	signedIn := newVisitor(t, n.base)
	signedIn.login("+998901000003", identity.DemoPassword, "/profile")

	v := newVisitor(t, n.base)
	resp, _ := v.post("/password/forgot", "/password/forgot", url.Values{"identifier": {"90 100 00 03"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/password/reset?notice=sent" {
		t.Fatalf("forgot: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// An unknown number gets exactly the same answer.
	resp, _ = newVisitor(t, n.base).post("/password/forgot", "/password/forgot", url.Values{"identifier": {"+998909999999"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/password/reset?notice=sent" {
		t.Errorf("unknown number: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The demo page shows the text that would have gone to the phone.
	var code string
	waitFor(t, "the SMS to be queued", 10*time.Second, func() bool {
		_, page := v.get("/demo/messages")
		m := regexp.MustCompile(`998901000003</td><td class="message-body">[^<]*?(\d{6})`).FindStringSubmatch(page)
		if m != nil {
			code = m[1]
		}
		return m != nil
	})
	if strings.Contains(func() string { _, p := v.get("/demo/messages"); return p }(), "998909999999") {
		t.Errorf("a code was sent for an unknown number")
	}
	bad := url.Values{"identifier": {"+998901000003"}, "code": {"000000"}, "password": {"Yangi-parol-2027"}, "confirm": {"Yangi-parol-2027"}}
	if code == "000000" {
		bad.Set("code", "111111")
	}
	if resp, body := v.post("/password/reset", "/password/reset", bad); resp.StatusCode != 422 || !strings.Contains(body, "The code is wrong or has expired") {
		t.Errorf("wrong code: %d", resp.StatusCode)
	}
	good := url.Values{"identifier": {"+998901000003"}, "code": {code}, "password": {"Yangi-parol-2027"}, "confirm": {"Yangi-parol-2027"}}
	resp, _ = v.post("/password/reset", "/password/reset", good)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?notice=reset" {
		t.Fatalf("reset: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The code is used up, the old sessions are over, the new password works.
	if resp, _ := v.post("/password/reset", "/password/reset", good); resp.StatusCode != 422 {
		t.Errorf("code used twice: %d", resp.StatusCode)
	}
	if resp, _ := signedIn.get("/profile"); resp.StatusCode != 303 {
		t.Errorf("session survived the reset: %d", resp.StatusCode)
	}
	if resp := newVisitor(t, n.base).login("+998901000003", identity.DemoPassword, "/profile"); resp.StatusCode != 401 {
		t.Errorf("old password still works: %d", resp.StatusCode)
	}
	if resp := newVisitor(t, n.base).login("+998901000003", "Yangi-parol-2027", "/profile"); resp.StatusCode != 303 {
		t.Errorf("new password refused: %d", resp.StatusCode)
	}
}

func TestActingForAnOrganisation(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	bobur := newVisitor(t, n.base)
	bobur.login("+998901000004", identity.DemoPassword, "/profile")
	_, page := bobur.get("/profile")
	m := regexp.MustCompile(`<option value="([0-9a-f-]{36})">Toshkent Non</option>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no acting-as switch in the header of a director")
	}
	before := bobur.cookie("egov_session")
	resp, _ := bobur.post("/profile", "/profile/acting-as", url.Values{"org": {m[1]}, "next": {"/profile"}})
	if resp.StatusCode != 303 {
		t.Fatalf("switch: %d", resp.StatusCode)
	}
	after := bobur.cookie("egov_session")
	if after == "" || after == before {
		t.Errorf("session not rotated on switching whom one acts for")
	}
	if _, page := bobur.get("/profile"); !strings.Contains(page, "Bobur Toshmatov · Toshkent Non") {
		t.Errorf("header does not say Bobur acts for Toshkent Non")
	}
	old := newVisitor(t, n.base)
	u, _ := url.Parse(n.base)
	old.c.Jar.SetCookies(u, []*http.Cookie{{Name: "egov_session", Value: before, Path: "/"}})
	if resp, _ := old.get("/profile"); resp.StatusCode != 303 {
		t.Errorf("the pre-switch session still works: %d", resp.StatusCode)
	}
	// Someone who does not represent the organisation cannot act for it.
	aziz := newVisitor(t, n.base)
	aziz.login("+998901000001", identity.DemoPassword, "/profile")
	if _, page := aziz.get("/profile"); strings.Contains(page, `class="acting-as"`) {
		t.Errorf("a citizen without organisations is offered the switch")
	}
	if resp, _ := aziz.post("/profile", "/profile/acting-as", url.Values{"org": {m[1]}}); resp.StatusCode != 403 {
		t.Errorf("a stranger acts for the organisation: %d", resp.StatusCode)
	}
}

func TestAdministratorGivesARole(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	officer := newVisitor(t, n.base)
	officer.login("+998901000011", identity.DemoPassword, "/profile")
	if resp, _ := officer.get("/admin/users"); resp.StatusCode != 403 {
		t.Errorf("an officer opens the people admin: %d", resp.StatusCode)
	}
	// A citizen cannot read another citizen's account by its ID.
	malikaID := ""
	if err := n.app.DB.Reader().QueryRow(`SELECT id FROM identity_users WHERE phone = '+998901000002'`).Scan(&malikaID); err != nil {
		t.Fatal(err)
	}
	aziz := newVisitor(t, n.base)
	aziz.login("+998901000001", identity.DemoPassword, "/profile")
	if resp, body := aziz.get("/admin/users/" + malikaID); resp.StatusCode != 403 || strings.Contains(body, "Yusupova") {
		t.Errorf("a citizen reads another citizen's account: %d", resp.StatusCode)
	}
	admin := newVisitor(t, n.base)
	admin.login("+998901000031", identity.DemoPassword, "/profile")
	_, list := admin.get("/admin/users?q=Yusupova")
	m := regexp.MustCompile(`href="/admin/users/([0-9a-f-]{36})">Yusupova Malika`).FindStringSubmatch(list)
	if m == nil {
		t.Fatal("search did not find Malika Yusupova")
	}
	_, page := admin.get("/admin/users/" + m[1])
	agency := regexp.MustCompile(`<option value="([0-9a-f-]{36})">Ministry of Justice</option>`).FindStringSubmatch(page)
	if agency == nil {
		t.Fatal("no agency to choose")
	}
	resp, _ := admin.post("/admin/users/"+m[1], "/admin/users/"+m[1]+"/roles", url.Values{"action": {"grant"}, "role": {"officer"}, "agency": {agency[1]}})
	if resp.StatusCode != 303 {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
	malika := newVisitor(t, n.base)
	malika.login("+998901000002", identity.DemoPassword, "/profile")
	if _, profile := malika.get("/profile"); !strings.Contains(profile, "Officer — Ministry of Justice") {
		t.Errorf("Malika's profile does not show the new role")
	}
}

func TestPowerOfAttorney(t *testing.T) {
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	var orgID, dilshodPINFL string
	n.app.DB.Reader().QueryRow(`SELECT id FROM identity_orgs WHERE stir = '305123456'`).Scan(&orgID)
	n.app.DB.Reader().QueryRow(`SELECT pinfl FROM identity_users WHERE phone = '+998901000003'`).Scan(&dilshodPINFL)
	orgPage := "/profile/organisations/" + orgID

	bobur := newVisitor(t, n.base)
	bobur.login("+998901000004", identity.DemoPassword, "/profile")
	resp, page := bobur.get(orgPage)
	if resp.StatusCode != 200 || !strings.Contains(page, "Malika Yusupova") {
		t.Fatalf("director's organisation page: %d", resp.StatusCode)
	}
	// Bad input is refused and changes nothing.
	resp, page = bobur.post(orgPage, orgPage+"/attorneys", url.Values{"pinfl": {"00000000000000"}, "scope": {""}, "expires": {"2020-01-01"}})
	if resp.StatusCode != 422 || !strings.Contains(page, "No registered person has this PINFL.") || !strings.Contains(page, "Enter a date after today") {
		t.Errorf("bad power of attorney: %d", resp.StatusCode)
	}
	expires := time.Now().AddDate(0, 6, 0).Format(time.DateOnly)
	resp, _ = bobur.post(orgPage, orgPage+"/attorneys", url.Values{"pinfl": {dilshodPINFL}, "scope": {"Bank bilan ishlash"}, "expires": {expires}})
	if resp.StatusCode != 303 {
		t.Fatalf("grant: %d", resp.StatusCode)
	}
	dilshod := newVisitor(t, n.base)
	dilshod.login("+998901000003", identity.DemoPassword, "/profile")
	if _, page := dilshod.get("/profile"); !strings.Contains(page, ">Toshkent Non</option>") {
		t.Errorf("the new attorney cannot switch to the organisation")
	}
	// Only the director manages representatives.
	if resp, _ := dilshod.get(orgPage); resp.StatusCode != 403 {
		t.Errorf("an attorney opens the director's page: %d", resp.StatusCode)
	}
	aziz := newVisitor(t, n.base)
	aziz.login("+998901000001", identity.DemoPassword, "/profile")
	if resp, _ := aziz.get(orgPage); resp.StatusCode != 403 {
		t.Errorf("a stranger opens the organisation page: %d", resp.StatusCode)
	}
	var dilshodID string
	n.app.DB.Reader().QueryRow(`SELECT id FROM identity_users WHERE phone = '+998901000003'`).Scan(&dilshodID)
	if resp, _ := bobur.post(orgPage, orgPage+"/attorneys/revoke", url.Values{"user": {dilshodID}}); resp.StatusCode != 303 {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if _, page := dilshod.get("/profile"); strings.Contains(page, ">Toshkent Non</option>") {
		t.Errorf("a revoked attorney can still act for the organisation")
	}
}
