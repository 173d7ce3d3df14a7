package app_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/egovuz/egov/internal/identity"
)

// TestBrowserCitizenApplies is the whole path of an online application in
// a real browser, clicked through as a person would: Aziz gets a signing
// key in his browser, finds the duplicate birth certificate in the
// catalogue, applies with the form filled in from the identity register
// and the civil registry, signs and sends it and pays the fee at the demo
// bank; Nodira, the Ministry of Justice's
// officer, finds it in her inbox, takes it and approves it; Aziz is told,
// finds the result ready, downloads the PDF, checks it on the
// verification page and rates the service.
func TestBrowserCitizenApplies(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	aziz := identity.DemoPeople()[0]
	w := &walker{t: t, ctx: ctx, base: n.base}

	// Aziz signs in with a code, as getting a signing key needs, and
	// makes his key in this browser.
	signInTwoStep(t, ctx, n.base, "+998901000001", "/profile/certificates")
	enrolKey(t, ctx)
	w.open("/services", "form.search #q")
	w.findAndStart("duplicate birth certificate")
	number := w.applyForAziz(aziz, "From the national identity register", true)
	var signedBy string
	if err := n.app.DB.Reader().QueryRowContext(context.Background(), `SELECT signed_by FROM portal_applications WHERE number = $1`,
		number).Scan(&signedBy); err != nil || !strings.Contains(signedBy, "Karimov") {
		t.Errorf("the application is not signed by Aziz: %q %v", signedBy, err)
	}

	w.payFee()
	w.approveAsNodira(number)
	w.resultAndRating(n, number)
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// TestBrowserPSCOperatorApplies is the same application made at a public
// service centre: Zarina identifies Aziz by his PINFL and the code texted
// to him, finds the service, applies for him with his own data and takes
// the fee at the counter; Nodira approves; Aziz then finds the
// application in his cabinet, sent through the centre, downloads and
// checks the signed result and rates the service.
func TestBrowserPSCOperatorApplies(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	aziz := identity.DemoPeople()[0]
	w := &walker{t: t, ctx: ctx, base: n.base}

	w.signIn("+998901000021")
	w.open("/psc", "#pinfl")
	w.do("type the PINFL", chromedp.SendKeys(chromedp.CSS("#pinfl"), aziz.PINFL))
	w.click(`form[action="/psc/code"] button[type="submit"]`, "#code")
	if sent := w.text("main .notice"); sent != "A code has been sent to Aziz Karimov's phone." {
		t.Errorf("after sending the code: %q", sent)
	}
	// Aziz reads the code on his phone: the demo SMS outbox.
	var code string
	sms := regexp.MustCompile(`998901000001</td><td class="message-body">[^<]*?(\d{6})`)
	waitFor(t, "the SMS to be queued", 10*time.Second, func() bool {
		_, page := newVisitor(t, n.base).get("/demo/messages")
		if m := sms.FindStringSubmatch(page); m != nil {
			code = m[1]
		}
		return code != ""
	})
	w.do("type the code", chromedp.SendKeys(chromedp.CSS("#code"), code))
	w.click(`form[action="/psc/identify"] button[type="submit"]`, `main a[href="/services"]`)
	if serving := w.text("main .notice h2"); serving != "You are serving Aziz Karimov" {
		t.Fatalf("the desk says %q:\n%s", serving, w.mainText())
	}
	if w.text(`main a[href="/services"]`) != "Find a service and apply" {
		t.Errorf("the desk's link: %q", w.text(`main a[href="/services"]`))
	}
	w.click(`main a[href="/services"]`, "form.search #q")
	w.findAndStart("takroriy")
	number := w.applyForAziz(aziz, "From the national identity register", false)
	if channel := w.definition("Sent through"); channel != "A public service centre" {
		t.Errorf("the operator's application page: sent through %q", channel)
	}
	// Aziz pays at the counter; the officer decides.
	w.payFee()
	w.approveAsNodira(number)
	w.signOut()

	w.signIn("+998901000001")
	w.open("/account/applications", "main h1")
	mine := `main table a[href^="/account/applications/"]`
	if got := w.text(mine); got != number {
		t.Fatalf("My applications lists %q, want %s:\n%s", got, number, w.mainText())
	}
	w.click(mine, "main .status")
	if channel := w.definition("Sent through"); channel != "A public service centre" {
		t.Errorf("Aziz's application page: sent through %q:\n%s", channel, w.mainText())
	}
	w.resultAndRating(n, number)
	if got := w.definition("Application number"); got != number {
		t.Errorf("Aziz's application page: number %q, want %s", got, number)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// walker drives one browser tab through the portal in English, failing the
// test with the page it was on when a step does not work.
type walker struct {
	t    *testing.T
	ctx  context.Context
	base string
}

// stepTimeout bounds each browser step, so a missing element fails the
// step with its page rather than the whole test at the browser's deadline.
const stepTimeout = 15 * time.Second

// do runs browser steps, failing the test with the page on error.
func (w *walker) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		w.t.Fatalf("%s: %v\nat %s:\n%s", what, err, w.location(), w.mainText())
	}
}

// open types a URL into the address bar and waits for sel.
func (w *walker) open(path, sel string) {
	w.t.Helper()
	w.do("open "+path, chromedp.Navigate(w.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// click clicks sel and waits for sel on the next page: the page is marked
// before the click, so the wait cannot be satisfied by the page left.
func (w *walker) click(sel, next string) {
	w.t.Helper()
	w.eval(`document.documentElement.setAttribute("data-left", "")`, nil)
	w.do("click "+sel, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS("html:not([data-left]) "+next)))
}

// reloadUntil reloads the page until cond holds, for what the back office
// does in the background; ten seconds at most.
func (w *walker) reloadUntil(what, sel string, cond func() bool) {
	w.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			w.t.Fatalf("timed out waiting for %s at %s:\n%s", what, w.location(), w.mainText())
		}
		time.Sleep(200 * time.Millisecond)
		w.eval(`document.documentElement.setAttribute("data-left", "")`, nil)
		w.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("html:not([data-left]) "+sel)))
	}
}

