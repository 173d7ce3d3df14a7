// Package translit converts Uzbek text between the Latin alphabet (the 1995
// alphabet as spelled today, with oʻ, gʻ, sh, ch and the tutuq belgisi ʼ) and
// the Cyrillic alphabet, and folds text in either script to one search key.
//
// The portal stores and shows Uzbek in both scripts, and citizens type either
// one (often with whatever apostrophe their keyboard offers), so conversion and
// search must agree on one set of rules. Every function scans its input
// forward once (looking a few runes ahead, or to the end of the word for the
// foreign-word rule), so its cost is linear; none uses regular expressions or
// panics, and each returns valid UTF-8: invalid input bytes come out as
// U+FFFD.
//
// # Latin to Cyrillic (ToCyrillic)
//
//   - oʻ → ў, gʻ → ғ, with any apostrophe variant after o or g (see below);
//     sh → ш, ch → ч; ng stays нг.
//   - yo → ё, yu → ю, ya → я, except y before oʻ ("yoʻl" → "йўл"), where y is й.
//   - ye → е at word start, after a vowel and after an apostrophe ("yer" → "ер",
//     "poyezd" → "поезд"); after a consonant it becomes ъе, the only way Cyrillic
//     Uzbek writes that sound there ("obyekt" → "объект").
//   - e → э at word start, after a vowel and after an apostrophe ("eshik" →
//     "эшик", "poeziya" → "поэзия"), else е ("mehnat" → "меҳнат").
//   - ts → ц only where it spells the Russian ц in the loan words Uzbek Latin
//     still writes with ts: at word start not before h ("tsirk" → "цирк"), or
//     after a vowel when followed by e or by i plus a vowel or y ("litsey" →
//     "лицей", "protsent" → "процент", "militsiya" → "милиция", "natsional" →
//     "национал"). Everywhere else ts is т+с, which keeps native verb forms
//     right ("ketsa" → "кетса", "aytsin" → "айтсин", "otsiz" → "отсиз").
//   - x → х, h → ҳ, q → қ, j → ж, y → й, the other letters one to one.
//   - An apostrophe not taken by oʻ/gʻ is the tutuq belgisi and becomes ъ when
//     it stands between two letters ("maʼno" → "маъно", "sanʼat" → "санъат"),
//     or when it is U+02BC and follows a letter ("manʼ" → "манъ"). Between s
//     and h it only separates them and is dropped ("Isʼhoq" → "Исҳоқ"). Any
//     other apostrophe is punctuation (a quotation mark) and is kept.
//   - Apostrophe variants accepted everywhere: ' (U+0027), ` (U+0060),
//     ʻ (U+02BB), ʼ (U+02BC), ‘ (U+2018), ’ (U+2019).
//   - A word that holds a letter Uzbek Latin does not use (c outside ch, w,
//     or any letter beyond ASCII such as é or ü) is a foreign name or brand
//     and is copied whole: "Windows", "Uzcard", "Müller". A word here is a
//     run of letters and apostrophes.
//   - Case: a digraph takes the case of its first letter, so "Sh", "SH" and the
//     "Sh" inside "ShAHAR" all become Ш; every other letter keeps its case. A
//     ъ from the tutuq is upper case only between two upper-case letters (or
//     after one at the end of a word).
//   - Everything else (digits, punctuation, Cyrillic, other scripts) is copied.
//
// # Cyrillic to Latin (ToLatin)
//
//   - ў → oʻ and ғ → gʻ with U+02BB (turned comma); ш → sh, ч → ch, ё → yo,
//     ю → yu, я → ya, ж → j, й → y, х → x, ҳ → h, қ → q, э → e.
//   - е → ye at word start, after a vowel, after ъ or ь and after an
//     apostrophe; else e ("ер" → "yer", "поезд" → "poyezd", "мактаб" stays).
//   - ц → ts after a vowel, else (word start, after a consonant) s: "лицей" →
//     "litsey", "цирк" → "sirk", "концерт" → "konsert".
//   - ъ → ʼ (U+02BC), except before е, ё, ю, я, whose y already carries the
//     sound ("объект" → "obyekt", "съезд" → "syezd"). с before ҳ is written
//     sʼh so that it cannot be read as sh ("Исҳоқ" → "Isʼhoq").
//   - ь is dropped ("июнь" → "iyun"). Russian-only letters: щ → shch, ы → i.
//     Other Cyrillic letters (Ukrainian, Kazakh, Karakalpak …) are copied.
//   - Case: a letter written as two or more Latin letters is all upper case
//     when the word is in capitals (the next letter is upper case, or it is the
//     word's last letter and the one before is upper case: "ШАҲАР" → "SHAHAR",
//     "ТОШ" → "TOSH"), else only its first letter is ("Шаҳар" → "Shahar").
//   - Everything else (digits, punctuation, Latin, other scripts) is copied.
//
// Latin text converted to Cyrillic and back gives its canonical spelling, with
// U+02BB in oʻ/gʻ and U+02BC for the tutuq. The other direction cannot always
// round-trip, because the Latin alphabet merges what Cyrillic keeps apart:
// "цирк" → "sirk" → "сирк", "район" → "rayon" → "раён".
package translit

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// eos is what runeAt returns past the end of the input; it is no rune.
const eos rune = -1

