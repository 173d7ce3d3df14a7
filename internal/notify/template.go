package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/egovuz/egov/internal/platform/i18n"
)

// Channel is a way a message reaches a person.
type Channel string

// Channels. In-app messages are always kept; SMS and e-mail go out only if
// the person has chosen them and given an address.
const (
	InApp Channel = "inapp"
	SMS   Channel = "sms"
	Email Channel = "email"
)

// Template is the text of one event's message on one channel in one
// language. Subject and Body may hold ((name)) placeholders, filled from a
// notification's personalisation as in GOV.UK Notify.
type Template struct {
	Event   string
	Channel Channel
	Locale  i18n.Locale
	Subject string
	Body    string
}

// Render fills the placeholders of the subject and body with the values in
// p. Values are inserted as plain text and never expanded again. A
// placeholder without a value is an EINVALID error naming it; values no
// placeholder uses are ignored.
func (t Template) Render(p map[string]string) (subject, body string, err error) {
	var missing []string
	subject = fill(t.Subject, p, &missing)
	body = fill(t.Body, p, &missing)
	if len(missing) > 0 {
		slices.Sort(missing)
		missing = slices.Compact(missing)
		return "", "", fmt.Errorf("notify: missing personalisation for %s: %s", t.Event, strings.Join(missing, ", "))
	}
	return subject, body, nil
}

// Placeholders returns the sorted, distinct placeholder names of the
// template's subject and body.
func (t Template) Placeholders() []string {
	var names []string
	for _, s := range []string{t.Subject, t.Body} {
		names = append(names, Placeholders(s)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// Placeholders returns the placeholder names in s in order of appearance.
func Placeholders(s string) []string {
	var names []string
	for {
		start, end, name := nextPlaceholder(s)
		if start < 0 {
			return names
		}
		names = append(names, name)
		s = s[end:]
	}
}

// nextPlaceholder finds the first ((name)) in s: name is one or more ASCII
// letters, digits or underscores, optionally padded with spaces. Anything
// else between double brackets is ordinary text. It returns start -1 when
// there is none.
func nextPlaceholder(s string) (start, end int, name string) {
	from := 0
	for {
		i := strings.Index(s[from:], "((")
		if i < 0 {
			return -1, -1, ""
		}
		i += from
		j := strings.Index(s[i+2:], "))")
		if j < 0 {
			return -1, -1, ""
		}
		inner := strings.TrimSpace(s[i+2 : i+2+j])
		if validName(inner) {
			return i, i + 2 + j + 2, inner
		}
		from = i + 1
	}
}

func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// fill replaces the placeholders of s and appends names without a value
// to missing.
func fill(s string, p map[string]string, missing *[]string) string {
	var b strings.Builder
	for {
		start, end, name := nextPlaceholder(s)
		if start < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:start])
		v, ok := p[name]
		if !ok {
			*missing = append(*missing, name)
		}
		b.WriteString(v)
		s = s[end:]
	}
}

// templateText is one language's text of an event in the template file.
// SMS, if set, replaces Body on the SMS channel, which has no subject and
// should stay short.
type templateText struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
	SMS     string `json:"sms"`
}

// ParseTemplates reads a template file: a JSON object mapping each event to
// an object mapping each language to its subject, body and optional short
// SMS text. It returns one Template per event, channel and language, sorted,
// and an error for unknown fields or languages, empty bodies, or placeholder
// sets that differ between the languages of an event.
func ParseTemplates(data []byte) ([]Template, error) {
	var raw map[string]map[string]templateText
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parse templates: trailing data")
	}
	var out []Template
	for event, langs := range raw {
		if event == "" {
			return nil, errors.New("parse templates: empty event name")
		}
		var want []string
		first := true
		for _, loc := range i18n.All() {
			txt, ok := langs[string(loc)]
			if !ok {
				continue
			}
			if strings.TrimSpace(txt.Body) == "" {
				return nil, fmt.Errorf("parse templates: %s %s: empty body", event, loc)
			}
			sms := txt.SMS
			if sms == "" {
				sms = txt.Body
			}
			ts := []Template{
				{Event: event, Channel: InApp, Locale: loc, Subject: txt.Subject, Body: txt.Body},
				{Event: event, Channel: Email, Locale: loc, Subject: txt.Subject, Body: txt.Body},
				{Event: event, Channel: SMS, Locale: loc, Body: sms},
			}
			for _, t := range ts {
				got := t.Placeholders()
				if first {
					want, first = got, false
				} else if !slices.Equal(got, want) {
					return nil, fmt.Errorf("parse templates: %s %s %s: placeholders %v, want %v", event, t.Channel, loc, got, want)
				}
			}
			out = append(out, ts...)
		}
		for l := range langs {
			if !slices.Contains(i18n.All(), i18n.Locale(l)) {
				return nil, fmt.Errorf("parse templates: %s: unknown language %q", event, l)
			}
		}
		if first {
			return nil, fmt.Errorf("parse templates: %s: no languages", event)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Event != b.Event {
			return a.Event < b.Event
		}
		if a.Channel != b.Channel {
			return a.Channel < b.Channel
		}
		return a.Locale < b.Locale
	})
	return out, nil
}

// templateKey finds a template by event, channel and language.
type templateKey struct {
	event   string
	channel Channel
	locale  i18n.Locale
}

// templateSet holds the parsed templates for lookup.
type templateSet map[templateKey]Template

func newTemplateSet(ts []Template) templateSet {
	s := make(templateSet, len(ts))
	for _, t := range ts {
		s[templateKey{t.Event, t.Channel, t.Locale}] = t
	}
	return s
}

// find returns the template for the event and channel in loc, or in the
// default language when loc has none. It returns EINVALID for an unknown
// event.
func (s templateSet) find(event string, ch Channel, loc i18n.Locale) (Template, error) {
	if t, ok := s[templateKey{event, ch, loc}]; ok {
		return t, nil
	}
	if t, ok := s[templateKey{event, ch, i18n.Default}]; ok {
		return t, nil
	}
	return Template{}, fmt.Errorf("notify: no template for event %q", event)
}