// back presses the browser's Back button and waits until sel shows on the
// page at path. The page may come back from the back-forward cache, which
// chromedp (v0.23) does not follow: it hears DOM.documentUpdated before
// Page.frameNavigated and forgets the document, so its node queries wait
// forever. Until the next page loads, act on the page with clickAt and
// typeKeys, which use the mouse and keyboard, not chromedp's nodes.
func (w *walker) back(path, sel string) {
	w.t.Helper()
	w.eval(`history.back()`, nil)
	deadline := time.Now().Add(stepTimeout)
	for {
		var shown bool
		if w.location() == path {
			w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`);
				return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility === "visible"; })()`, &shown)
		}
		if shown {
			return
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("back: at %s, want %s showing %s", w.location(), path, sel)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// clickAt clicks the middle of the element sel with the mouse.
func (w *walker) clickAt(sel string) {
	w.t.Helper()
	var at struct{ X, Y float64 }
	w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`); e.scrollIntoView({block: "center"});
		const r = e.getBoundingClientRect(); return {X: r.left + r.width / 2, Y: r.top + r.height / 2}; })()`, &at)
	w.do("click at "+sel, chromedp.MouseClickXY(at.X, at.Y))
}

// typeKeys types text with the keyboard where the focus is.
func (w *walker) typeKeys(text string) {
	w.t.Helper()
	w.do("type "+text, chromedp.KeyEvent(text))
}

// signIn signs in with the demo password on the English sign-in page.
func (w *walker) signIn(phone string) {
	w.t.Helper()
	w.open("/login?lang=en", `form[action="/login"] #identifier`)
	w.do("sign in", chromedp.SendKeys(chromedp.CSS("#identifier"), phone),
		chromedp.SendKeys(chromedp.CSS("#password"), identity.DemoPassword))
	w.click(`form[action="/login"] button[type="submit"]`, ".account-link")
}

// signOut presses the header's "Sign out".
func (w *walker) signOut() {
	w.t.Helper()
	w.click(".logout button", ".login-link")
}

// findAndStart searches the catalogue page for query, opens the duplicate
// birth certificate and presses "Apply now".
func (w *walker) findAndStart(query string) {
	w.t.Helper()
	w.do("search", chromedp.SendKeys(chromedp.CSS("form.search #q"), query))
	result := `.service-list h3 a[href="/services/birth-certificate-duplicate"]`
	w.click(`form.search button[type="submit"]`, result)
	if name := w.text(result); name != "Duplicate birth certificate" {
		w.t.Errorf("the search result reads %q", name)
	}
	w.click(result, "a.button-start")
	if h1, start := w.text("main h1"), w.text("a.button-start"); h1 != "Duplicate birth certificate" || start != "Apply now" {
		w.t.Errorf("the service page: h1 %q, button %q", h1, start)
	}
	w.click("a.button-start", "#applicant_last_name")
}

// applyForAziz fills in the form from its first step, which must carry
// Aziz's data from the identity register, to "Check your answers" and
// sends it; it returns the application's number.
func (w *walker) applyForAziz(aziz identity.DemoPerson, source string, sign bool) string {
	w.t.Helper()
	t := w.t
	if last, pinfl := w.value("#applicant_last_name"), w.value("#applicant_pinfl"); last != aziz.LastName || pinfl != aziz.PINFL {
		t.Errorf("the applicant step is not Aziz's: last name %q, PINFL %q", last, pinfl)
	}
	if note := w.text("#applicant_last_name-source"); !strings.HasPrefix(note, source) {
		t.Errorf("the surname's source note: %q", note)
	}
	w.do("choose self", chromedp.Click(chromedp.CSS(`input[name="relation"][value="self"]`)))
	w.click(`button[name="action"][value="next"]`, "#registry_office")

	// The second step comes from the civil registry, over the bus.
	office := w.value("#registry_office")
	if !strings.HasSuffix(office, "FHDYo boʻlimi") || w.value("#child_first_name") != aziz.FirstName {
		t.Errorf("the child step is not from Aziz's birth record: office %q, first name %q", office, w.value("#child_first_name"))
	}
	if note := w.text("#registry_office-source"); !strings.Contains(note, "the civil registry") {
		t.Errorf("the registry office's source note: %q", note)
	}
	w.choose("#reason", "lost")
	w.click(`button[name="action"][value="next"]`, `input[name="delivery_method"][value="office"]`)

	w.do("choose the office", chromedp.Click(chromedp.CSS(`input[name="delivery_method"][value="office"]`)),
		chromedp.WaitVisible(chromedp.CSS("#pickup_region")))
	w.choose("#pickup_region", "tashkent_city")
	w.do("consent", chromedp.Click(chromedp.CSS("#consent")))
	w.click(`button[name="action"][value="next"]`, `form[action$="/submit"] button[type="submit"]`)

	if h1 := w.text("main h1"); h1 != "Check your answers" {
		t.Errorf("the last page is %q", h1)
	}
	answers := w.text("main")
	for _, want := range []string{aziz.LastName, aziz.PINFL, office, "From the civil registry", "Yes"} {
		if !strings.Contains(answers, want) {
			t.Errorf("Check your answers lacks %q", want)
		}
	}
	if send := w.text(`form[action$="/submit"] button[type="submit"]`); send != "Send application" {
		t.Errorf("the send button reads %q", send)
	}
	if sign {
		// The page offers the key kept in this browser; sending signs.
		w.do("the keys offered", chromedp.WaitEnabled(chromedp.CSS("#application-key")))
		w.eval(`(() => { const s = document.querySelector("#application-key"); s.value = s.options[1].value; return s.value })()`, nil)
	}
	w.click(`form[action$="/submit"] button[type="submit"]`, "main .status")
	sent := w.text("main .notice")
	m := regexp.MustCompile(`Your application number is (\d{4}-\d{7})\.`).FindStringSubmatch(sent)
	if !strings.Contains(sent, "Application sent") || m == nil {
		t.Fatalf("after sending, at %s:\n%s", w.location(), w.mainText())
	}
	return m[1]
}

// eval runs a JavaScript expression, storing its value in out (if not nil).
func (w *walker) eval(expr string, out any) {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		w.t.Fatalf("evaluate %s: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(v, out); err != nil {
			w.t.Fatalf("evaluate %s: %v", expr, err)
		}
	}
}

