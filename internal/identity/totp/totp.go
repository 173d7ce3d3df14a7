// Package totp implements time-based one-time passwords (RFC 6238, built on
// HOTP of RFC 4226), the second factor that authenticator apps compute, and
// the recovery codes that replace it when the phone is lost.
//
// The package holds no state. The caller stores, per user, the secret
// (encrypted at rest: anyone holding it can compute codes), the last step
// returned by Verify (so that a code is accepted once only) and the hashes of
// the unused recovery codes.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"hash"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// MsgSecretInvalid is the message key of the error DecodeSecret returns.
const MsgSecretInvalid = "identity.totp.secret"

// SecretLen is the length in bytes of the secrets NewSecret makes: 160 bits,
// the size RFC 4226 recommends and the output size of HMAC-SHA1.
const SecretLen = 20

// Algorithm is the HMAC hash function of the codes.
type Algorithm int8

// The algorithms of RFC 6238. SHA1 is the zero value and the only one every
// authenticator app supports.
const (
	SHA1 Algorithm = iota
	SHA256
	SHA512
)

// String returns the name used in key URIs: "SHA1", "SHA256" or "SHA512".
func (a Algorithm) String() string {
	switch a {
	case SHA1:
		return "SHA1"
	case SHA256:
		return "SHA256"
	case SHA512:
		return "SHA512"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// hash returns the constructor of a's hash function, or nil for an unknown a.
func (a Algorithm) hash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case SHA256:
		return sha256.New
	case SHA512:
		return sha512.New
	}
	return nil
}

// Options selects the variant of the codes. The zero Options is what
// authenticator apps assume and what the package-level functions use:
// HMAC-SHA1, 6 digits, a 30-second step counted from the Unix epoch. Zero
// fields take those defaults. The methods panic on an unknown Algorithm,
// Digits outside 6–8 or a Period that is not a positive whole number of
// seconds: options are fixed by the program, not by input.
type Options struct {
	Algorithm Algorithm
	// Digits is the length of a code, 6 to 8; 0 means 6.
	Digits int
	// Period is the length of a time step; 0 means 30 seconds.
	Period time.Duration
}

// withDefaults returns o with zero fields filled in, panicking on values the
// package does not support.
func (o Options) withDefaults() Options {
	if o.Digits == 0 {
		o.Digits = 6
	}
	if o.Period == 0 {
		o.Period = 30 * time.Second
	}
	if o.Algorithm.hash() == nil || o.Digits < 6 || o.Digits > 8 ||
		o.Period < time.Second || o.Period%time.Second != 0 {
		panic(fmt.Sprintf("totp: unsupported options %+v", o))
	}
	return o
}

// step returns the number of the time step that contains t: the Unix time in
// seconds divided by the period, rounded down (also before 1970).
func (o Options) step(t time.Time) int64 {
	p := int64(o.Period / time.Second)
	u := t.Unix()
	s := u / p
	if u%p < 0 {
		s--
	}
	return s
}

// code returns the HOTP value (RFC 4226, section 5.3) of the counter, as a
// string of exactly o.Digits digits. o must have its defaults.
func (o Options) code(secret []byte, counter int64) string {
	mac := hmac.New(o.Algorithm.hash(), secret)
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(counter))
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	// Dynamic truncation: the low nibble of the last byte picks 4 bytes.
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range o.Digits {
		mod *= 10
	}
	s := strconv.FormatUint(uint64(v%mod), 10)
	return strings.Repeat("0", o.Digits-len(s)) + s
}

// Code returns the code for time t.
func (o Options) Code(secret []byte, t time.Time) string {
	o = o.withDefaults()
	return o.code(secret, o.step(t))
}

