package totp

import (
	"bytes"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// The seeds of RFC 6238, Appendix B: ASCII digits repeated to the output size
// of each hash.
var (
	seedSHA1   = []byte("12345678901234567890")
	seedSHA256 = []byte("12345678901234567890123456789012")
	seedSHA512 = []byte("1234567890123456789012345678901234567890123456789012345678901234")
)

func TestRFC6238Vectors(t *testing.T) {
	tests := []struct {
		unix   int64
		alg    Algorithm
		secret []byte
		want   string
	}{
		{59, SHA1, seedSHA1, "94287082"},
		{59, SHA256, seedSHA256, "46119246"},
		{59, SHA512, seedSHA512, "90693936"},
		{1111111109, SHA1, seedSHA1, "07081804"},
		{1111111109, SHA256, seedSHA256, "68084774"},
		{1111111109, SHA512, seedSHA512, "25091201"},
		{1111111111, SHA1, seedSHA1, "14050471"},
		{1111111111, SHA256, seedSHA256, "67062674"},
		{1111111111, SHA512, seedSHA512, "99943326"},
		{1234567890, SHA1, seedSHA1, "89005924"},
		{1234567890, SHA256, seedSHA256, "91819424"},
		{1234567890, SHA512, seedSHA512, "93441116"},
		{2000000000, SHA1, seedSHA1, "69279037"},
		{2000000000, SHA256, seedSHA256, "90698825"},
		{2000000000, SHA512, seedSHA512, "38618901"},
		{20000000000, SHA1, seedSHA1, "65353130"},
		{20000000000, SHA256, seedSHA256, "77737706"},
		{20000000000, SHA512, seedSHA512, "47863826"},
	}
	for _, tt := range tests {
		o := Options{Algorithm: tt.alg, Digits: 8}
		at := time.Unix(tt.unix, 0)
		if got := o.Code(tt.secret, at); got != tt.want {
			t.Errorf("%v at %d: Code = %s, want %s", tt.alg, tt.unix, got, tt.want)
		}
		// The 6-digit code is the low 6 digits of the same value.
		o.Digits = 6
		if got := o.Code(tt.secret, at); got != tt.want[2:] {
			t.Errorf("%v at %d, 6 digits: Code = %s, want %s", tt.alg, tt.unix, got, tt.want[2:])
		}
		step, ok := o.Verify(tt.secret, tt.want[2:], at, 0)
		if !ok || step != tt.unix/30 {
			t.Errorf("%v at %d: Verify = %d, %v, want %d, true", tt.alg, tt.unix, step, ok, tt.unix/30)
		}
	}
	// The package-level functions are SHA1, 6 digits.
	if got := Code(seedSHA1, time.Unix(59, 0)); got != "287082" {
		t.Errorf("Code = %s, want 287082", got)
	}
}

func TestStepBeforeEpoch(t *testing.T) {
	o := Options{}.withDefaults()
	tests := []struct {
		unix int64
		want int64
	}{
		{0, 0}, {29, 0}, {30, 1}, {-1, -1}, {-30, -1}, {-31, -2},
	}
	for _, tt := range tests {
		if got := o.step(time.Unix(tt.unix, 0)); got != tt.want {
			t.Errorf("step(%d) = %d, want %d", tt.unix, got, tt.want)
		}
	}
}

func TestVerifyDrift(t *testing.T) {
	secret := seedSHA1
	now := time.Unix(1_700_000_000, 0) // in step 56666666, 20 s into it
	step := int64(1_700_000_000 / 30)
	tests := []struct {
		name     string
		codeAt   time.Time
		wantOK   bool
		wantStep int64
	}{
		{"current step", now, true, step},
		{"start of current step", now.Add(-20 * time.Second), true, step},
		{"previous step", now.Add(-30 * time.Second), true, step - 1},
		{"next step", now.Add(30 * time.Second), true, step + 1},
		{"two steps back", now.Add(-60 * time.Second), false, 0},
		{"two steps ahead", now.Add(60 * time.Second), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code := Code(secret, tt.codeAt)
			got, ok := Verify(secret, code, now, 0)
			if ok != tt.wantOK || got != tt.wantStep {
				t.Errorf("Verify = %d, %v, want %d, %v", got, ok, tt.wantStep, tt.wantOK)
			}
		})
	}
}

func TestVerifyReplay(t *testing.T) {
	secret := seedSHA1
	now := time.Unix(1_700_000_000, 0)
	code := Code(secret, now)
	step, ok := Verify(secret, code, now, 0)
	if !ok {
		t.Fatal("first use refused")
	}
	// The same code again, in the same step or the next one, is refused.
	for _, at := range []time.Time{now, now.Add(5 * time.Second), now.Add(30 * time.Second)} {
		if s, ok := Verify(secret, code, at, step); ok {
			t.Errorf("replay at %v accepted as step %d", at, s)
		}
	}
	// An older code still inside the window is refused too: steps only move on.
	old := Code(secret, now.Add(-30*time.Second))
	if s, ok := Verify(secret, old, now, step); ok {
		t.Errorf("older code accepted as step %d after step %d", s, step)
	}
	// The next step's code is accepted and moves the step on.
	next := Code(secret, now.Add(30*time.Second))
	s, ok := Verify(secret, next, now.Add(30*time.Second), step)
	if !ok || s != step+1 {
		t.Errorf("next code: %d, %v, want %d, true", s, ok, step+1)
	}
	// A code used ahead of time (clock drift) blocks its own step later.
	if _, ok := Verify(secret, next, now.Add(30*time.Second), s); ok {
		t.Error("code accepted twice")
	}
}

