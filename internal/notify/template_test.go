package notify_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/egovuz/egov/internal/notify"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

func TestRender(t *testing.T) {
	tests := []struct {
		name          string
		subject, body string
		p             map[string]string
		wantSubject   string
		wantBody      string
		wantErr       string
	}{
		{"fills subject and body", "Ariza ((reference))", "Hurmatli ((name)), ((reference)) tayyor.",
			map[string]string{"name": "Aziza", "reference": "A-1"}, "Ariza A-1", "Hurmatli Aziza, A-1 tayyor.", ""},
		{"extra personalisation is ignored", "", "Salom ((name))", map[string]string{"name": "Ali", "unused": "x"}, "", "Salom Ali", ""},
		{"spaces inside brackets", "", "(( name ))!", map[string]string{"name": "Ali"}, "", "Ali!", ""},
		{"missing value is an error", "((reference))", "((name))", map[string]string{"name": "Ali"}, "", "", "reference"},
		{"values are plain text, not expanded", "", "((a))", map[string]string{"a": "((b))", "b": "no"}, "", "((b))", ""},
		{"not a placeholder stays text", "", "((two words)) (( )) ((x", nil, "", "((two words)) (( )) ((x", ""},
		{"empty value is allowed", "", "[((a))]", map[string]string{"a": ""}, "", "[]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := notify.Template{Event: "e", Channel: notify.Email, Locale: i18n.En, Subject: tt.subject, Body: tt.body}
			s, b, err := tmpl.Render(tt.p)
			if tt.wantErr != "" {
				if apperr.Code(err) != apperr.EINTERNAL || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want an internal error naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || s != tt.wantSubject || b != tt.wantBody {
				t.Fatalf("Render = %q, %q, %v; want %q, %q", s, b, err, tt.wantSubject, tt.wantBody)
			}
		})
	}
}

// TestEmbeddedTemplates checks that every event speaks all four languages
// on every channel with the same placeholders, and that the Uzbek Latin
// texts use the letter ʻ (U+02BB) rather than an ASCII apostrophe.
func TestEmbeddedTemplates(t *testing.T) {
	ts, err := notify.NotificationTemplates()
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		event string
		ch    notify.Channel
	}
	got := map[key][]i18n.Locale{}
	names := map[string][]string{}
	for _, tm := range ts {
		k := key{tm.Event, tm.Channel}
		got[k] = append(got[k], tm.Locale)
		ph := tm.Placeholders()
		if prev, ok := names[tm.Event]; ok && !slices.Equal(prev, ph) {
			t.Errorf("%s %s %s: placeholders %v, others have %v", tm.Event, tm.Channel, tm.Locale, ph, prev)
		}
		names[tm.Event] = ph
		if tm.Channel == notify.Email && tm.Subject == "" {
			t.Errorf("%s %s: e-mail without subject", tm.Event, tm.Locale)
		}
		if tm.Locale == i18n.UzLatn {
			for _, s := range []string{tm.Subject, tm.Body} {
				if strings.ContainsAny(s, "'‘`") {
					t.Errorf("%s %s: Uzbek Latin text %q uses an apostrophe instead of ʻ", tm.Event, tm.Channel, s)
				}
			}
		}
	}
	for _, event := range []string{"application.submitted", "application.more_info_requested", "application.approved",
		"application.rejected", "application.result_issued", "identity.reset_code"} {
		for _, ch := range []notify.Channel{notify.InApp, notify.SMS, notify.Email} {
			locs := got[key{event, ch}]
			slices.Sort(locs)
			want := i18n.All()
			slices.Sort(want)
			if !slices.Equal(locs, want) {
				t.Errorf("%s %s: languages %v, want %v", event, ch, locs, want)
			}
		}
	}
}

func TestParseTemplatesRejects(t *testing.T) {
	for name, src := range map[string]string{
		"not json":            `{`,
		"unknown field":       `{"e": {"en": {"body": "x", "html": "y"}}}`,
		"unknown language":    `{"e": {"de": {"body": "x"}}}`,
		"empty body":          `{"e": {"en": {"subject": "s", "body": " "}}}`,
		"placeholders differ": `{"e": {"en": {"body": "((a))"}, "ru": {"body": "((b))"}}}`,
		"sms lacks one":       `{"e": {"en": {"body": "((a))", "sms": "hi"}}}`,
		"subject adds one":    `{"e": {"en": {"subject": "((b))", "body": "((a))", "sms": "((a))"}}}`,
		"no languages":        `{"e": {}}`,
		"trailing data":       `{} {}`,
	} {
		if _, err := notify.ParseTemplates([]byte(src)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParseTemplates(f *testing.F) {
	f.Add([]byte(`{"e": {"en": {"subject": "((a))", "body": "x ((a))"}, "ru": {"subject": "((a))", "body": "((a))", "sms": "((a))"}}}`))
	f.Add([]byte(`{"e": {"uz-Latn": {"body": "(( a )) ((b c)) ((("}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := notify.ParseTemplates(data)
		if err != nil {
			return
		}
		for _, tm := range ts {
			p := map[string]string{}
			for _, n := range tm.Placeholders() {
				p[n] = "v"
			}
			if _, _, err := tm.Render(p); err != nil {
				t.Fatalf("render with every placeholder filled: %v", err)
			}
			if names := tm.Placeholders(); len(names) > 0 {
				delete(p, names[0])
				if _, _, err := tm.Render(p); err == nil {
					t.Fatalf("render without %q succeeded", names[0])
				}
			}
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add("Hurmatli ((name)), ((ref))", "((x", "((name))")
	f.Fuzz(func(t *testing.T, subject, body, value string) {
		tm := notify.Template{Subject: subject, Body: body}
		p := map[string]string{}
		for _, n := range tm.Placeholders() {
			p[n] = value
		}
		s, b, err := tm.Render(p)
		if err != nil {
			t.Fatalf("render: %v", err)
		}
		// Each placeholder of at least five bytes becomes the value.
		if len(s) > len(subject)+len(notify.Placeholders(subject))*len(value) || len(b) > len(body)+len(notify.Placeholders(body))*len(value) {
			t.Fatalf("render grew beyond its values: %q %q", s, b)
		}
		for _, n := range tm.Placeholders() {
			if _, _, err := tm.Render(map[string]string{n + "_": value}); err == nil {
				t.Fatalf("render without %q succeeded", n)
			}
		}
	})
}
