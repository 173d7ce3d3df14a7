package pinfl

import (
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// testNow is the reference time of the tests.
var testNow = time.Date(2025, time.June, 15, 12, 0, 0, 0, time.UTC)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParsePINFLValid(t *testing.T) {
	// Check digits computed by hand with weights 7,3,1 (see CheckDigit).
	tests := []struct {
		in    string
		want  string
		birth time.Time
		sex   Sex
	}{
		{"31205900260011", "31205900260011", date(1990, time.May, 12), Male},
		{"  31205900260011\t", "31205900260011", date(1990, time.May, 12), Male},
		{"50101202641237", "50101202641237", date(2020, time.January, 1), Male},
		{"11503890010026", "11503890010026", date(1889, time.March, 15), Male},
		{"22902967771239", "22902967771239", date(1896, time.February, 29), Female},
		{"32902845001006", "32902845001006", date(1984, time.February, 29), Male},
		{"60101240000013", "60101240000013", date(2024, time.January, 1), Female},
		{"31411870612345", "31411870612345", date(1987, time.November, 14), Male},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			p, err := ParsePINFL(tt.in, testNow)
			if err != nil {
				t.Fatalf("ParsePINFL(%q) error %v", tt.in, err)
			}
			if p.String() != tt.want {
				t.Errorf("String() = %q, want %q", p.String(), tt.want)
			}
			if !p.BirthDate().Equal(tt.birth) {
				t.Errorf("BirthDate() = %v, want %v", p.BirthDate(), tt.birth)
			}
			if p.Sex() != tt.sex {
				t.Errorf("Sex() = %v, want %v", p.Sex(), tt.sex)
			}
		})
	}
}

func TestParsePINFLInvalid(t *testing.T) {
	tests := []struct {
		name string
		in   string
		now  time.Time
		want string
	}{
		{"empty", "", testNow, MsgPINFLLength},
		{"only spaces", "   ", testNow, MsgPINFLLength},
		{"too short", "3120590026001", testNow, MsgPINFLLength},
		{"too long", "312059002600111", testNow, MsgPINFLLength},
		{"letter", "3120590026001a", testNow, MsgPINFLDigits},
		{"inner space", "3120590 0260011", testNow, MsgPINFLDigits},
		{"dash", "312059-0026001", testNow, MsgPINFLDigits},
		{"sign", "+31205900260011", testNow, MsgPINFLDigits},
		{"arabic-indic digits", "٣١٢٠٥٩٠٠٢٦٠٠١١", testNow, MsgPINFLDigits},
		{"fullwidth digits", "３１２０５９００２６００１１", testNow, MsgPINFLDigits},
		{"first digit 0", "01205900260011", testNow, MsgPINFLCentury},
		{"first digit 7", "71205900260011", testNow, MsgPINFLCentury},
		{"first digit 9", "91205900260011", testNow, MsgPINFLCentury},
		{"day 00", "30005900260011", testNow, MsgPINFLDate},
		{"day 32", "33201900260011", testNow, MsgPINFLDate},
		{"month 00", "31200900260011", testNow, MsgPINFLDate},
		{"month 13", "31213900260011", testNow, MsgPINFLDate},
		{"31 April", "33104900260011", testNow, MsgPINFLDate},
		{"30 February", "33002840260011", testNow, MsgPINFLDate},
		{"29 February 1900 (not leap)", "42902001230454", testNow, MsgPINFLDate},
		{"29 February 1985", "32902855001006", testNow, MsgPINFLDate},
		{"31 December 2099", "63112990019993", testNow, MsgPINFLFuture},
		{"tomorrow", "51606250010013", testNow, MsgPINFLFuture},
		{"wrong check digit", "31205900260012", testNow, MsgPINFLChecksum},
		{"swapped digits", "32105900260011", testNow, MsgPINFLChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParsePINFL(tt.in, tt.now)
			if err == nil {
				t.Fatalf("ParsePINFL(%q) = %v, want error %s", tt.in, p, tt.want)
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID || e.Message != tt.want {
				t.Fatalf("ParsePINFL(%q) error %v, want %s %s", tt.in, err, apperr.EINVALID, tt.want)
			}
			if p != (PINFL{}) {
				t.Errorf("ParsePINFL(%q) returned %v with its error", tt.in, p)
			}
		})
	}
}

func TestParsePINFLToday(t *testing.T) {
	// Born today is accepted whatever the time of day; "today" is the
	// calendar date in now's location.
	p := GeneratePINFL(date(2025, time.June, 15), Female, 1, 1)
	for _, now := range []time.Time{
		testNow,
		date(2025, time.June, 15),
		time.Date(2025, time.June, 15, 0, 30, 0, 0, time.FixedZone("UZT", 5*3600)), // 14 June in UTC
	} {
		if _, err := ParsePINFL(p.String(), now); err != nil {
			t.Errorf("born %s, now %v: %v", p.BirthDate(), now, err)
		}
	}
	// A day earlier it is in the future.
	if _, err := ParsePINFL(p.String(), date(2025, time.June, 14)); apperr.As(err) == nil || apperr.As(err).Message != MsgPINFLFuture {
		t.Errorf("born tomorrow: err = %v, want %s", err, MsgPINFLFuture)
	}
}

func TestCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"3120590026001", 1, true}, // 21+3+2+0+15+9+0+0+2+42+0+0+7 = 101
		{"0000000000000", 0, true},
		{"1000000000000", 7, true},
		{"0100000000000", 3, true},
		{"0010000000000", 1, true},
		{"0000000000001", 7, true},
		{"9999999999999", 9, true}, // 9*(7+3+1)*4 + 9*7 = 459
		{"312059002600", 0, false},
		{"31205900260011", 0, false},
		{"312059002600x", 0, false},
	}
	for _, tt := range tests {
		got, ok := CheckDigit(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("CheckDigit(%q) = %d, %v, want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestVerifyCheckDigit(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"31205900260011", true},
		{"31205900260010", false},
		{"3120590026001", false},
		{"3120590026001x", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := VerifyCheckDigit(tt.in); got != tt.want {
			t.Errorf("VerifyCheckDigit(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestGeneratePINFL(t *testing.T) {
	tests := []struct {
		birth            time.Time
		sex              Sex
		district, serial int
		want             string
	}{
		{date(1990, time.May, 12), Male, 26, 1, "31205900260011"},
		{date(1887, time.November, 14), Female, 61, 234, "21411870612348"},
		{date(2020, time.January, 1), Male, 264, 123, "50101202641237"},
		{date(2024, time.January, 1), Female, 0, 1, "60101240000013"},
	}
	for _, tt := range tests {
		p := GeneratePINFL(tt.birth, tt.sex, tt.district, tt.serial)
		if p.String() != tt.want {
			t.Errorf("GeneratePINFL(%v, %v, %d, %d) = %s, want %s", tt.birth, tt.sex, tt.district, tt.serial, p, tt.want)
		}
		got, err := ParsePINFL(p.String(), testNow)
		if err != nil {
			t.Fatalf("generated %s does not parse: %v", p, err)
		}
		if got != p || !got.BirthDate().Equal(tt.birth) || got.Sex() != tt.sex {
			t.Errorf("generated %s parses to %s born %v %v", p, got, got.BirthDate(), got.Sex())
		}
	}
}

func TestGeneratePINFLPanics(t *testing.T) {
	tests := []struct {
		name             string
		birth            time.Time
		sex              Sex
		district, serial int
	}{
		{"year 1799", date(1799, time.December, 31), Male, 1, 1},
		{"year 2100", date(2100, time.January, 1), Male, 1, 1},
		{"unknown sex", date(1990, time.January, 1), 0, 1, 1},
		{"district 1000", date(1990, time.January, 1), Male, 1000, 1},
		{"negative serial", date(1990, time.January, 1), Female, 1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			GeneratePINFL(tt.birth, tt.sex, tt.district, tt.serial)
		})
	}
}

func TestZeroPINFL(t *testing.T) {
	var p PINFL
	if p.String() != "" || !p.BirthDate().IsZero() || p.Sex() != 0 {
		t.Errorf("zero PINFL = %q, %v, %v", p.String(), p.BirthDate(), p.Sex())
	}
}

func TestSexString(t *testing.T) {
	for s, want := range map[Sex]string{Male: "male", Female: "female", 0: "", 9: ""} {
		if got := s.String(); got != want {
			t.Errorf("Sex(%d).String() = %q, want %q", s, got, want)
		}
	}
}

func FuzzParsePINFL(f *testing.F) {
	for _, s := range []string{
		"31205900260011", "50101202641237", "22902967771239", "42902001230454",
		"63112990019993", "", "3120590026001a", " 31205900260011 ", "٣١٢٠٥٩٠٠٢٦٠٠١١",
	} {
		f.Add(s, testNow.Unix())
	}
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		now := time.Unix(unix%(1<<40), 0).UTC() // keep years within time.Time's range
		p, err := ParsePINFL(s, now)
		if err != nil {
			if apperr.Code(err) != apperr.EINVALID {
				t.Fatalf("ParsePINFL(%q) error %v is not EINVALID", s, err)
			}
			return
		}
		again, err := ParsePINFL(p.String(), now)
		if err != nil || again != p {
			t.Fatalf("ParsePINFL(%q) = %s, which re-parses to %s, %v", s, p, again, err)
		}
		if len(p.String()) != pinflLen || !VerifyCheckDigit(p.String()) {
			t.Fatalf("accepted %q", p)
		}
		if p.BirthDate().After(now) || p.Sex() == 0 {
			t.Fatalf("%s: birth %v after %v or sex %v", p, p.BirthDate(), now, p.Sex())
		}
	})
}

func FuzzGeneratePINFL(f *testing.F) {
	f.Add(int32(0), true, uint16(26), uint16(1))
	f.Add(int32(-60000), false, uint16(999), uint16(999))
	f.Fuzz(func(t *testing.T, days int32, male bool, district, serial uint16) {
		// Birth dates between 1800-01-01 and 2099-12-31.
		first, last := date(1800, time.January, 1), date(2099, time.December, 31)
		span := int64(last.Sub(first)/(24*time.Hour)) + 1
		birth := first.AddDate(0, 0, int((int64(days)%span+span)%span))
		sex := Female
		if male {
			sex = Male
		}
		p := GeneratePINFL(birth, sex, int(district%1000), int(serial%1000))
		got, err := ParsePINFL(p.String(), last)
		if err != nil {
			t.Fatalf("GeneratePINFL(%v, %v, %d, %d) = %s, which does not parse: %v", birth, sex, district%1000, serial%1000, p, err)
		}
		if got != p || !got.BirthDate().Equal(birth) || got.Sex() != sex {
			t.Fatalf("%s parses to %s born %v %v", p, got, got.BirthDate(), got.Sex())
		}
	})
}