func TestVerifyCodeFormat(t *testing.T) {
	now := time.Unix(1111111109, 0)
	code := Code(seedSHA1, now) // "081804"
	tests := []struct {
		in   string
		want bool
	}{
		{code, true},
		{code[:3] + " " + code[3:], true},
		{" " + code + "\n", true},
		{"", false},
		{code[:5], false},
		{code + "0", false},
		{"00" + code, false},
		{"+" + code[1:], false},
		{"-" + code[1:], false},
		{code[:5] + "a", false},
		{"０８１８０４", false}, // fullwidth digits
		{"81804", false},  // leading zero dropped
	}
	for _, tt := range tests {
		if _, ok := Verify(seedSHA1, tt.in, now, 0); ok != tt.want {
			t.Errorf("Verify(%q) ok = %v, want %v", tt.in, ok, tt.want)
		}
	}
	if _, ok := Verify([]byte("another secret"), code, now, 0); ok {
		t.Error("code accepted with another secret")
	}
}

func TestOptionsPanics(t *testing.T) {
	for _, o := range []Options{
		{Algorithm: 7},
		{Digits: 5},
		{Digits: 9},
		{Period: -time.Second},
		{Period: 1500 * time.Millisecond},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%+v: no panic", o)
				}
			}()
			o.Code(seedSHA1, time.Unix(0, 0))
		}()
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != SecretLen || len(b) != SecretLen || bytes.Equal(a, b) {
		t.Errorf("secrets %x and %x", a, b)
	}
	if enc := EncodeSecret(a); len(enc) != 32 || strings.Contains(enc, "=") {
		t.Errorf("EncodeSecret = %q, want 32 characters without padding", enc)
	}
}

func TestSecretRoundTrip(t *testing.T) {
	for _, secret := range [][]byte{seedSHA1, seedSHA256, seedSHA512, {0}, {0xff, 0xfe}, []byte("abcde")} {
		enc := EncodeSecret(secret)
		got, err := DecodeSecret(enc)
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("DecodeSecret(EncodeSecret(%x) = %q) = %x, %v", secret, enc, got, err)
		}
	}
}