// Canonical Latin marks written by ToLatin.
const (
	turnedComma = 'ʻ' // U+02BB, the mark of oʻ and gʻ
	apostrophe  = 'ʼ' // U+02BC, the tutuq belgisi
)

// runeAt decodes the rune at byte offset i of s and its width, or eos and 0
// at the end. Invalid bytes decode as utf8.RuneError with width 1.
func runeAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return eos, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

// isApostrophe reports whether r is one of the marks people type for oʻ, gʻ
// and the tutuq belgisi.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', turnedComma, apostrophe, '‘', '’':
		return true
	}
	return false
}

// isLetter reports whether r is a letter other than an apostrophe variant
// (U+02BB and U+02BC are modifier letters to Unicode).
func isLetter(r rune) bool {
	return r >= 0 && unicode.IsLetter(r) && !isApostrophe(r)
}

// isUpper reports whether r is an upper-case letter.
func isUpper(r rune) bool {
	return r >= 0 && unicode.IsUpper(r)
}

// lowerASCII returns the lower-case form of an ASCII letter and r otherwise.
func lowerASCII(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + ('a' - 'A')
	}
	return r
}

// toLower returns the lower-case form of r, with fast paths for ASCII and the
// Cyrillic letters Uzbek uses.
func toLower(r rune) rune {
	switch {
	case r < utf8.RuneSelf:
		return lowerASCII(r)
	case r >= 'А' && r <= 'Я':
		return r + ('а' - 'А')
	case r >= 'Ѐ' && r <= 'Џ': // Ё, Ў …
		return r + ('ѐ' - 'Ѐ')
	case r >= 'Ҋ' && r <= 'ҿ': // Ғ, Қ, Ҳ …: upper even, lower odd
		return r | 1
	}
	return unicode.ToLower(r)
}

// toUpper returns the upper-case form of r, with fast paths for the
// Cyrillic letters Uzbek uses.
func toUpper(r rune) rune {
	switch {
	case r >= 'а' && r <= 'я':
		return r - ('а' - 'А')
	case r >= 'ѐ' && r <= 'џ': // ё, ў …
		return r - ('ѐ' - 'Ѐ')
	case r >= 'Ҋ' && r <= 'ҿ': // ғ, қ, ҳ …
		return r &^ 1
	}
	return unicode.ToUpper(r)
}

// isVowel reports whether the lower-case rune r is a vowel letter of either
// script, for the rules that depend on the preceding sound.
func isVowel(r rune) bool {
	switch r {
	case 'a', 'e', 'i', 'o', 'u',
		'а', 'е', 'ё', 'и', 'о', 'у', 'э', 'ю', 'я', 'ў', 'ы':
		return true
	}
	return false
}

