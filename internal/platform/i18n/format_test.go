package i18n

import (
	"math"
	"testing"
	"time"
)

func TestFormatInt(t *testing.T) {
	const nbsp = "\u00a0"
	tests := []struct {
		loc  Locale
		n    int64
		want string
	}{
		{En, 0, "0"},
		{En, 7, "7"},
		{En, 999, "999"},
		{En, -999, "-999"},
		{En, 1000, "1,000"},
		{En, 12345, "12,345"},
		{En, 1234567, "1,234,567"},
		{En, -1234567, "-1,234,567"},
		{En, math.MaxInt64, "9,223,372,036,854,775,807"},
		{En, math.MinInt64, "-9,223,372,036,854,775,808"},
		{UzLatn, 700, "700"},
		{UzLatn, 1000, "1" + nbsp + "000"},
		{UzLatn, 1234567, "1" + nbsp + "234" + nbsp + "567"},
		{UzCyrl, 100000, "100" + nbsp + "000"},
		{Ru, 1234, "1" + nbsp + "234"},
		{Ru, -1234, "-1" + nbsp + "234"},
		{Ru, math.MinInt64, "-9" + nbsp + "223" + nbsp + "372" + nbsp + "036" + nbsp + "854" + nbsp + "775" + nbsp + "808"},
		{Locale("fr"), 1000, "1" + nbsp + "000"}, // unsupported: Default
	}
	for _, tt := range tests {
		if got := FormatInt(tt.loc, tt.n); got != tt.want {
			t.Errorf("FormatInt(%s, %d) = %q, want %q", tt.loc, tt.n, got, tt.want)
		}
	}
}

// dateCase is one FormatDate expectation.
type dateCase struct {
	loc  Locale
	t    time.Time
	want string
}

func TestFormatDate(t *testing.T) {
	tashkent := time.FixedZone("UZT", 5*60*60)
	nov23 := time.Date(2026, time.November, 23, 15, 4, 5, 0, time.UTC)
	tests := []dateCase{
		{En, nov23, "23 November 2026"},
		{Ru, nov23, "23 ноября 2026 г."},
		{UzLatn, nov23, "2026-yil 23-noyabr"},
		{UzCyrl, nov23, "2026 йил 23 ноябр"},
		{Locale(""), nov23, "2026-yil 23-noyabr"},
		// The date is the one in t's location.
		{En, time.Date(2026, time.December, 31, 20, 0, 0, 0, time.UTC).In(tashkent), "1 January 2027"},
	}
	months := []struct {
		m                      time.Month
		uzLatn, uzCyrl, ru, en string
	}{
		{time.January, "yanvar", "январ", "января", "January"},
		{time.February, "fevral", "феврал", "февраля", "February"},
		{time.March, "mart", "март", "марта", "March"},
		{time.April, "aprel", "апрел", "апреля", "April"},
		{time.May, "may", "май", "мая", "May"},
		{time.June, "iyun", "июн", "июня", "June"},
		{time.July, "iyul", "июл", "июля", "July"},
		{time.August, "avgust", "август", "августа", "August"},
		{time.September, "sentabr", "сентябр", "сентября", "September"},
		{time.October, "oktabr", "октябр", "октября", "October"},
		{time.November, "noyabr", "ноябр", "ноября", "November"},
		{time.December, "dekabr", "декабр", "декабря", "December"},
	}
	for _, m := range months {
		d := time.Date(2025, m.m, 5, 0, 0, 0, 0, time.UTC)
		tests = append(tests,
			dateCase{UzLatn, d, "2025-yil 5-" + m.uzLatn},
			dateCase{UzCyrl, d, "2025 йил 5 " + m.uzCyrl},
			dateCase{Ru, d, "5 " + m.ru + " 2025 г."},
			dateCase{En, d, "5 " + m.en + " 2025"},
		)
	}
	for _, tt := range tests {
		if got := FormatDate(tt.loc, tt.t); got != tt.want {
			t.Errorf("FormatDate(%s, %v) = %q, want %q", tt.loc, tt.t, got, tt.want)
		}
	}
}
