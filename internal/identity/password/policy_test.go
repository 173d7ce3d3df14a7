package password

import (
	"strings"
	"testing"
	"unicode"

	"github.com/egovuz/egov/internal/platform/apperr"
)

func TestCheck(t *testing.T) {
	personal := []string{"Aziz Karimov", "+998 90 123-45-67", "31205900260011", "ali"}
	tests := []struct {
		name string
		pw   string
		want string // message key, "" for accepted
	}{
		{"good passphrase", "tog'da qor yog'di kecha", ""},
		{"good mixed", "Kx9!vTq2#mLw", ""},
		{"exactly 10", "ab3$fG7*kL", ""},
		{"10 Cyrillic letters", "ёжикнебоср", ""},
		{"exactly 256", strings.Repeat("ab3$", 64), ""},
		{"9 characters", "ab3$fG7*k", MsgTooShort},
		{"9 runes in 18 bytes", "ёжикнебос", MsgTooShort},
		{"empty", "", MsgTooShort},
		{"257 characters", strings.Repeat("ab3$", 64) + "x", MsgTooLong},
		{"only spaces", "            ", MsgBlank},
		{"only mixed white space", " \t\n\u00a0 \u2003    \t", MsgBlank},
		{"digit run", "1234567890", MsgCommon},
		{"repeated digit", "1111111111", MsgCommon},
		{"password with digits", "password123", MsgCommon},
		{"Password with year and bang", "Password2024!", MsgCommon},
		{"leet", "P@ssw0rd2025", MsgCommon},
		{"qwerty123 as listed", "qwerty123456", MsgCommon},
		{"keyboard walk", "1qaz2wsx3edc", MsgCommon},
		{"parol", "parol12345", MsgCommon},
		{"salom", "Salom!!2024", MsgCommon},
		{"toshkent", "TOSHKENT2025", MsgCommon},
		{"uzbekistan", "uzbekistan", MsgCommon},
		{"o'zbekiston", "O'zbekiston1991", MsgCommon},
		{"Russian on English layout", "gfhjkm12345", MsgCommon},
		{"surrounding spaces", "  iloveyou2020  ", MsgCommon},
		{"common word inside is fine", "salom dunyo, qalaysan?", ""},
		{"first name", "myaziz-secret-99", MsgPersonal},
		{"surname any case", "zzKARIMOVzz", MsgPersonal},
		{"phone digits", "x998901234567x", MsgPersonal},
		{"phone as given", "a+998 90 123-45-67", MsgPersonal},
		{"phone part", "call 1234567 now", ""},
		{"PINFL", "id31205900260011", MsgPersonal},
		{"short personal string ignored", "alibaba-cave-door", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(tt.pw, personal...)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Check(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			e := apperr.As(err)
			if e == nil || e.Code != apperr.EINVALID || e.Message != tt.want {
				t.Fatalf("Check(%q) = %v, want %s", tt.pw, err, tt.want)
			}
			if strings.Contains(e.Error(), tt.pw) && tt.pw != "" {
				t.Errorf("error %q repeats the password", e.Error())
			}
		})
	}
}

func TestCheckArgs(t *testing.T) {
	if e := apperr.As(Check("short")); e == nil || len(e.Args) != 1 || e.Args[0] != MinLength {
		t.Errorf("too short: %#v", e)
	}
	if e := apperr.As(Check(strings.Repeat("x", MaxLength+1))); e == nil || len(e.Args) != 1 || e.Args[0] != MaxLength {
		t.Errorf("too long: %#v", e)
	}
}

func TestCommonList(t *testing.T) {
	if !strings.HasSuffix(commonList, "\n") || strings.Contains(commonList, "\r") {
		t.Fatal("common.txt must be LF-terminated lines")
	}
	lines := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	if len(lines) < 1000 {
		t.Errorf("%d common passwords, want at least 1000", len(lines))
	}
	seen := map[string]bool{}
	for i, l := range lines {
		if l == "" || l != strings.TrimSpace(l) || l != strings.ToLower(l) {
			t.Errorf("line %d %q is not a trimmed lower-case entry", i+1, l)
		}
		if seen[l] {
			t.Errorf("line %d %q repeated", i+1, l)
		}
		seen[l] = true
		// Every entry is found, whether first, last or in between.
		if !isCommon(l) {
			t.Errorf("line %d %q not found", i+1, l)
		}
	}
	for _, s := range []string{"", "passwor", "assword", "password\nqwerty", "asswor"} {
		if isCommon(s) {
			t.Errorf("isCommon(%q) = true", s)
		}
	}
}

func TestStripTail(t *testing.T) {
	tests := map[string]string{
		"qwerty123!":  "qwerty",
		"salom 2024.": "salom",
		"p@ss$":       "p@ss",
		"1234567890":  "",
		"abc1def2":    "abc1def",
		"ёжик№1":      "ёжик",
	}
	for in, want := range tests {
		if got := stripTail(in); got != want {
			t.Errorf("stripTail(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCheck(f *testing.F) {
	f.Add("correct horse battery staple", "Aziz Karimov")
	f.Add("Password2024!", "")
	f.Add("\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6", "\xff")
	f.Fuzz(func(t *testing.T, pw, personal string) {
		err := Check(pw, personal)
		if err != nil && apperr.Code(err) != apperr.EINVALID {
			t.Fatalf("Check(%q) error %v is not EINVALID", pw, err)
		}
		if err == nil && (len([]rune(pw)) < MinLength || strings.TrimFunc(pw, unicode.IsSpace) == "") {
			t.Fatalf("Check(%q) accepted", pw)
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	pw := strings.Repeat("Kx9!vTq2#mLw", MaxLength/12)
	for b.Loop() {
		if err := Check(pw, "Aziz Karimov", "+998 90 123-45-67", "31205900260011"); err != nil {
			b.Fatal(err)
		}
	}
}
