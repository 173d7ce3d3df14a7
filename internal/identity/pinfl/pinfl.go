// Package pinfl parses and checks the identifiers that the state registries
// assign to people and organisations: the PINFL (JShShIR) of a natural person
// and the STIR (INN) of a taxpayer. Input comes from users and from other
// agencies, so every rule failure is an *apperr.Error with code EINVALID and a
// message key the UI translates; the keys are exported as constants.
package pinfl

import (
	"fmt"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Message keys of PINFL errors, for translation catalogs.
const (
	MsgPINFLLength   = "identity.pinfl.length"   // not 14 characters
	MsgPINFLDigits   = "identity.pinfl.digits"   // a character that is not an ASCII digit
	MsgPINFLCentury  = "identity.pinfl.century"  // first digit outside 1–6
	MsgPINFLDate     = "identity.pinfl.date"     // digits 2–7 are not a calendar date
	MsgPINFLFuture   = "identity.pinfl.future"   // birth date after today
	MsgPINFLChecksum = "identity.pinfl.checksum" // check digit does not match
)

// pinflLen is the number of digits of a PINFL.
const pinflLen = 14

// Sex is the sex encoded in the first digit of a PINFL.
type Sex int8

// The sexes a PINFL distinguishes. The zero Sex is unknown.
const (
	Male Sex = iota + 1
	Female
)

// String returns "male", "female" or "" for an unknown Sex; the values suit
// i18n keys and logs.
func (s Sex) String() string {
	switch s {
	case Male:
		return "male"
	case Female:
		return "female"
	}
	return ""
}

// PINFL is a valid personal identification number of a natural person
// (jismoniy shaxsning shaxsiy identifikatsiya raqami, JShShIR). Its 14 digits
// are:
//
//	digit  1      sex and century of birth: 1 male/2 female born 1800–1899,
//	              3/4 born 1900–1999, 5/6 born 2000–2099
//	digits 2–7    date of birth, DDMMYY
//	digits 8–10   code of the district that registered the person
//	digits 11–13  serial number within the district and date
//	digit  14     check digit (see CheckDigit)
//
// The zero PINFL is not a valid number: String returns "", BirthDate the zero
// time and Sex the zero Sex. Values are comparable with ==.
type PINFL struct {
	s string
}

// ParsePINFL returns the PINFL written in s, which may be surrounded by
// white space. It refuses, with an EINVALID *apperr.Error whose Message is one
// of the MsgPINFL keys, anything that is not exactly 14 ASCII digits, a first
// digit outside 1–6, a birth date that does not exist in the calendar or is
// later than the calendar date of now in now's location (pass now in
// Asia/Tashkent to count a child born after local midnight as born today),
// and a wrong check digit. The checks run in that order, so the most specific
// message wins.
func ParsePINFL(s string, now time.Time) (PINFL, error) {
	s = strings.TrimSpace(s)
	if !allDigits(s) {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLDigits)
	}
	if len(s) != pinflLen {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLLength)
	}
	first := int(s[0] - '0')
	if first < 1 || first > 6 {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLCentury)
	}
	birth, ok := birthDate(s)
	if !ok {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLDate)
	}
	y, m, d := now.Date()
	if birth.After(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)) {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLFuture)
	}
	if !VerifyCheckDigit(s) {
		return PINFL{}, apperr.New(apperr.EINVALID, MsgPINFLChecksum)
	}
	return PINFL{s: s}, nil
}

// CheckDigit returns the check digit of a PINFL whose first 13 digits are
// given, and false if first13 is not 13 ASCII digits.
//
// The algorithm is the one commonly documented for the PINFL, not one taken
// from a published regulation: the 13 digits are multiplied by the weights
// 7, 3, 1, 7, 3, 1, … from the left, and the check digit is the sum modulo 10.
// If the population registry turns out to issue numbers this rule rejects,
// VerifyCheckDigit is the one place to relax.
func CheckDigit(first13 string) (int, bool) {
	if len(first13) != pinflLen-1 || !allDigits(first13) {
		return 0, false
	}
	weights := [3]int{7, 3, 1}
	sum := 0
	for i := range len(first13) {
		sum += int(first13[i]-'0') * weights[i%3]
	}
	return sum % 10, true
}

// VerifyCheckDigit reports whether s is 14 ASCII digits whose last digit is
// the CheckDigit of the first 13. ParsePINFL uses it as its last rule, kept
// separate so that it can be relaxed on its own.
func VerifyCheckDigit(s string) bool {
	if len(s) != pinflLen {
		return false
	}
	want, ok := CheckDigit(s[:pinflLen-1])
	return ok && int(s[pinflLen-1]-'0') == want
}

// GeneratePINFL returns the PINFL of a person of the given sex born on the
// calendar date of birth (in birth's location), registered in district
// (0–999) with serial (0–999), with a correct check digit. It is meant for
// demo data and tests. It panics if the birth year is outside 1800–2099, sex
// is neither Male nor Female, or district or serial is outside 0–999: these
// are programming errors, not input errors.
func GeneratePINFL(birth time.Time, sex Sex, district, serial int) PINFL {
	y, m, d := birth.Date()
	if y < 1800 || y > 2099 {
		panic(fmt.Sprintf("pinfl: birth year %d outside 1800–2099", y))
	}
	if sex != Male && sex != Female {
		panic(fmt.Sprintf("pinfl: unknown sex %d", sex))
	}
	if district < 0 || district > 999 || serial < 0 || serial > 999 {
		panic(fmt.Sprintf("pinfl: district %d or serial %d outside 0–999", district, serial))
	}
	first := 2*((y-1800)/100) + 1
	if sex == Female {
		first++
	}
	s := fmt.Sprintf("%d%02d%02d%02d%03d%03d", first, d, int(m), y%100, district, serial)
	c, _ := CheckDigit(s)
	return PINFL{s: s + string(rune('0'+c))}
}

// String returns the 14 digits.
func (p PINFL) String() string { return p.s }

// BirthDate returns the date of birth at midnight UTC.
func (p PINFL) BirthDate() time.Time {
	t, _ := birthDate(p.s)
	return t
}

// Sex returns the sex encoded in the first digit: odd digits are male, even
// ones female.
func (p PINFL) Sex() Sex {
	if p.s == "" {
		return 0
	}
	if (p.s[0]-'0')%2 == 1 {
		return Male
	}
	return Female
}

// birthDate decodes the century from digit 1 and DDMMYY from digits 2–7 of a
// string of at least 7 ASCII digits. It reports false for a first digit
// outside 1–6 and for dates that do not exist, such as 31 April or 29 February
// of a non-leap year.
func birthDate(s string) (time.Time, bool) {
	if len(s) < 7 {
		return time.Time{}, false
	}
	first := int(s[0] - '0')
	if first < 1 || first > 6 {
		return time.Time{}, false
	}
	century := 1800 + 100*((first-1)/2)
	day := twoDigits(s[1:3])
	month := twoDigits(s[3:5])
	year := century + twoDigits(s[5:7])
	t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
	// time.Date normalises 31 April to 1 May; a real date survives unchanged.
	if t.Day() != day || int(t.Month()) != month || t.Year() != year {
		return time.Time{}, false
	}
	return t, true
}

// twoDigits returns the value of two ASCII digits.
func twoDigits(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }

// allDigits reports whether every byte of s is an ASCII digit; it is true for
// the empty string.
func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