func TestDecodeSecret(t *testing.T) {
	// "12345678901234567890" is GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ in base32.
	const want = "12345678901234567890"
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", want, true},
		{"gezdgnbvgy3tqojqgezdgnbvgy3tqojq", want, true},
		{"GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ", want, true},
		{" gezd-gnbv ", "", false},
		{"MFRGG===", "abc", true},
		{"MFRGG", "abc", true},
		{"mfrgg=", "abc", true},
		{"", "", false},
		{"   ", "", false},
		{"====", "", false},
		{"GEZDGNBVGY3TQOJ1", "", false}, // 1 is not base32
		{"GEZDGNBVGY3TQOJ0", "", false}, // nor is 0
		{"M", "", false},                // impossible length
		{"MFR", "", false},
		{"MF=RGG", "", false},
		{"GEZDĞNBV", "", false},
	}
	for _, tt := range tests {
		got, err := DecodeSecret(tt.in)
		if !tt.wantOK {
			if e := apperr.As(err); e == nil || e.Code != apperr.EINVALID || e.Message != MsgSecretInvalid {
				t.Errorf("DecodeSecret(%q) = %x, %v, want %s", tt.in, got, err, MsgSecretInvalid)
			}
			continue
		}
		if err != nil || string(got) != tt.want {
			t.Errorf("DecodeSecret(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestKeyURI(t *testing.T) {
	secret := seedSHA1
	tests := []struct {
		name            string
		issuer, account string
		o               Options
		want            string
	}{
		{
			"plain", "egov", "aziz", Options{},
			"otpauth://totp/egov:aziz?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=egov&algorithm=SHA1&digits=6&period=30",
		},
		{
			"spaces and colon", "my.gov.uz: Yagona portal", "Aziz Karimov", Options{},
			"otpauth://totp/my.gov.uz%3A%20Yagona%20portal:Aziz%20Karimov?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=my.gov.uz%3A%20Yagona%20portal&algorithm=SHA1&digits=6&period=30",
		},
		{
			"no issuer", "", "user@example.uz", Options{Algorithm: SHA256, Digits: 8, Period: 60 * time.Second},
			"otpauth://totp/user%40example.uz?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&algorithm=SHA256&digits=8&period=60",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.o.KeyURI(tt.issuer, tt.account, secret)
			if got != tt.want {
				t.Errorf("KeyURI =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	// Whatever the names, the URI parses back to them.
	for _, names := range [][2]string{
		{"O'zbekiston & Co?", "a/b#c%d+e"},
		{"Ўзбекистон", "Азиз Каримов"},
	} {
		raw := KeyURI(names[0], names[1], secret)
		u, err := url.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", raw, err)
		}
		label, err := url.PathUnescape(strings.TrimPrefix(u.EscapedPath(), "/"))
		if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || label != names[0]+":"+names[1] {
			t.Errorf("%s: scheme %q host %q label %q (%v)", raw, u.Scheme, u.Host, label, err)
		}
		q := u.Query()
		if q.Get("issuer") != names[0] || q.Get("secret") != EncodeSecret(secret) {
			t.Errorf("%s: query %v", raw, q)
		}
		if strings.Contains(raw, "+") {
			t.Errorf("%s: contains '+'", raw)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	format := regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{5}-[23456789abcdefghjkmnpqrstuvwxyz]{5}$`)
	seen := map[string]bool{}
	for range 20 {
		codes, err := NewRecoveryCodes(10)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != 10 {
			t.Fatalf("%d codes, want 10", len(codes))
		}
		for _, c := range codes {
			if !format.MatchString(c) {
				t.Errorf("code %q has the wrong format", c)
			}
			if seen[c] {
				t.Errorf("code %q repeated", c)
			}
			seen[c] = true
		}
	}
	for _, n := range []int{0, -1, MaxRecoveryCodes + 1} {
		if _, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d) succeeded", n)
		}
	}
}

func TestRecoveryAlphabetUnambiguous(t *testing.T) {
	if len(recoveryAlphabet) != 31 || strings.ContainsAny(recoveryAlphabet, "01ilo") {
		t.Errorf("alphabet %q", recoveryAlphabet)
	}
	// Every character turns up: the sampling reaches the whole alphabet.
	codes, err := NewRecoveryCodes(MaxRecoveryCodes)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(codes, "")
	for _, r := range recoveryAlphabet {
		if !strings.ContainsRune(all, r) {
			t.Errorf("%q never drawn in %d codes", r, len(codes))
		}
	}
}

func TestNormalizeAndHashRecoveryCode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"abcde-fghjk", "abcdefghjk"},
		{"ABCDE-FGHJK", "abcdefghjk"},
		{" abcde fghjk\n", "abcdefghjk"},
		{"ab-cd-ef-gh-jk", "abcdefghjk"},
		{"", ""},
	}
	want := HashRecoveryCode("abcdefghjk")
	for _, tt := range tests {
		if got := NormalizeRecoveryCode(tt.in); got != tt.want {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.want == "abcdefghjk" && HashRecoveryCode(tt.in) != want {
			t.Errorf("HashRecoveryCode(%q) differs from the normalized code's", tt.in)
		}
	}
	// sha256("abcdefghjk") in hex, computed independently.
	if want != "22f3f00d7f9cfe6eeefa9b71bdcb093a9080fcf4981d2dbf932648fa15a2d793" {
		t.Errorf("HashRecoveryCode = %q", want)
	}
	if HashRecoveryCode("abcde-fghjm") == want {
		t.Error("different codes hash alike")
	}
}

func FuzzDecodeSecret(f *testing.F) {
	for _, s := range []string{"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "mfrgg===", "M", "", "GEZD GNBV", "ĞĞ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := DecodeSecret(s)
		if err != nil {
			if apperr.Code(err) != apperr.EINVALID {
				t.Fatalf("DecodeSecret(%q) error %v is not EINVALID", s, err)
			}
			return
		}
		if len(b) == 0 {
			t.Fatalf("DecodeSecret(%q) returned no bytes and no error", s)
		}
		again, err := DecodeSecret(EncodeSecret(b))
		if err != nil || !bytes.Equal(again, b) {
			t.Fatalf("DecodeSecret(%q) = %x does not round-trip: %x, %v", s, b, again, err)
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add("287082", int64(59), int64(0))
	f.Add(" 287 082 ", int64(59), int64(1))
	f.Add("28708", int64(59), int64(0))
	f.Add("٢٨٧٠٨٢", int64(59), int64(0))
	f.Fuzz(func(t *testing.T, code string, unix, last int64) {
		at := time.Unix(unix%(1<<40), 0)
		step, ok := Verify(seedSHA1, code, at, last)
		if !ok {
			if step != 0 {
				t.Fatalf("refused with step %d", step)
			}
			return
		}
		o := Options{}.withDefaults()
		norm, valid := normalizeCode(code, 6)
		if !valid || step <= last || step < o.step(at)-1 || step > o.step(at)+1 || o.code(seedSHA1, step) != norm {
			t.Fatalf("Verify(%q, %d, %d) accepted step %d", code, unix, last, step)
		}
	})
}

func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"123456", "123 456", "12345", "１２３４５６", "\u00a0123456"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := normalizeCode(s, 6)
		if !ok {
			return
		}
		if len(got) != 6 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("normalizeCode(%q) = %q", s, got)
		}
	})
}
