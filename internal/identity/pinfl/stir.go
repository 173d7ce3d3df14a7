package pinfl

import (
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Message keys of STIR errors, for translation catalogs.
const (
	MsgSTIRLength = "identity.stir.length" // not 9 characters
	MsgSTIRDigits = "identity.stir.digits" // a character that is not an ASCII digit
	MsgSTIRPrefix = "identity.stir.prefix" // first digit 0 or 1
)

// stirLen is the number of digits of a STIR.
const stirLen = 9

// STIR is a syntactically valid taxpayer identification number (soliq
// to'lovchining identifikatsiya raqami, STIR; in Russian INN), the number
// that identifies a legal entity, and formerly also an individual taxpayer,
// at the tax authority.
//
// The rules and what they rest on: the Regulation on the system of assigning
// and using taxpayer identification numbers (Cabinet of Ministers resolution
// No. 130 of 11 March 1997) makes the number nine digits, eight of the
// taxpayer's own number and a control digit that the State Tax Committee's
// computer derives by an algorithm that has not been published. We found no
// documented algorithm, so ParseSTIR does not verify the control digit rather
// than invent one: a mistyped STIR is caught when it is looked up in the
// registry, not here. Published descriptions of the series disagree in detail
// (one puts legal entities at 2xxxxxxxx and individuals at 4xxxxxxxx–
// 7xxxxxxxx; newer legal entities are also seen at 3xxxxxxxx), and since
// 1 July 2021 individuals are identified by their PINFL. ParseSTIR therefore
// accepts any first digit from 2 to 9 and refuses only 0 and 1, which no
// series uses, and it does not claim to tell a legal entity from a person.
//
// The zero STIR is not a valid number; String returns "". Values are
// comparable with ==.
type STIR struct {
	s string
}

// ParseSTIR returns the STIR written in s, which may be surrounded by white
// space. It refuses, with an EINVALID *apperr.Error whose Message is one of the
// MsgSTIR keys, anything that is not exactly 9 ASCII digits and a first digit
// of 0 or 1.
func ParseSTIR(s string) (STIR, error) {
	s = strings.TrimSpace(s)
	if !allDigits(s) {
		return STIR{}, apperr.New(apperr.EINVALID, MsgSTIRDigits)
	}
	if len(s) != stirLen {
		return STIR{}, apperr.New(apperr.EINVALID, MsgSTIRLength)
	}
	if s[0] < '2' {
		return STIR{}, apperr.New(apperr.EINVALID, MsgSTIRPrefix)
	}
	return STIR{s: s}, nil
}

// String returns the 9 digits.
func (s STIR) String() string { return s.s }
