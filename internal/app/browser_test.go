package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// browser starts a headless Chromium for the test, or skips when
// EGOV_TEST_BROWSER is not set (see webtest.Browser).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	return webtest.Browser(t, 90*time.Second)
}

// eval runs a JavaScript expression in the page and returns its value.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// do runs browser steps, failing the test on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

func TestBrowserHomePageInEveryLanguage(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	headings := map[string]string{
		"uz-Latn": "Davlat xizmatlari — bir joyda",
		"uz-Cyrl": "Давлат хизматлари — бир жойда",
		"ru":      "Государственные услуги — в одном месте",
		"en":      "State services in one place",
	}
	for lang, heading := range headings {
		do(t, ctx, chromedp.Navigate(n.base+"/?lang="+lang), chromedp.WaitVisible(chromedp.CSS("h1")))
		htmlLang := eval[string](t, ctx, `document.documentElement.lang`)
		h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`)
		cards := eval[int](t, ctx, `document.querySelectorAll(".card").length`)
		classes := eval[string](t, ctx, `document.documentElement.className`)
		if htmlLang != lang || strings.TrimSpace(h1) != heading || cards != 8 {
			t.Errorf("%s: lang=%q h1=%q cards=%d", lang, htmlLang, h1, cards)
		}
		if !strings.Contains(classes, "js") {
			t.Errorf("%s: the page's own script did not run (blocked by CSP?): class=%q", lang, classes)
		}
		// The stylesheet loaded: the header has the brand colour.
		if bg := eval[string](t, ctx, `getComputedStyle(document.querySelector(".site-header")).backgroundColor`); bg != "rgb(11, 83, 148)" {
			t.Errorf("%s: header background %q: stylesheet not applied", lang, bg)
		}
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserLanguageSwitcher(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	do(t, ctx,
		chromedp.Navigate(n.base+"/"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
		chromedp.Click(chromedp.CSS(`.lang-switcher a[hreflang="ru"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switcher span[lang="ru"]`)),
	)
	lang := eval[string](t, ctx, `document.documentElement.lang`)
	h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`)
	if lang != "ru" || !strings.Contains(h1, "Государственные услуги") {
		t.Errorf("after choosing Russian: lang=%q h1=%q", lang, h1)
	}
	// The choice is remembered on the next visit.
	do(t, ctx, chromedp.Navigate(n.base+"/"), chromedp.WaitVisible(chromedp.CSS("h1")))
	if lang := eval[string](t, ctx, `document.documentElement.lang`); lang != "ru" {
		t.Errorf("language not remembered: %q", lang)
	}
	// Keyboard users reach the skip link first.
	do(t, ctx, chromedp.KeyEvent("\t"))
	if focused := eval[string](t, ctx, `document.activeElement.className`); focused != "skip-link" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserWorksWithoutJavaScript(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(n.base+"/?lang=en"),
		chromedp.WaitVisible(chromedp.CSS("h1")),
		// The display preferences are a plain form: it posts and comes back.
		chromedp.Click(chromedp.CSS(`.prefs button[value="text"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html.text-large h1`)),
		chromedp.Click(chromedp.CSS(`.prefs button[value="contrast"]`)),
		chromedp.WaitVisible(chromedp.CSS(`html.contrast-high h1`)),
	)
	classes, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "class"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(classes.Value, "js") || !strings.Contains(classes.Value, "text-large") || !strings.Contains(classes.Value, "contrast-high") {
		t.Errorf("html classes without script: %q", classes.Value)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`.lang-switcher a[hreflang="uz-Cyrl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switcher span[lang="uz-Cyrl"]`)),
	)
	lang, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
	if err != nil || lang.Value != "uz-Cyrl" {
		t.Errorf("switcher without script: lang=%q %v", lang.Value, err)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserDemoSignInInEveryLanguage(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	headings := map[string]string{"uz-Latn": "Shaxsiy kabinet", "uz-Cyrl": "Шахсий кабинет", "ru": "Личный кабинет", "en": "Your account"}
	names := map[string]string{"uz-Latn": "Aziz Karimov", "uz-Cyrl": "Азиз Каримов", "ru": "Aziz Karimov", "en": "Aziz Karimov"}
	for lang, heading := range headings {
		do(t, ctx,
			chromedp.Navigate(n.base+"/profile?lang="+lang),
			// The protected page sends the browser to sign in first.
			chromedp.WaitVisible(chromedp.CSS(`form[action="/login"] #identifier`)),
			chromedp.SendKeys(chromedp.CSS("#identifier"), "+998901000001"),
			chromedp.SendKeys(chromedp.CSS("#password"), identity.DemoPassword),
			chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".account-link")),
		)
		h1 := eval[string](t, ctx, `document.querySelector("h1").textContent`)
		who := eval[string](t, ctx, `document.querySelector(".account-link").textContent`)
		if strings.TrimSpace(h1) != heading || !strings.Contains(who, names[lang]) {
			t.Errorf("%s: h1=%q header=%q", lang, h1, who)
		}
		do(t, ctx,
			chromedp.Click(chromedp.CSS(`.logout button`)),
			chromedp.WaitVisible(chromedp.CSS(".login-link")),
		)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserFindsAServiceInEitherScript(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	var reached []string
	for _, query := range []string{"туғилганлик", "tug'ilganlik"} {
		do(t, ctx,
			chromedp.Navigate(n.base+"/?lang=uz-Latn"),
			chromedp.WaitVisible(chromedp.CSS(".hero #q")),
			chromedp.SendKeys(chromedp.CSS(".hero #q"), query),
			chromedp.Click(chromedp.CSS(`.hero form.search button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".service-list h3 a")),
			chromedp.Click(chromedp.CSS(".service-list h3 a")),
			chromedp.WaitVisible(chromedp.CSS("dl.summary-list")),
		)
		reached = append(reached, eval[string](t, ctx, `location.pathname + " " + document.querySelector("h1").textContent`))
	}
	if reached[0] != reached[1] || !strings.HasPrefix(reached[0], "/services/birth-certificate-duplicate Tugʻilganlik") {
		t.Errorf("Cyrillic and Latin searches reached %q and %q", reached[0], reached[1])
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the pages reported problems:\n%s", strings.Join(p, "\n"))
	}
}

func TestBrowserFormShowsConditionalFields(t *testing.T) {
	ctx, problems := browser(t)
	n := startNode(t, testConfig(t, ""))
	if err := n.app.LoadDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(n.base+"/services/birth-certificate-duplicate/form?lang=en"),
		chromedp.WaitVisible(chromedp.CSS(`input[name="relation"]`)),
	)
	// The guardianship document is asked only of guardians.
	shown := `(function () { var el = document.getElementById("guardianship_document"); return el.offsetParent !== null && !el.disabled; })()`
	if eval[bool](t, ctx, shown) {
		t.Error("the guardianship document is asked before the applicant said they are a guardian")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="relation"][value="guardian"]`)))
	if !eval[bool](t, ctx, shown) {
		t.Error("choosing guardian does not show the guardianship document")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS(`input[name="relation"][value="self"]`)))
	if eval[bool](t, ctx, shown) {
		t.Error("choosing self leaves the guardianship document shown")
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(p, "\n"))
	}
}
