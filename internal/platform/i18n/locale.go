// Package i18n holds what every page, message and document needs to speak the
// user's language: the supported locales, their negotiation from a request's
// Accept-Language header, message catalogs with plural forms that modules
// contribute as JSON files, and number and date formatting.
//
// The platform speaks Uzbek in the Latin script (the default), Uzbek in the
// Cyrillic script, Russian and English. Conversion between the two Uzbek
// scripts is in the translit subpackage.
package i18n

import "strings"

// Locale is a language the platform speaks, named by its BCP 47 tag.
type Locale string

// The supported locales.
const (
	UzLatn Locale = "uz-Latn" // Uzbek, Latin script
	UzCyrl Locale = "uz-Cyrl" // Uzbek, Cyrillic script
	Ru     Locale = "ru"      // Russian
	En     Locale = "en"      // English

	// Default is used when nothing better is known: the state language in
	// its official script.
	Default = UzLatn
)

// numLocales is the number of supported locales, the length of All.
const numLocales = 4

// All returns the supported locales, the default first, in the order menus
// show them.
func All() []Locale {
	return []Locale{UzLatn, UzCyrl, Ru, En}
}

// index returns the position of l in All, or false if l is not supported.
func (l Locale) index() (int, bool) {
	switch l {
	case UzLatn:
		return 0, true
	case UzCyrl:
		return 1, true
	case Ru:
		return 2, true
	case En:
		return 3, true
	}
	return 0, false
}

// String returns the BCP 47 tag.
func (l Locale) String() string { return string(l) }

// NativeName returns the name of the language in itself, for the language
// switcher, or the tag for an unsupported locale.
func (l Locale) NativeName() string {
	switch l {
	case UzLatn:
		return "Oʻzbekcha"
	case UzCyrl:
		return "Ўзбекча"
	case Ru:
		return "Русский"
	case En:
		return "English"
	}
	return string(l)
}

// HTMLLang returns the value for <html lang> and the Content-Language header.
// The Uzbek locales keep their script subtag so that browsers, screen readers
// and search engines can tell the two scripts apart.
func (l Locale) HTMLLang() string { return string(l) }

// maxTagLen bounds the tags ParseLocale looks at; real tags are far shorter.
const maxTagLen = 64

// ParseLocale returns the supported locale that the BCP 47 language tag s
// asks for. Matching is case-insensitive and the tag must be well formed:
// language, then optional script, region, variants, extensions and private
// use subtags, joined by hyphens.
//
//   - uz with the Latn script or no script (as in uz, uz-UZ) is UzLatn, the
//     official script; uz-Cyrl (uz-Cyrl-UZ) is UzCyrl; other scripts
//     (uz-Arab) are not supported.
//   - ru and en with any region (ru-RU, ru-UZ, en-US, en-GB) and with no
//     script or their own (ru-Cyrl, en-Latn) are Ru and En.
//
// It reports false for anything else, including the empty string.
func ParseLocale(s string) (Locale, bool) {
	if len(s) == 0 || len(s) > maxTagLen {
		return "", false
	}
	lang, rest, hasRest := strings.Cut(s, "-")
	var script string
	var subtags []string
	if hasRest {
		subtags = strings.Split(rest, "-")
	}
	if len(subtags) > 0 && len(subtags[0]) == 4 && isAlpha(subtags[0]) {
		script = strings.ToLower(subtags[0])
		subtags = subtags[1:]
	}
	if len(subtags) > 0 && (len(subtags[0]) == 2 && isAlpha(subtags[0]) ||
		len(subtags[0]) == 3 && isDigits(subtags[0])) {
		subtags = subtags[1:] // region: every region is fine
	}
	if !wellFormedTail(subtags) {
		return "", false
	}
	switch {
	case strings.EqualFold(lang, "uz") && (script == "" || script == "latn"):
		return UzLatn, true
	case strings.EqualFold(lang, "uz") && script == "cyrl":
		return UzCyrl, true
	case strings.EqualFold(lang, "ru") && (script == "" || script == "cyrl"):
		return Ru, true
	case strings.EqualFold(lang, "en") && (script == "" || script == "latn"):
		return En, true
	}
	return "", false
}

// wellFormedTail reports whether the subtags after language, script and
// region are well formed by RFC 5646: variants (5–8 alphanumerics, or a digit
// and 3 alphanumerics), then extensions (a singleton other than x and one or
// more subtags of 2–8 alphanumerics), then private use (x and one or more
// subtags of 1–8 alphanumerics).
func wellFormedTail(subtags []string) bool {
	i := 0
	for i < len(subtags) && isVariant(subtags[i]) {
		i++
	}
	for i < len(subtags) {
		singleton := subtags[i]
		if len(singleton) != 1 || !isAlnum(singleton) {
			return false
		}
		i++
		if singleton == "x" || singleton == "X" {
			for _, t := range subtags[i:] {
				if !isAlnum(t) {
					return false
				}
			}
			return i < len(subtags)
		}
		start := i
		for i < len(subtags) && len(subtags[i]) >= 2 && isAlnum(subtags[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return true
}

// isVariant reports whether t is a BCP 47 variant subtag.
func isVariant(t string) bool {
	return isAlnum(t) && (len(t) >= 5 || len(t) == 4 && isDigit(t[0]))
}

// isAlpha reports whether s is non-empty ASCII letters.
func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isLetter(s[i]) {
			return false
		}
	}
	return s != ""
}

// isDigits reports whether s is non-empty ASCII digits.
func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// isAlnum reports whether s is 1–8 ASCII letters and digits.
func isAlnum(s string) bool {
	if len(s) == 0 || len(s) > 8 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && !isLetter(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