// jsString is s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// text is the trimmed, whitespace-collapsed text of the first element
// matching sel, or "" when there is none.
func (w *walker) text(sel string) string {
	w.t.Helper()
	var s string
	w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`);
		return e ? e.textContent.replace(/\s+/g, " ").trim() : ""; })()`, &s)
	return s
}

// value is the value of the form control sel.
func (w *walker) value(sel string) string {
	w.t.Helper()
	var s string
	w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.value : ""; })()`, &s)
	return s
}

// attr is the attribute name of the first element matching sel.
func (w *walker) attr(sel, name string) string {
	w.t.Helper()
	var s string
	w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`); return e ? e.getAttribute(`+jsString(name)+`) || "" : ""; })()`, &s)
	return s
}

// count is how many elements match sel.
func (w *walker) count(sel string) int {
	w.t.Helper()
	var n int
	w.eval(`document.querySelectorAll(`+jsString(sel)+`).length`, &n)
	return n
}

// location is the page's path, or "" when the page does not answer.
func (w *walker) location() string {
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	return s
}

// mainText is the text of the page's main element for failure messages,
// or "" when the page does not answer.
func (w *walker) mainText() string {
	ctx, cancel := context.WithTimeout(w.ctx, 2*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("main") || document.body).innerText`))
	return s
}

