package i18n

import (
	"slices"
	"strings"
)

// Limits on the work FromAcceptLanguage does, whatever a client sends. Real
// headers are well under a hundred bytes with a handful of ranges.
const (
	maxAcceptLen    = 4096 // bytes of the header looked at
	maxAcceptRanges = 32   // list elements looked at
)

// langRange is one element of an Accept-Language header.
type langRange struct {
	tag    string // lower case; "*" for the wildcard
	q      int    // weight in thousandths, 0–1000
	found  Locale // what lookup finds for tag, if ok
	lookup bool   // whether lookup found a locale
}

// FromAcceptLanguage returns the supported locale that the user agent prefers
// by an Accept-Language header (RFC 9110 section 12.5.4), or Default when it
// prefers none of them.
//
// Ranges are tried from the highest weight down, in header order among equal
// weights. A range is matched by lookup (RFC 4647 section 3.4): as a tag by
// ParseLocale, then with its last subtag cut off, and so on, so "uz-Arab-AF"
// falls back to uz, Uzbek in Latin script. A range that is a prefix of a
// supported tag ("uz" of uz-Cyrl) also matches it, for when the locale found
// by lookup is excluded. q=0 excludes every supported locale whose tag the
// range is a prefix of, case-insensitively ("uz;q=0" excludes both Uzbek
// locales). The wildcard "*" matches the first supported locale, in All
// order, that no other range names.
//
// A malformed list element (bad range syntax, a parameter other than q, a
// weight outside 0–1 or with more than three decimals) is ignored rather than
// spoiling the rest. Only the first 4096 bytes (up to the last comma within
// them) and the first 32 elements are read, so huge headers cost no more than
// that.
func FromAcceptLanguage(header string) Locale {
	if len(header) > maxAcceptLen {
		cut := strings.LastIndexByte(header[:maxAcceptLen], ',')
		if cut < 0 {
			return Default
		}
		header = header[:cut]
	}
	ranges := make([]langRange, 0, 8)
	for n := 0; n < maxAcceptRanges && header != ""; n++ {
		var elem string
		elem, header, _ = strings.Cut(header, ",")
		if r, ok := parseRange(elem); ok {
			ranges = append(ranges, r)
		}
	}
	slices.SortStableFunc(ranges, func(a, b langRange) int { return b.q - a.q })

	var excluded, named [numLocales]bool
	for _, r := range ranges {
		if r.tag == "*" {
			continue
		}
		for i, l := range All() {
			excluded[i] = excluded[i] || r.q == 0 && isPrefixTag(r.tag, l)
			named[i] = named[i] || r.lookup && r.found == l || isPrefixTag(r.tag, l)
		}
	}
	for _, r := range ranges {
		if r.q == 0 {
			break // sorted: every later range has q=0 too
		}
		if l, ok := pick(r, &excluded, &named); ok {
			return l
		}
	}
	return Default
}

// pick returns the locale that the range r selects among those not excluded:
// for "*" the first in All order that no range names, else the one lookup
// finds or failing that the first whose tag r is a prefix of.
func pick(r langRange, excluded, named *[numLocales]bool) (Locale, bool) {
	if r.tag == "*" {
		for i, l := range All() {
			if !excluded[i] && !named[i] {
				return l, true
			}
		}
		return "", false
	}
	if r.lookup {
		if i, _ := r.found.index(); !excluded[i] {
			return r.found, true
		}
	}
	for i, l := range All() {
		if !excluded[i] && isPrefixTag(r.tag, l) {
			return l, true
		}
	}
	return "", false
}

// lookup returns the locale for a language range by RFC 4647 lookup: the
// range as a tag, then with trailing subtags removed one at a time. Subtags
// beyond the first maxTagLen bytes are dropped at once, since no tag that long
// is supported.
func lookup(tag string) (Locale, bool) {
	if len(tag) > maxTagLen {
		tag = tag[:maxTagLen+1]
	}
	for {
		if l, ok := ParseLocale(tag); ok {
			return l, true
		}
		i := strings.LastIndexByte(tag, '-')
		if i < 0 {
			return "", false
		}
		tag = tag[:i]
	}
}

// isPrefixTag reports whether tag (lower case) is the tag of l or a prefix of
// it that ends at a subtag boundary.
func isPrefixTag(tag string, l Locale) bool {
	full := strings.ToLower(string(l))
	return full == tag || strings.HasPrefix(full, tag+"-")
}

// parseRange parses one element of the Accept-Language list:
//
//	language-range [ OWS ";" OWS "q=" qvalue ]
//
// where language-range is "*" or 1*8ALPHA *("-" 1*8alphanum). Empty elements
// and malformed ones report false.
func parseRange(elem string) (langRange, bool) {
	tag, params, hasParams := strings.Cut(elem, ";")
	tag = strings.Trim(tag, " \t")
	r := langRange{tag: strings.ToLower(tag), q: 1000}
	if !validRange(r.tag) {
		return r, false
	}
	if r.tag != "*" {
		r.found, r.lookup = lookup(r.tag)
	}
	if hasParams {
		name, value, ok := strings.Cut(strings.Trim(params, " \t"), "=")
		if !ok || !strings.EqualFold(name, "q") {
			return r, false
		}
		if r.q, ok = parseQ(value); !ok {
			return r, false
		}
	}
	return r, true
}

// validRange reports whether tag is "*" or 1*8ALPHA *("-" 1*8alphanum).
func validRange(tag string) bool {
	if tag == "*" {
		return true
	}
	first, rest, more := strings.Cut(tag, "-")
	if len(first) > 8 || !isAlpha(first) {
		return false
	}
	for more {
		var sub string
		sub, rest, more = strings.Cut(rest, "-")
		if !isAlnum(sub) {
			return false
		}
	}
	return true
}

// parseQ parses an RFC 9110 qvalue, ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "."
// 0*3("0") ] ), into thousandths.
func parseQ(s string) (int, bool) {
	if s == "" || len(s) > 5 || (s[0] != '0' && s[0] != '1') {
		return 0, false
	}
	q := int(s[0]-'0') * 1000
	if len(s) == 1 {
		return q, true
	}
	if s[1] != '.' {
		return 0, false
	}
	scale := 100
	for i := 2; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		q += int(s[i]-'0') * scale
		scale /= 10
	}
	return q, q <= 1000
}