// class is what came just before the current position, as far as the
// context-dependent rules (e, ye, ts, ц, е) care.
type class uint8

const (
	boundary  class = iota // start of text or a rune that is no letter
	vowel                  // a vowel letter
	consonant              // any other letter
	mark                   // an apostrophe variant, ъ or ь
)

// classify returns the class of a rune that is copied unchanged.
func classify(r rune) class {
	switch {
	case isApostrophe(r):
		return mark
	case isLetter(r):
		if isVowel(toLower(r)) {
			return vowel
		}
		return consonant
	}
	return boundary
}

// cyrillicOf returns the Cyrillic letter for a lower-case ASCII Uzbek letter
// that maps one to one, or eos for c, e and w, which ToCyrillic handles itself.
func cyrillicOf(c rune) rune {
	switch c {
	case 'a':
		return 'а'
	case 'b':
		return 'б'
	case 'd':
		return 'д'
	case 'f':
		return 'ф'
	case 'g':
		return 'г'
	case 'h':
		return 'ҳ'
	case 'i':
		return 'и'
	case 'j':
		return 'ж'
	case 'k':
		return 'к'
	case 'l':
		return 'л'
	case 'm':
		return 'м'
	case 'n':
		return 'н'
	case 'o':
		return 'о'
	case 'p':
		return 'п'
	case 'q':
		return 'қ'
	case 'r':
		return 'р'
	case 's':
		return 'с'
	case 't':
		return 'т'
	case 'u':
		return 'у'
	case 'v':
		return 'в'
	case 'x':
		return 'х'
	case 'y':
		return 'й'
	case 'z':
		return 'з'
	}
	return eos
}

// ToCyrillic converts Uzbek Latin text to Uzbek Cyrillic by the rules in the
// package documentation.
func ToCyrillic(s string) string {
	var b strings.Builder
	b.Grow(2 * len(s))
	prev := boundary
	prevUpper := false // the last letter was upper case
	afterS := false    // the last letter was a plain s (not part of sh)
	inWord := false    // the last rune was a letter or a tutuq after one
	put := func(r rune, upper bool) {
		if upper {
			r = toUpper(r)
		}
		b.WriteRune(r)
	}
	for i := 0; i < len(s); {
		r, w := runeAt(s, i)
		i += w
		c := lowerASCII(r)
		if c < 'a' || c > 'z' {
			if !isApostrophe(r) {
				b.WriteRune(r)
				prev = classify(r)
				prevUpper = isUpper(r)
				afterS = false
				inWord = prev != boundary
				continue
			}
			next, _ := runeAt(s, i)
			wordBefore := prev == vowel || prev == consonant
			inWord = wordBefore
			switch {
			case wordBefore && afterS && lowerASCII(next) == 'h':
				// The separator in sʼh: drop it so that h stays ҳ.
				afterS = false
				continue
			case wordBefore && isLetter(next):
				put('ъ', prevUpper && isUpper(next))
			case wordBefore && r == apostrophe:
				put('ъ', prevUpper)
			default:
				b.WriteRune(r)
			}
			prev, prevUpper, afterS = mark, false, false
			continue
		}

		if !inWord {
			inWord = true
			if end, foreign := foreignWord(s, i-w); foreign {
				b.WriteString(s[i-w : end])
				i = end
				prev, prevUpper, afterS = consonant, false, false
				continue
			}
		}
		upper := r != c
		next, nw := runeAt(s, i)
		n := lowerASCII(next)
		cls := consonant
		afterS = false
		switch {
		case (c == 'o' || c == 'g') && isApostrophe(next):
			i += nw
			if c == 'o' {
				put('ў', upper)
				cls = vowel
			} else {
				put('ғ', upper)
			}
		case (c == 's' || c == 'c') && n == 'h':
			i += nw
			if c == 's' {
				put('ш', upper)
			} else {
				put('ч', upper)
			}
		case c == 'y' && (n == 'o' || n == 'u' || n == 'a' || n == 'e'):
			if after, _ := runeAt(s, i+nw); n == 'o' && isApostrophe(after) {
				put('й', upper) // yoʻ: y is й, oʻ is ў
				break
			}
			i += nw
			cls = vowel
			switch n {
			case 'o':
				put('ё', upper)
			case 'u':
				put('ю', upper)
			case 'a':
				put('я', upper)
			default:
				if prev == consonant {
					put('ъ', upper)
				}
				put('е', upper)
			}
		case c == 't' && n == 's' && tsIsTse(prev, s, i+nw):
			i += nw
			put('ц', upper)
		case c == 'e':
			cls = vowel
			if prev == consonant {
				put('е', upper)
			} else {
				put('э', upper)
			}
		case c == 'c' || c == 'w':
			b.WriteRune(r) // only reached inside a word begun in another script
		default:
			if isVowel(c) {
				cls = vowel
			}
			afterS = c == 's'
			put(cyrillicOf(c), upper)
		}
		prev, prevUpper = cls, upper
	}
	return b.String()
}

