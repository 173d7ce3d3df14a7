package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/egovuz/egov/internal/pki"
)

// TestBrowserOfficerCertificate is an officer certificate in Nodira
// Saidova's browser: the key is made there and waits under the request
// until her ministry's administrator approves; on her next visit the page
// takes the certificate, keeps the key with it and offers the backup.
func TestBrowserOfficerCertificate(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	text := func(sel string) string { return eval[string](t, ctx, `document.querySelector("`+sel+`").textContent`) }

	signInTwoStep(t, ctx, n.base, "+998901000011", "/profile/certificates")
	do(t, ctx,
		chromedp.WaitEnabled(chromedp.CSS(`#officer-enrol button[type="submit"]`)),
		chromedp.Click(chromedp.CSS(`#officer-enrol button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#officer-enrol-status")),
	)
	eventually(t, "the request to be sent", func() bool { return strings.Contains(text("#officer-enrol-status"), "waits in this browser") })

	pending := pki.RequestPending
	requests, err := n.app.PKI.FindRequests(context.Background(), pki.RequestFilter{State: &pending})
	if err != nil || len(requests) != 1 {
		t.Fatalf("pending requests: %d %v", len(requests), err)
	}
	kamolaID := ""
	if err := n.app.DB.Reader().QueryRow(`SELECT id FROM identity_users WHERE phone = '+998901000017'`).Scan(&kamolaID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := n.app.PKI.ApproveRequest(context.Background(), kamolaID, requests[0].ID); err != nil {
		t.Fatal(err)
	}

	do(t, ctx,
		chromedp.Navigate(n.base+"/profile/certificates"),
		chromedp.WaitVisible(chromedp.CSS("#officer-complete")),
		chromedp.SendKeys(chromedp.CSS("#officer-password"), "Kalit-parol-2026"),
		chromedp.SendKeys(chromedp.CSS("#officer-password-again"), "Kalit-parol-2026"),
		chromedp.Click(chromedp.CSS(`#officer-complete button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#officer-key-file")),
	)
	if s := text("#officer-complete-status"); !strings.Contains(s, "kept in this browser") {
		t.Errorf("completion: %q", s)
	}
	keys, err := chromedp.Run(ctx, chromedp.Evaluate[struct{ Kept, Pending int }](`(async () => ({
		Kept: (await egovSign.keyStore.list()).filter((k) => k.info.subject.commonName === "Saidova Nodira").length,
		Pending: (await egovSign.keyStore.pending()).length}))()`, chromedp.EvalAwaitPromise))
	if err != nil || keys.Kept != 1 || keys.Pending != 0 {
		t.Errorf("keys kept %d, pending %d (%v)", keys.Kept, keys.Pending, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}
