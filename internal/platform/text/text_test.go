package text

import (
	"testing"
	"unicode/utf8"
)

func TestCutClipStorable(t *testing.T) {
	for _, tt := range []struct {
		fn      func(string, int) string
		in      string
		n       int
		want    string
		comment string
	}{
		{Cut, "abc", 5, "abc", "short enough"},
		{Cut, "oʻzbek", 2, "o", "ʻ is two bytes: never cut in two"},
		{Clip, "oʻzbek", 3, "oʻ…", "marked"},
		{Clip, "abc", 3, "abc", "exactly n: unmarked"},
		{Storable, "a\x00b\xffc", 10, "ab\uFFFDc", "NUL dropped, invalid byte replaced"},
	} {
		got := tt.fn(tt.in, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("%s: %q, %d: got %q, want %q", tt.comment, tt.in, tt.n, got, tt.want)
		}
	}
}

func FuzzStorable(f *testing.F) {
	f.Add("oʻzbek тили", 5)
	f.Add("\xff\x00a", 1)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if n < 0 || n > 1<<16 {
			return
		}
		got := Storable(s, n)
		if !utf8.ValidString(got) || len(got) > n+len("…") {
			t.Fatalf("Storable(%q, %d) = %q", s, n, got)
		}
	})
}