// foreignWord returns the end of the word that starts at byte offset i of s
// and whether it holds a letter that Uzbek Latin does not use.
func foreignWord(s string, i int) (end int, foreign bool) {
	for i < len(s) {
		r, w := runeAt(s, i)
		switch {
		case isApostrophe(r):
		case !isLetter(r):
			return i, foreign
		case r >= utf8.RuneSelf:
			foreign = true
		default:
			switch lowerASCII(r) {
			case 'w':
				foreign = true
			case 'c':
				next, _ := runeAt(s, i+w)
				foreign = foreign || lowerASCII(next) != 'h'
			}
		}
		i += w
	}
	return i, foreign
}

// tsIsTse reports whether a Latin ts, after a rune of class prev and followed
// by the text at byte offset j, spells the Russian ц (see the package
// documentation).
func tsIsTse(prev class, s string, j int) bool {
	r, w := runeAt(s, j)
	r = lowerASCII(r)
	switch prev {
	case boundary:
		return r != 'h'
	case vowel:
		if r == 'e' {
			return true
		}
		if r == 'i' {
			after, _ := runeAt(s, j+w)
			after = lowerASCII(after)
			return after == 'y' || isVowel(after)
		}
	}
	return false
}

// ToLatin converts Uzbek Cyrillic text to Uzbek Latin by the rules in the
// package documentation, writing U+02BB in oʻ and gʻ and U+02BC for the
// tutuq belgisi.
func ToLatin(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/4)
	toLatin(&b, s, false)
	return b.String()
}

