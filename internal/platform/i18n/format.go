package i18n

import (
	"strconv"
	"strings"
	"time"
)

// FormatInt formats n with its digits grouped in threes, as each language
// writes numbers: with a no-break space (U+00A0) in Uzbek and Russian, so
// that a number never breaks across lines ("1 234 567"), and with a comma in
// English ("1,234,567"). Negative numbers start with "-". An unsupported
// locale is formatted as Default.
func FormatInt(loc Locale, n int64) string {
	mag := uint64(n)
	if n < 0 {
		mag = -mag // two's complement: right for math.MinInt64 too
	}
	digits := strconv.FormatUint(mag, 10)
	if len(digits) <= 3 {
		return strconv.FormatInt(n, 10)
	}
	sep := "\u00a0"
	if loc == En {
		sep = ","
	}
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/3*len(sep) + 1)
	if n < 0 {
		b.WriteByte('-')
	}
	lead := len(digits) % 3
	if lead == 0 {
		lead = 3
	}
	b.WriteString(digits[:lead])
	for i := lead; i < len(digits); i += 3 {
		b.WriteString(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// FormatDate formats the calendar date of t, in t's own location, as a long
// date in loc (callers convert to the user's time zone first):
//
//	uz-Latn  2026-yil 23-noyabr
//	uz-Cyrl  2026 йил 23 ноябр
//	ru       23 ноября 2026 г.    (month in the genitive)
//	en       23 November 2026
//
// An unsupported locale is formatted as Default.
func FormatDate(loc Locale, t time.Time) string {
	year, month, day := t.Date()
	y, d := strconv.Itoa(year), strconv.Itoa(day)
	switch loc {
	case UzCyrl:
		return y + " йил " + d + " " + monthName(loc, month)
	case Ru:
		return d + " " + monthName(loc, month) + " " + y + " г."
	case En:
		return d + " " + monthName(loc, month) + " " + y
	}
	return y + "-yil " + d + "-" + monthName(UzLatn, month)
}

// monthName returns the name of month m as it stands in a date of loc: lower
// case in Uzbek, genitive lower case in Russian, capitalised in English.
func monthName(loc Locale, m time.Month) string {
	var names [12]string
	switch loc {
	case UzCyrl:
		names = [12]string{"январ", "феврал", "март", "апрел", "май", "июн",
			"июл", "август", "сентябр", "октябр", "ноябр", "декабр"}
	case Ru:
		names = [12]string{"января", "февраля", "марта", "апреля", "мая", "июня",
			"июля", "августа", "сентября", "октября", "ноября", "декабря"}
	case En:
		names = [12]string{"January", "February", "March", "April", "May", "June",
			"July", "August", "September", "October", "November", "December"}
	default:
		names = [12]string{"yanvar", "fevral", "mart", "aprel", "may", "iyun",
			"iyul", "avgust", "sentabr", "oktabr", "noyabr", "dekabr"}
	}
	return names[m-1]
}
