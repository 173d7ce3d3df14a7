package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/identity/totp"
)

// TestBrowserESignature is the e-signature from a citizen's browser, end to
// end: Aziz signs in with his password and a code, gets a certificate for a key made
// in the browser, signs a document there (the server sees only its hash),
// checks the signature on the verification page, and later signs in with
// the certificate instead of the password.
func TestBrowserESignature(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	doc := filepath.Join(dir, "ariza.txt")
	if err := os.WriteFile(doc, []byte("Tugʻilganlik haqida guvohnomaning nusxasini soʻrayman."), 0o600); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string { return eval[string](t, ctx, `document.querySelector("`+sel+`").textContent`) }

	signInTwoStep(t, ctx, n.base, "+998901000001", "/profile/certificates")
	enrolKey(t, ctx)
	do(t, ctx, chromedp.Navigate(n.base+"/profile/certificates"), chromedp.WaitVisible(chromedp.CSS("table")))
	if rows := eval[int](t, ctx, `document.querySelectorAll("tbody tr").length`); rows != 1 || !strings.Contains(text("tbody tr"), "valid") {
		t.Errorf("certificates listed: %d", rows)
	}

	// Sign the document in the browser; take the .p7s it offers.
	do(t, ctx,
		chromedp.Navigate(n.base+"/signatures/sign"),
		chromedp.WaitEnabled(chromedp.CSS("#sign-file")),
		chromedp.SetUploadFiles(chromedp.CSS("#sign-file"), []string{doc}),
		chromedp.Click(chromedp.CSS(`#document-sign button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#document-signature")),
	)
	downloads := t.TempDir()
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior,
		cdpbrowser.SetDownloadBehaviorParams{Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("#document-signature")))
	sigFile := filepath.Join(downloads, "ariza.txt.p7s")
	var sig []byte
	eventually(t, "the downloaded signature", func() bool {
		sig, _ = os.ReadFile(sigFile)
		return len(sig) > 500
	})

	// The verification page finds it valid, by Aziz, timestamped.
	do(t, ctx,
		chromedp.Navigate(n.base+"/signatures/verify"),
		chromedp.WaitVisible(chromedp.CSS("#signature")),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{doc}),
		chromedp.SetUploadFiles(chromedp.CSS("#signature"), []string{sigFile}),
		chromedp.Click(chromedp.CSS(`form[action="/signatures/verify"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#verdict")),
	)
	if v, page := text("#verdict"), text("main"); !strings.Contains(v, "valid") || strings.Contains(v, "not valid") ||
		!strings.Contains(page, "Karimov") || !strings.Contains(page, "timestamp") {
		t.Errorf("verdict %q on:\n%s", v, page)
	}

	// Signed out, he signs in again with the certificate.
	do(t, ctx,
		chromedp.Navigate(n.base+"/profile"),
		chromedp.Click(chromedp.CSS(`.logout button`)),
		chromedp.WaitVisible(chromedp.CSS(".login-link")),
		chromedp.Navigate(n.base+"/login/certificate"),
		chromedp.WaitEnabled(chromedp.CSS(`#certificate-login button[type="submit"]`)),
		chromedp.Click(chromedp.CSS(`#certificate-login button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".account-link")),
	)
	if who := text(".account-link"); !strings.Contains(who, "Aziz Karimov") {
		t.Errorf("signed in as %q", who)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}

// enrolKey makes a key in the browser on the open certificates page and
// gets its certificate, which the page says it keeps in this browser.
func enrolKey(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx,
		chromedp.WaitEnabled(chromedp.CSS("#key-password")),
		chromedp.SendKeys(chromedp.CSS("#key-password"), "Kalit-parol-2026"),
		chromedp.SendKeys(chromedp.CSS("#key-password-again"), "Kalit-parol-2026"),
		chromedp.Click(chromedp.CSS(`#certificate-enrol button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#certificate-key-file")),
	)
	if s := eval[string](t, ctx, `document.querySelector("#certificate-enrol-status").textContent`); !strings.Contains(s, "kept in this browser") {
		t.Fatalf("enrolment: %q", s)
	}
}

// signInTwoStep signs the browser in as phone with the demo password and a
// code, turning two-step sign-in on first, and opens next (in English).
func signInTwoStep(t *testing.T, ctx context.Context, base, phone, next string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(base+"/profile/2fa?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] #identifier`)),
		chromedp.SendKeys(chromedp.CSS("#identifier"), phone),
		chromedp.SendKeys(chromedp.CSS("#password"), identity.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")),
	)
	secret, err := totp.DecodeSecret(eval[string](t, ctx, `document.getElementById("totp-secret").textContent`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`form[action="/profile/2fa/confirm"] #code`), totp.Code(secret, time.Now())),
		chromedp.Click(chromedp.CSS(`form[action="/profile/2fa/confirm"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/profile/2fa/disable"]`)),
		chromedp.Click(chromedp.CSS(`.logout button`)),
		chromedp.WaitVisible(chromedp.CSS(".login-link")),
		chromedp.Navigate(base+next),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] #identifier`)),
		chromedp.SendKeys(chromedp.CSS("#identifier"), phone),
		chromedp.SendKeys(chromedp.CSS("#password"), identity.DemoPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login/code"] #code`)),
		chromedp.SendKeys(chromedp.CSS("#code"), totp.Code(secret, time.Now().Add(30*time.Second))),
		chromedp.Click(chromedp.CSS(`form[action="/login/code"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".account-link")),
	)
}
