// Package password hashes passwords with argon2id and decides which new
// passwords are acceptable.
//
// Hashes are stored as PHC strings,
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// with salt and hash in unpadded standard base64, the format other argon2
// libraries read, so the cost can be raised later without losing old hashes:
// Verify reports needsRehash and the caller stores a fresh Hash after a
// successful login.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters and output sizes.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Time is the number of passes over the memory.
	Time uint32
	// Threads is the degree of parallelism (lanes).
	Threads uint8
	// SaltLen is the length of the random salt in bytes.
	SaltLen uint32
	// KeyLen is the length of the derived hash in bytes.
	KeyLen uint32
}

// DefaultParams returns the parameters new hashes use: 19 MiB of memory, 2
// passes, 1 lane, a 16-byte salt and a 32-byte hash.
//
// This is the minimum configuration of the OWASP Password Storage Cheat Sheet
// for argon2id (m=19 MiB, t=2, p=1), which it rates as strong as its other
// equivalent settings. We take the low-memory end of OWASP's range because
// the platform runs as several stateless nodes that each serve logins
// concurrently: at 19 MiB a node can verify tens of passwords at once without
// the memory spike a 64 MiB or larger setting would cause, while an attacker
// still pays 19 MiB per guess. One lane, because parallelism only shortens a
// single hash at the cost of concurrent ones. BenchmarkHash measured 26–31 ms
// per hash on a 2-core AMD EPYC virtual machine: unnoticeable at login, some
// 60 logins a second per such node with both cores busy (an estimate from
// that figure), and 19 MiB written twice per guess for an attacker. A 16-byte salt and a 32-byte hash are RFC 9106's
// recommendations.
func DefaultParams() Params {
	return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// Limits on parameters, for hashes we make and hashes we read. They keep a
// corrupted or hostile stored hash from making Verify allocate gigabytes or
// run for minutes.
const (
	maxMemory  = 1 << 20 // 1 GiB in KiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// validate reports why p cannot be used, or nil.
func (p Params) validate() error {
	switch {
	case p.Threads < 1:
		return errors.New("threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB outside %d–%d", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d outside 1–%d", p.Time, maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d–%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d–%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hash returns the PHC string of pw hashed with argon2id under p and a fresh
// random salt. It does not apply the policy; see Check. The error is an
// internal one: parameters outside sane limits or no randomness.
func Hash(pw string, p Params) (string, error) {
	if err := p.validate(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encode(p, salt, key), nil
}

// Verify reports whether pw matches the encoded hash, comparing in constant
// time, and whether a matching hash should be replaced by a new Hash with
// DefaultParams because it was made with other parameters. A malformed or
// unsupported encoded hash is an error (an internal one: stored hashes come
// from Hash), never a panic; a wrong password is ok == false with a nil error.
func Verify(pw, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, key, err := decode(encoded)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != DefaultParams(), nil
}

// b64 is the base64 of PHC strings: standard alphabet, no padding, and
// strict, so that every hash has exactly one encoding.
func b64() *base64.Encoding { return base64.RawStdEncoding.Strict() }

// encode returns the PHC string of a hash.
func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64().EncodeToString(salt), b64().EncodeToString(key))
}

// decode parses a PHC string made by encode. It accepts only the canonical
// form: fields in encode's order, decimal numbers without sign or leading
// zeros, base64 without padding, line breaks or stray bits. So a string that
// decodes re-encodes to itself.
func decode(s string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, errors.New("malformed hash: not a PHC string")
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("malformed hash: algorithm %.20q is not argon2id", parts[1])
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	version, err := parseDecimal(v, 32)
	if !ok || err != nil || version != argon2.Version {
		return p, nil, nil, fmt.Errorf("malformed hash: version %.20q is not v=%d", parts[2], argon2.Version)
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, errors.New("malformed hash: parameters are not m,t,p")
	}
	var nums [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		digits, ok := strings.CutPrefix(fields[i], name)
		bits := 32
		if name == "p=" {
			bits = 8
		}
		n, err := parseDecimal(digits, bits)
		if !ok || err != nil {
			return p, nil, nil, fmt.Errorf("malformed hash: parameter %.20q", fields[i])
		}
		nums[i] = n
	}
	salt, err := decodeBase64(parts[4])
	if err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: salt: %w", err)
	}
	key, err := decodeBase64(parts[5])
	if err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: hash: %w", err)
	}
	p = Params{
		Memory:  uint32(nums[0]),
		Time:    uint32(nums[1]),
		Threads: uint8(nums[2]),
		SaltLen: uint32(len(salt)),
		KeyLen:  uint32(len(key)),
	}
	if err := p.validate(); err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: %w", err)
	}
	return p, salt, key, nil
}

// parseDecimal parses s as an unsigned decimal that fits in bits, refusing a
// sign, leading zeros and the empty string.
func parseDecimal(s string, bits int) (uint64, error) {
	if s == "" || s[0] < '0' || s[0] > '9' || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("not a canonical decimal")
	}
	return strconv.ParseUint(s, 10, bits)
}

// decodeBase64 decodes unpadded standard base64 and refuses any other
// spelling of the same bytes (the decoder itself skips line breaks).
func decodeBase64(s string) ([]byte, error) {
	b, err := b64().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64().EncodeToString(b) != s {
		return nil, errors.New("not canonical base64")
	}
	return b, nil
}
