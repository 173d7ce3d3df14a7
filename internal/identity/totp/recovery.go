package totp

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"unicode"
)

// recoveryAlphabet has the lower-case letters and digits that cannot be
// mistaken for one another when read from paper: no 0/o, 1/l/i.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

// recoveryLen is the number of characters of a recovery code. Ten characters
// from 31 carry 49.5 bits: with the rate limits on login, and since each code
// works once, far beyond guessing.
const recoveryLen = 10

// MaxRecoveryCodes is the most codes NewRecoveryCodes makes at once.
const MaxRecoveryCodes = 100

// NewRecoveryCodes returns n (1 to MaxRecoveryCodes) distinct random recovery
// codes formatted "xxxxx-xxxxx" for the user to print or write down. The
// caller shows them once and stores only their HashRecoveryCode.
func NewRecoveryCodes(n int) ([]string, error) {
	if n < 1 || n > MaxRecoveryCodes {
		return nil, fmt.Errorf("recovery codes: count %d outside 1–%d", n, MaxRecoveryCodes)
	}
	codes := make([]string, 0, n)
	seen := make(map[string]bool, n)
	for len(codes) < n {
		c, err := newRecoveryCode()
		if err != nil {
			return nil, fmt.Errorf("recovery codes: %w", err)
		}
		if !seen[c] {
			seen[c] = true
			codes = append(codes, c)
		}
	}
	return codes, nil
}

// newRecoveryCode returns one code. Random bytes of 248 or more are drawn
// again so that every character of the 31-letter alphabet is equally likely
// (248 = 8·31).
func newRecoveryCode() (string, error) {
	const limit = 256 - 256%len(recoveryAlphabet)
	var out [recoveryLen]byte
	var buf [2 * recoveryLen]byte
	for i := 0; i < recoveryLen; {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if i == recoveryLen {
				break
			}
			if int(b) < limit {
				out[i] = recoveryAlphabet[int(b)%len(recoveryAlphabet)]
				i++
			}
		}
	}
	return string(out[:recoveryLen/2]) + "-" + string(out[recoveryLen/2:]), nil
}

// NormalizeRecoveryCode returns code as it is compared: white space and
// dashes removed, letters in lower case. "ABCDE-FGHJK", "abcde fghjk" and
// "abcdefghjk" are the same code.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
}

// HashRecoveryCode returns the hex SHA-256 of the normalized code, the form
// in which codes are stored and looked up; a timing difference in the lookup
// reveals at most something about a hash, never about a code.
//
// A fast unsalted hash is used, unlike for passwords, because the codes are
// random rather than chosen by people: there is no dictionary to try, and
// online guessing of 49.5 bits is hopeless. The limit is offline: someone who
// has stolen the table could try all 31^10 codes in roughly half a day of one
// modern GPU and learn every user's codes at once. A code only replaces the
// second factor, so that thief still needs each user's password; if that is
// not enough, lengthen the codes (recoveryLen) rather than slow the hash.
func HashRecoveryCode(code string) string {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return hex.EncodeToString(sum[:])
}