// Verify reports whether code is the code of the time step containing t or of
// the step before or after it, which tolerates 30 seconds of clock drift
// either way plus the time the user takes to type. Spaces in code are
// ignored ("123 456" is how apps show it). A step not greater than
// lastUsedStep is refused, so a code cannot be replayed: on success the
// caller must store the returned step and pass it as lastUsedStep next time
// (0 for a user who has never used a code). Codes are compared in constant
// time.
func (o Options) Verify(secret []byte, code string, t time.Time, lastUsedStep int64) (step int64, ok bool) {
	o = o.withDefaults()
	given, valid := normalizeCode(code, o.Digits)
	if !valid {
		return 0, false
	}
	now := o.step(t)
	for d := int64(-1); d <= 1; d++ {
		// All three candidates are computed and compared so that the time
		// taken does not depend on which one matches.
		s := now + d
		match := subtle.ConstantTimeCompare([]byte(o.code(secret, s)), []byte(given)) == 1
		if match && s > lastUsedStep && !ok {
			step, ok = s, true
		}
	}
	return step, ok
}

// normalizeCode removes white space from code and reports whether what is
// left is exactly digits ASCII digits.
func normalizeCode(code string, digits int) (string, bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != digits {
		return "", false
	}
	for i := range len(code) {
		if code[i] < '0' || code[i] > '9' {
			return "", false
		}
	}
	return code, true
}

// KeyURI returns the otpauth://totp/ URI that authenticator apps read from a
// QR code, in the Key URI Format of Google Authenticator: the label is
// "issuer:account", the secret is EncodeSecret's, and issuer, algorithm,
// digits and period follow as parameters. Issuer and account are
// percent-encoded, a colon in either too since it separates them; an empty
// issuer is left out.
func (o Options) KeyURI(issuer, account string, secret []byte) string {
	o = o.withDefaults()
	label := escape(account)
	if issuer != "" {
		label = escape(issuer) + ":" + label
	}
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(label)
	b.WriteString("?secret=")
	b.WriteString(EncodeSecret(secret))
	if issuer != "" {
		b.WriteString("&issuer=")
		b.WriteString(escape(issuer))
	}
	fmt.Fprintf(&b, "&algorithm=%s&digits=%d&period=%d", o.Algorithm, o.Digits, o.Period/time.Second)
	return b.String()
}

// escape percent-encodes everything in s but letters, digits and "-._~", for
// both the label and the query of a key URI. A space becomes %20, not "+",
// because apps differ in whether they read "+" as a space.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// Code returns the 6-digit HMAC-SHA1 code for time t with 30-second steps.
func Code(secret []byte, t time.Time) string { return Options{}.Code(secret, t) }

// Verify checks a 6-digit HMAC-SHA1 code with 30-second steps; see
// Options.Verify.
func Verify(secret []byte, code string, t time.Time, lastUsedStep int64) (step int64, ok bool) {
	return Options{}.Verify(secret, code, t, lastUsedStep)
}

// KeyURI returns the key URI for 6-digit HMAC-SHA1 codes with 30-second
// steps; see Options.KeyURI.
func KeyURI(issuer, account string, secret []byte) string {
	return Options{}.KeyURI(issuer, account, secret)
}

// NewSecret returns SecretLen random bytes from the system's secure source.
func NewSecret() ([]byte, error) {
	b := make([]byte, SecretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("totp secret: %w", err)
	}
	return b, nil
}

// secretEncoding returns base32 (RFC 4648) without padding, as authenticator
// apps expect secrets.
func secretEncoding() *base32.Encoding { return base32.StdEncoding.WithPadding(base32.NoPadding) }

// EncodeSecret returns secret in upper-case base32 without padding.
func EncodeSecret(secret []byte) string { return secretEncoding().EncodeToString(secret) }

// DecodeSecret decodes a base32 secret as people type or paste it: ASCII
// case, white space and trailing "=" padding are ignored. It returns an EINVALID
// *apperr.Error with MsgSecretInvalid for an empty secret or one that is not
// base32.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return -1
		case 'a' <= r && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, s)
	s = strings.TrimRight(s, "=")
	b, err := secretEncoding().DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, &apperr.Error{Code: apperr.EINVALID, Message: MsgSecretInvalid, Err: err}
	}
	return b, nil
}
