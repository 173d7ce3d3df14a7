// Package docgen renders the result document of a state service (a duplicate
// birth certificate, a licence, a certificate of no debt …) as an A4 PDF in
// the applicant's language, with a QR code that links to the public
// verification page.
//
// The PDF is what the officer then signs with a detached CAdES signature, so
// rendering is deterministic: the same Document always gives the same bytes.
// Text is drawn with an embedded TrueType font that covers Uzbek in both
// scripts, Russian and English; a character the font cannot show is drawn as
// a visible substitute instead of vanishing.
package docgen

import (
	"bytes"
	"fmt"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
)

// Document is a result document to render. Every text is already in the
// document's language; the fixed words of the page come from the package.
type Document struct {
	// Locale is the language of the fixed words and the date; an
	// unsupported one falls back to i18n.Default.
	Locale i18n.Locale
	// Title names the document, e.g. "Tugʻilganlik haqidagi guvohnomaning
	// dublikati". Required.
	Title string
	// Number is the application number, e.g. "2026-0001234". Required.
	Number string
	// Issuer is the agency that issues the document. Required.
	Issuer string
	// IssuedAt is when the decision was made. Required: it is also the
	// PDF's creation date, which keeps the output deterministic. The date
	// printed is the calendar date in Uzbekistan (UTC+5).
	IssuedAt time.Time
	// Fields are the document's content as label/value rows, in order. A
	// value may hold line breaks.
	Fields []Field
	// Officer is who decided; empty for a service decided automatically,
	// which leaves the row out.
	Officer string
	// VerifyURL is the public verification page of this document: an
	// absolute http(s) URL, encoded in the QR code and printed under it.
	// Required.
	VerifyURL string
}

// Field is one label/value row of a document.
type Field struct{ Label, Value string }

// Limits that keep a document a document: a value longer than this is
// rejected rather than cut, since a result document must not lose content.
const (
	maxFields    = 500
	maxTextBytes = 10_000
	// maxURLBytes keeps the QR code readable at its printed size.
	maxURLBytes = 256
)

// Render returns the PDF of d. It returns an EINVALID *apperr.Error, with a
// message per field of Document, when d lacks a required field, a text is
// too long or VerifyURL is not an absolute http(s) URL.
func Render(d Document) ([]byte, error) {
	if err := d.validate(); err != nil {
		return nil, err
	}
	d.Locale = supported(d.Locale)
	p, err := newPage(d)
	if err != nil {
		return nil, fmt.Errorf("render document: %w", err)
	}
	p.document(d)
	var buf bytes.Buffer
	if err := p.pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render document: %w", err)
	}
	return buf.Bytes(), nil
}

// validate reports what makes d unrenderable, field by field.
func (d Document) validate() error {
	bad := map[string]string{}
	required := func(name, s string) {
		switch {
		case s == "":
			bad[name] = "required"
		case len(s) > maxTextBytes:
			bad[name] = "too long"
		}
	}
	required("Title", d.Title)
	required("Number", d.Number)
	required("Issuer", d.Issuer)
	if len(d.Officer) > maxTextBytes {
		bad["Officer"] = "too long"
	}
	if d.IssuedAt.IsZero() {
		bad["IssuedAt"] = "required"
	}
	if msg := checkURL(d.VerifyURL); msg != "" {
		bad["VerifyURL"] = msg
	}
	if len(d.Fields) > maxFields {
		bad["Fields"] = "too many"
	}
	for i, f := range d.Fields {
		if len(f.Label) > maxTextBytes || len(f.Value) > maxTextBytes {
			bad[fmt.Sprintf("Fields[%d]", i)] = "too long"
		}
	}
	if len(bad) > 0 {
		return apperr.Invalid("invalid document", bad)
	}
	return nil
}

// checkURL returns why s cannot be the verification URL, or "".
func checkURL(s string) string {
	if s == "" {
		return "required"
	}
	if len(s) > maxURLBytes {
		return "too long"
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		!utf8.ValidString(s) {
		return "not an absolute http(s) URL"
	}
	return ""
}