// definition is the text of the summary list's entry for term.
func (w *walker) definition(term string) string {
	w.t.Helper()
	var s string
	w.eval(`(() => { const dt = [...document.querySelectorAll("main dt")].find((d) => d.textContent.trim() === `+jsString(term)+`);
		return dt ? dt.nextElementSibling.textContent.replace(/\s+/g, " ").trim() : ""; })()`, &s)
	return s
}

// choose picks value in the select sel as a person would: the page hears
// the change.
func (w *walker) choose(sel, value string) {
	w.t.Helper()
	var ok bool
	w.eval(`(() => { const e = document.querySelector(`+jsString(sel)+`);
		if (!e || e.disabled || ![...e.options].some((o) => o.value === `+jsString(value)+`)) { return false; }
		e.focus(); e.value = `+jsString(value)+`;
		e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true}));
		return true; })()`, &ok)
	if !ok {
		w.t.Fatalf("cannot choose %q in %s at %s", value, sel, w.location())
	}
}

// fetched is what the page's fetch() of a link got.
type fetched struct {
	Status int
	Type   string
	Head   string
}

// fetch gets href from the page, with its cookies, as a download would.
func (w *walker) fetch(href string) fetched {
	w.t.Helper()
	var f fetched
	w.eval(`(async () => { const r = await fetch(`+jsString(href)+`);
		const head = new Uint8Array(await r.arrayBuffer()).slice(0, 5);
		return {Status: r.status, Type: r.headers.get("Content-Type") || "", Head: String.fromCharCode(...head)}; })()`, &f)
	return f
}

// payFee pays the fee of the application whose page is open, from its
// "Pay now" to the receipt, through the demo gateway and its bank page.
func (w *walker) payFee() {
	w.t.Helper()
	t := w.t
	if fee := w.text(`main .notice a.button[href$="/receipt"]`); fee != "Pay now" {
		t.Fatalf("the application page does not ask for the fee (%q):\n%s", fee, w.mainText())
	}
	demoGateway := `form[action^="/payments/checkout/"]:has(input[name="provider"][value="demo"]) button[type="submit"]`
	w.click(`main .notice a.button[href$="/receipt"]`, demoGateway)
	if h1 := w.text("main h1"); h1 != "Invoice" {
		t.Errorf("receipt page before paying: %q", h1)
	}
	if gateway := w.text(demoGateway); gateway != "Demo payment system" {
		t.Errorf("the gateway's button: %q", gateway)
	}
	w.click(demoGateway, `button[name="action"][value="pay"]`)
	if pay := w.text(`button[name="action"][value="pay"]`); !strings.HasPrefix(pay, "Pay UZS") {
		t.Errorf("the bank's button: %q", pay)
	}
	w.click(`button[name="action"][value="pay"]`, "main h1")
	w.reloadUntil("the receipt to show the payment", "main h1", func() bool {
		return w.text("main h1") == "Payment receipt" && strings.Contains(w.text("main .notice"), "Payment received.")
	})
	if !strings.HasPrefix(w.location(), "/payments/") || !strings.Contains(w.text("main .summary-list"), "Paid") {
		t.Errorf("the receipt at %s:\n%s", w.location(), w.mainText())
	}
}

