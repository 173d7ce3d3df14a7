// Package text shortens and cleans strings that come from outside (error
// messages, user agents, uploaded files) before they are stored or shown,
// without ever cutting a character in two.
package text

import (
	"strings"
	"unicode/utf8"
)

// Cut returns s shortened to at most n bytes, on a character boundary.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// Clip is Cut that marks a cut with "…" (which the n bytes do not count).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return Cut(s, n) + "…"
}

// Storable makes s fit a text column of every database: valid UTF-8,
// without NUL (PostgreSQL accepts neither), clipped to n bytes.
func Storable(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return Clip(strings.ReplaceAll(s, "\x00", ""), n)
}
