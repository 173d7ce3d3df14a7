package form

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
	"github.com/egovuz/egov/internal/platform/web/webtest"
)

// applyPage is a module's page as a module would write it.
var applyPage = fstest.MapFS{"templates/apply.html": {Data: []byte(
	`{{define "title"}}{{.Data.Form.Title}}{{end}}
{{define "content"}}{{template "error-summary" .}}
<form method="post" novalidate{{if .Data.Form.Multipart}} enctype="multipart/form-data"{{end}}>
{{template "form-fields" .}}
</form>{{end}}`)}}

type applyView struct {
	Form   StepView
	Errors map[string]string
}

// renderForm is a form whose texts try to break out of the page.
func renderForm(t *testing.T) *Form {
	t.Helper()
	evil := `{"uz-Latn":"` + `<script>alert(1)</script>` + `","uz-Cyrl":"x","ru":"\"><img src=x onerror=alert(2)>","en":"' onmouseover='alert(3)"}`
	src := doc(`,"c":{"type":"string","maxLength":20,"x-egov":{"label":`+evil+`,"hint":`+evil+`,"step":"one","showIf":{"field":"a","equals":"<b>\"x\"</b>"}}}`+
		`,"s":{"type":"string","enum":["p","q"],"x-egov":{"label":`+tr+`,"step":"one","options":[{"value":"p","label":`+evil+`},{"value":"q","label":`+tr+`}]}}`+
		`,"r":{"type":"integer","enum":[1,2],"x-egov":{"label":`+tr+`,"step":"one","widget":"radio","options":[{"value":1,"label":`+tr+`},{"value":2,"label":`+evil+`}]}}`+
		`,"ok":{"type":"boolean","x-egov":{"label":`+evil+`,"step":"one"}}`+
		`,"note":{"type":"string","x-egov":{"label":`+tr+`,"step":"one","widget":"textarea"}}`+
		`,"doc":{"type":"string","x-egov":{"label":`+tr+`,"step":"one","widget":"file"}}`+
		`,"g":{"type":"object","properties":{"x":{"type":"string","x-egov":{"label":`+evil+`,"widget":"phone"}}},"x-egov":{"label":`+evil+`,"step":"two"}}`, `,"required":["a","c"]`)
	f, err := Parse([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// applyServer is a web server with the catalogs and the apply page.
func applyServer(t *testing.T) (*web.Server, *web.Page) {
	t.Helper()
	bundle, err := i18n.Load(web.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Bundle: bundle,
		Registerer: reg, Gatherer: reg, Secret: []byte(strings.Repeat("k", 32)),
		MaxBodyBytes: 1 << 20, RatePerIP: 1000, BurstPerIP: 1000,
	})
	if err != nil {
		t.Fatal(err)
	}
	page, err := srv.Renderer().Page(WithPartial(applyPage), "templates/apply.html", Partial)
	if err != nil {
		t.Fatal(err)
	}
	return srv, page
}

func TestRender(t *testing.T) {
	f := renderForm(t)
	srv, page := applyServer(t)
	values := map[string]any{"a": `"><script>alert(4)</script>`, "c": "x", "s": "p", "r": int64(2), "ok": true,
		"note": "</textarea><script>alert(5)</script>", "doc": "blob-1", "g": map[string]any{"x": "+998901234567"}}
	errs := map[string]string{"c": MsgTooLong, "r": MsgChoice}
	srv.Router().Handle("GET /apply/{step}", web.Public, func(w http.ResponseWriter, r *http.Request) error {
		v, ok := f.View(r.PathValue("step"), web.Locale(r.Context()), values, errs)
		if !ok {
			return http.ErrMissingFile
		}
		return page.Render(w, r, http.StatusOK, applyView{Form: v, Errors: errs})
	})
	get := func(path string) string {
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status %d: %s", path, rec.Code, rec.Body)
		}
		return rec.Body.String()
	}

	for _, path := range []string{"/apply/one?lang=uz-Latn", "/apply/one?lang=ru", "/apply/one?lang=en", "/apply/two?lang=uz-Latn", "/apply/two?lang=ru"} {
		body := get(path)
		for _, bad := range []string{"<script>alert", "<img src=x", "' onmouseover='", `"><script`, "</textarea><script"} {
			if strings.Contains(body, bad) {
				t.Errorf("%s: unescaped %q in the page", path, bad)
			}
		}
	}

	body := get("/apply/one?lang=uz-Latn")
	for _, want := range []string{
		`<label for="c">&lt;script&gt;alert(1)&lt;/script&gt;</label>`, // required: no "(ixtiyoriy)"
		`<span class="hint" id="c-hint">&lt;script&gt;alert(1)&lt;/script&gt;</span>`,
		`<span class="error" id="c-error">Juda uzun.</span>`,
		`aria-describedby="c-hint c-error"`,
		`data-show-if-field="a" data-show-if-value="&lt;b&gt;&#34;x&#34;&lt;/b&gt;"`,
		`value="&#34;&gt;&lt;script&gt;alert(4)&lt;/script&gt;"`,
		`maxlength="20"`,
		`<option value="">Tanlang…</option>`,
		`<option value="p" selected>&lt;script&gt;alert(1)&lt;/script&gt;</option>`,
		`<input type="radio" id="r" name="r" value="1" aria-invalid="true">`,
		`<input type="radio" id="r-2" name="r" value="2" checked aria-invalid="true">`,
		`<input type="hidden" name="ok" value="false">`,
		`<input type="checkbox" id="ok" name="ok" value="true" checked>`,
		`(ixtiyoriy)`,
		`&lt;/textarea&gt;&lt;script&gt;alert(5)&lt;/script&gt;</textarea>`,
		`Fayl biriktirilgan.`,
		`enctype="multipart/form-data"`,
		`<a href="#c">Juda uzun.</a>`, // the layout's error summary links to the field
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if strings.Contains(body, `name="g.x"`) {
		t.Error("step one shows a field of step two")
	}

	body = get("/apply/two?lang=ru")
	for _, want := range []string{
		`<fieldset class="field-group" id="g">`,
		`<legend>&#34;&gt;&lt;img src=x onerror=alert(2)&gt;</legend>`,
		`<input type="tel" id="g.x" name="g.x" value="&#43;998901234567" inputmode="tel" autocomplete="tel"`,
		`(необязательно)`,
		`</fieldset>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if _, ok := f.View("nope", i18n.En, nil, nil); ok {
		t.Error("View of an unknown step")
	}
}

func TestTranslations(t *testing.T) {
	b, err := i18n.Load(web.Locales(), Locales())
	if err != nil {
		t.Fatal(err)
	}
	webtest.AssertTemplateKeys(t, b, Templates())
	keys := []string{
		MsgSchemaNotJSON, MsgSchemaTooLarge, MsgSchemaTooDeep, MsgSchemaDuplicateKey, MsgSchemaStringTooLong,
		MsgSchemaNumber, MsgSchemaNotObject, MsgSchemaDialect, MsgSchemaUnsupported, MsgSchemaBadValue,
		MsgSchemaTooManyFields, MsgSchemaEnumTooLong, MsgSchemaName, MsgSchemaRemoteRef, MsgSchemaBadRef,
		MsgSchemaPattern, MsgSchemaPatternTooLong, MsgSchemaNesting, MsgSchemaType, MsgSchemaNoUI,
		MsgSchemaTranslation, MsgSchemaWidget, MsgSchemaWidgetType, MsgSchemaOptions, MsgSchemaSteps,
		MsgSchemaDuplicateStep, MsgSchemaUnknownStep, MsgSchemaEmptyStep, MsgSchemaShowIfField,
		MsgSchemaShowIfOrder, MsgSchemaShowIfCycle, MsgSchemaRequired, MsgSchemaInvalid,
		MsgRequired, MsgInvalid, MsgInteger, MsgNumber, MsgTooShort, MsgTooLong, MsgTooSmall, MsgTooLarge,
		MsgPattern, MsgChoice, MsgDate, MsgEmail, MsgPINFL, MsgPhone, MsgAccept,
	}
	for _, k := range keys {
		if !b.Has(k) {
			t.Errorf("%s has no translation", k)
		}
	}
	// Field errors take no arguments: the layout's summary translates
	// them with .T.
	for _, k := range keys {
		if strings.HasPrefix(k, "form.error.") && strings.Contains(b.T(i18n.En, k), "{") {
			t.Errorf("%s takes arguments", k)
		}
	}
	// Every key of the catalogs is one this package uses.
	used := make(map[string]bool)
	for _, k := range keys {
		used[k] = true
	}
	for _, k := range []string{"form.optional", "form.choose", "form.file_attached", "form.prefilled_from"} {
		used[k] = true
	}
	for _, k := range b.Keys() {
		if strings.HasPrefix(k, "form.") && k != "form.problem" && !used[k] {
			t.Errorf("catalog key %s is not used", k)
		}
	}
}