// toLatin writes the Latin form of s to b. With fold set it writes the search
// key instead: letters in lower case, no apostrophes or oʻ/gʻ marks, and runs
// of white space as one space with none at either end.
func toLatin(b *strings.Builder, s string, fold bool) {
	prev := boundary
	prevUpper := false
	space := false // fold: a space is due before the next output
	// emit writes lat, upper-casing its first ASCII letter if title is set
	// and all of them if caps is set.
	emit := func(lat string, title, caps bool) {
		if lat == "" {
			return
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		if !title && !caps {
			b.WriteString(lat)
			return
		}
		for i := 0; i < len(lat); i++ {
			c := lat[i]
			if c >= 'a' && c <= 'z' && (caps || i == 0) {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
		}
	}
	for i := 0; i < len(s); {
		r, w := runeAt(s, i)
		i += w
		if fold {
			if unicode.IsSpace(r) {
				space = b.Len() > 0
				prev, prevUpper = boundary, false
				continue
			}
			r = toLower(r)
		}
		lr := toLower(r)
		upper := lr != r
		next, _ := runeAt(s, i)
		cls := consonant
		var lat string
		switch lr {
		case 'а':
			lat, cls = "a", vowel
		case 'б':
			lat = "b"
		case 'в':
			lat = "v"
		case 'г':
			lat = "g"
		case 'д':
			lat = "d"
		case 'е':
			lat, cls = "e", vowel
			if prev != consonant {
				lat = "ye"
			}
		case 'ё':
			lat, cls = "yo", vowel
		case 'ж':
			lat = "j"
		case 'з':
			lat = "z"
		case 'и':
			lat, cls = "i", vowel
		case 'й':
			lat = "y"
		case 'к':
			lat = "k"
		case 'л':
			lat = "l"
		case 'м':
			lat = "m"
		case 'н':
			lat = "n"
		case 'о':
			lat, cls = "o", vowel
		case 'п':
			lat = "p"
		case 'р':
			lat = "r"
		case 'с':
			lat = "s"
			if toLower(next) == 'ҳ' && !fold {
				lat = "sʼ"
			}
		case 'т':
			lat = "t"
		case 'у':
			lat, cls = "u", vowel
		case 'ф':
			lat = "f"
		case 'х':
			lat = "x"
		case 'ц':
			lat = "s"
			if prev == vowel {
				lat = "ts"
			}
		case 'ч':
			lat = "ch"
		case 'ш':
			lat = "sh"
		case 'щ':
			lat = "shch"
		case 'ъ':
			cls = mark
			switch toLower(next) {
			case 'е', 'ё', 'ю', 'я':
			default:
				if !fold {
					lat = "ʼ"
				}
			}
		case 'ы':
			lat, cls = "i", vowel
		case 'ь':
			cls = mark
		case 'э':
			lat, cls = "e", vowel
		case 'ю':
			lat, cls = "yu", vowel
		case 'я':
			lat, cls = "ya", vowel
		case 'ў':
			lat, cls = "oʻ", vowel
			if fold {
				lat = "o"
			}
		case 'қ':
			lat = "q"
		case 'ғ':
			lat = "gʻ"
			if fold {
				lat = "g"
			}
		case 'ҳ':
			lat = "h"
		default:
			cls = classify(r)
			if !fold || cls != mark {
				if space {
					b.WriteByte(' ')
					space = false
				}
				b.WriteRune(r)
			}
			prev, prevUpper = cls, isUpper(r)
			continue
		}
		caps := upper && (isUpper(next) || !isLetter(next) && prevUpper)
		emit(lat, upper, caps)
		prev, prevUpper = cls, upper
	}
}

// Fold returns the search key of s, so that a text matches whichever Uzbek
// script and apostrophes it or the query was written with. The rule:
//
//  1. Every letter is lower-cased (as by unicode.ToLower).
//  2. Cyrillic is converted to Latin as by ToLatin, except that ў and ғ give
//     plain o and g, ъ and ь give nothing and сҳ gives sh.
//  3. Every apostrophe variant (' ` ʻ ʼ ‘ ’) is removed, wherever it stands:
//     "Oʻzbekiston", "O'zbekiston", "Ozbekiston" and "Ўзбекистон" all fold to
//     "ozbekiston"; "maʼno" and "маъно" to "mano".
//  4. Each run of white space (unicode.IsSpace, so no-break spaces too)
//     becomes one space; none is kept at either end.
//  5. A ts not preceded by a letter becomes s, the official spelling of a
//     word-initial ц, so "tsirk", "sirk" and "цирк" meet at "sirk".
//
// Digits, punctuation and other scripts are kept (lower-cased). Fold is
// idempotent, Fold(Fold(s)) == Fold(s), and for Latin text typed with ASCII
// letters, spaces and apostrophes of any kind it does not depend on the
// script: Fold(ToCyrillic(s)) == Fold(s).
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	toLatin(&b, s, true)
	key := b.String()
	if !strings.Contains(key, "ts") {
		return key
	}
	b.Reset()
	b.Grow(len(key))
	for i := 0; i < len(key); i++ {
		if key[i] == 't' && i+1 < len(key) && key[i+1] == 's' {
			if before, _ := utf8.DecodeLastRuneInString(key[:i]); i == 0 || !isLetter(before) {
				continue // drop the t of a word-initial ts
			}
		}
		b.WriteByte(key[i])
	}
	return b.String()
}
