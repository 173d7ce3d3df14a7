package pinfl

import (
	"testing"

	"github.com/egovuz/egov/internal/platform/apperr"
)

func TestParseSTIR(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{"201234567", "201234567", ""},
		{"305678901", "305678901", ""},
		{"412345678", "412345678", ""},
		{"999999999", "999999999", ""},
		{" 201234567\n", "201234567", ""},
		{"", "", MsgSTIRLength},
		{"20123456", "", MsgSTIRLength},
		{"2012345678", "", MsgSTIRLength},
		{"31205900260011", "", MsgSTIRLength},
		{"20123456a", "", MsgSTIRDigits},
		{"201 234 567", "", MsgSTIRDigits},
		{"-20123456", "", MsgSTIRDigits},
		{"２０１２３４５６７", "", MsgSTIRDigits},
		{"012345678", "", MsgSTIRPrefix},
		{"123456789", "", MsgSTIRPrefix},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseSTIR(tt.in)
			if tt.wantErr != "" {
				e := apperr.As(err)
				if e == nil || e.Code != apperr.EINVALID || e.Message != tt.wantErr {
					t.Fatalf("ParseSTIR(%q) = %v, %v, want %s", tt.in, got, err, tt.wantErr)
				}
				if got != (STIR{}) {
					t.Errorf("ParseSTIR(%q) returned %v with its error", tt.in, got)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ParseSTIR(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
			}
		})
	}
}

func FuzzParseSTIR(f *testing.F) {
	for _, s := range []string{"201234567", " 305678901 ", "", "012345678", "20123456a", "２０１２３４５６７"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSTIR(s)
		if err != nil {
			if apperr.Code(err) != apperr.EINVALID {
				t.Fatalf("ParseSTIR(%q) error %v is not EINVALID", s, err)
			}
			return
		}
		if len(got.String()) != stirLen || !allDigits(got.String()) || got.String()[0] < '2' {
			t.Fatalf("ParseSTIR(%q) accepted %q", s, got)
		}
		again, err := ParseSTIR(got.String())
		if err != nil || again != got {
			t.Fatalf("ParseSTIR(%q) = %s, which re-parses to %s, %v", s, got, again, err)
		}
	})
}