// approveAsNodira has Nodira, the Ministry of Justice's officer, in a
// browser of her own, take the application from her inbox and approve it.
func (w *walker) approveAsNodira(number string) {
	w.t.Helper()
	t := w.t
	nctx, cancel := chromedp.NewContext(w.ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	// The tab is made by a first run without a deadline: a run that times
	// out would close it.
	if err := chromedp.Do(nctx); err != nil {
		t.Fatal(err)
	}
	w = &walker{t: t, ctx: nctx, base: w.base}
	w.signIn("+998901000011")
	w.open("/work", "main h1")
	caseLink := `main a[href="/office/applications/` + number + `"]`
	w.reloadUntil("the application in Nodira's inbox", "main h1", func() bool { return w.count(caseLink) > 0 })
	w.click(caseLink, `button[name="action"][value="claim"]`)
	if h1 := w.text("main h1"); !strings.Contains(h1, number) || w.text(`button[name="action"][value="claim"]`) != "Take this application" {
		t.Errorf("the officer's page: h1 %q", h1)
	}
	w.click(`button[name="action"][value="claim"]`, `input[name="decision"][value="approve"]`)
	if label := w.text(`label[for="decision"]`); label != "Approve" {
		t.Errorf("the first decision is %q", label)
	}
	w.do("choose approve", chromedp.Click(chromedp.CSS(`input[name="decision"][value="approve"]`)))
	w.click(`form:has(input[name="action"][value="complete"]) button[type="submit"]`, "main h1")
	if w.count(`input[name="action"][value="complete"]`) > 0 || w.count(".error-summary") > 0 {
		t.Errorf("the decision was not taken:\n%s", w.mainText())
	}
}

// resultAndRating has Aziz, in this browser, find the notices of the
// approval and the result, download the signed PDF, check it on its
// verification page and rate the service.
func (w *walker) resultAndRating(n *node, number string) {
	w.t.Helper()
	t := w.t
	// Aziz is told in his account's language, Uzbek, whatever the page's.
	w.open("/account/notifications", "main h1")
	w.reloadUntil("Aziz's notices of the approval and the result", "main h1", func() bool {
		inbox := w.text("main .inbox")
		return strings.Contains(inbox, "Arizangiz maʼqullandi: "+number) && strings.Contains(inbox, "Xizmat natijasi tayyor: "+number)
	})
	w.open("/account/applications", "main h1")
	mine := `main table a[href^="/account/applications/"]`
	if got := w.text(mine); got != number {
		t.Fatalf("My applications lists %q, want %s:\n%s", got, number, w.mainText())
	}
	w.click(mine, "main .status")
	if status := w.text("main .status"); status != "Result ready" {
		t.Errorf("status %q", status)
	}
	pdf := `main a[href$="/result/document.pdf"]`
	if w.text(pdf) != "Download the document (PDF)" {
		t.Fatalf("no result to download:\n%s", w.mainText())
	}
	got := w.fetch(w.attr(pdf, "href"))
	if got.Status != 200 || got.Type != "application/pdf" || got.Head != "%PDF-" {
		t.Errorf("the PDF: %+v", got)
	}
	appPage := w.location()
	w.click(`main a[href^="/results/"]`, "main .notice h2")
	if !regexp.MustCompile(`^/results/[a-z0-9]+$`).MatchString(w.location()) || w.text("main .notice h2") != "This document is genuine" ||
		!strings.Contains(w.text("main"), number) || !strings.Contains(w.text("main"), "Saidova") {
		t.Errorf("the verification page %s:\n%s", w.location(), w.mainText())
	}
	w.back(appPage, "#rating-5")
	w.clickAt("#rating-5")
	w.clickAt("#comment")
	w.typeKeys("Tez va qulay.")
	w.eval(`document.documentElement.setAttribute("data-left", "")`, nil)
	w.clickAt(`form[action$="/rating"] button[type="submit"]`)
	w.do("send the rating", chromedp.WaitVisible(chromedp.CSS(`html:not([data-left]) main .status`)))
	if main := w.text("main"); !strings.Contains(main, "Thank you! You rated the service 5 out of 5.") || w.count("#rating-5") > 0 {
		t.Errorf("after rating:\n%s", main)
	}
	var rating int
	var comment string
	if err := n.app.DB.Reader().QueryRowContext(context.Background(), `SELECT rating, rating_comment FROM portal_applications WHERE number = $1`,
		number).Scan(&rating, &comment); err != nil || rating != 5 || comment != "Tez va qulay." {
		t.Errorf("the rating kept: %d %q %v", rating, comment, err)
	}
}
