package password

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap are parameters that keep tests fast; they are not for production.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerifyRoundTrip(t *testing.T) {
	for _, p := range []Params{DefaultParams(), cheap, {Memory: 256, Time: 3, Threads: 4, SaltLen: 8, KeyLen: 16}} {
		for _, pw := range []string{"correct horse battery staple", "", "пароль-Ўзбекистон-🔑", strings.Repeat("x", 1000)} {
			enc, err := Hash(pw, p)
			if err != nil {
				t.Fatalf("Hash(%+v): %v", p, err)
			}
			ok, rehash, err := Verify(pw, enc)
			if err != nil || !ok {
				t.Fatalf("Verify(%q, %s) = %v, %v", pw, enc, ok, err)
			}
			if rehash != (p != DefaultParams()) {
				t.Errorf("%+v: needsRehash = %v", p, rehash)
			}
			if ok, _, err := Verify(pw+"x", enc); ok || err != nil {
				t.Errorf("wrong password: ok %v, err %v", ok, err)
			}
		}
	}
}

func TestHashFormat(t *testing.T) {
	enc, err := Hash("correct horse battery staple", DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %s", enc)
	}
	parts := strings.Split(enc, "$")
	if len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("Hash = %s: want a 16-byte salt and a 32-byte hash in unpadded base64", enc)
	}
	again, err := Hash("correct horse battery staple", DefaultParams())
	if err != nil || again == enc {
		t.Errorf("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyKnownHash(t *testing.T) {
	// Built here from argon2.IDKey, independently of Hash, to pin the format.
	salt := []byte("saltsaltsaltsalt")
	key := argon2.IDKey([]byte("password"), salt, 1, 64, 1, 32)
	enc := "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$" + b64().EncodeToString(key)
	ok, rehash, err := Verify("password", enc)
	if !ok || !rehash || err != nil {
		t.Errorf("Verify = %v, %v, %v", ok, rehash, err)
	}
}

func TestVerifyTampered(t *testing.T) {
	enc, err := Hash("correct horse battery staple", cheap)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(enc, "$")
	flip := func(s string) string {
		c := byte('A')
		if s[0] == 'A' {
			c = 'B'
		}
		return string(c) + s[1:]
	}
	tests := map[string]string{
		"hash changed":   strings.Join(append(parts[:5:5], flip(parts[5])), "$"),
		"salt changed":   strings.Join([]string{"", parts[1], parts[2], parts[3], flip(parts[4]), parts[5]}, "$"),
		"time changed":   strings.Replace(enc, "t=1", "t=2", 1),
		"memory changed": strings.Replace(enc, "m=64", "m=72", 1),
	}
	for name, bad := range tests {
		if bad == enc {
			t.Fatalf("%s: not changed", name)
		}
		ok, _, err := Verify("correct horse battery staple", bad)
		if ok || err != nil {
			t.Errorf("%s: Verify(%s) = %v, %v, want false, nil", name, bad, ok, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	const (
		salt = "c2FsdHNhbHRzYWx0c2FsdA"                      // 16 bytes
		key  = "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g" // 32 bytes
	)
	tests := map[string]string{
		"empty":              "",
		"garbage":            "not a hash",
		"bcrypt":             "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":            "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2d":            "$argon2d$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"version 16":         "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"no version":         "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"extra field":        "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"no leading dollar":  "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"params reordered":   "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"param missing":      "$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"param extra":        "$argon2id$v=19$m=64,t=1,p=1,k=1$" + salt + "$" + key,
		"leading zero":       "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"plus sign":          "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key,
		"negative":           "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key,
		"empty number":       "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key,
		"space":              "$argon2id$v=19$m=64, t=1,p=1$" + salt + "$" + key,
		"threads 0":          "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"threads 256":        "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key,
		"time 0":             "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"time too high":      "$argon2id$v=19$m=64,t=65,p=1$" + salt + "$" + key,
		"memory below 8p":    "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key,
		"memory too high":    "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,
		"memory overflow":    "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key,
		"salt too short":     "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,
		"empty salt":         "$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"hash too short":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$aGFzaA",
		"padded base64":      "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"url base64":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10] + "-_" + key[12:],
		"newline in base64":  "$argon2id$v=19$m=64,t=1,p=1$" + salt[:8] + "\n" + salt[8:] + "$" + key,
		"stray bits":         "$argon2id$v=19$m=64,t=1,p=1$" + salt[:21] + "B$" + key,
		"not base64":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:40] + "!!!",
		"trailing newline":   "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "\n",
		"upper-case variant": "$ARGON2ID$v=19$m=64,t=1,p=1$" + salt + "$" + key,
	}
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			ok, rehash, err := Verify("password", enc)
			if err == nil || ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, %v, want an error", enc, ok, rehash, err)
			}
		})
	}
}

func TestHashRefusesBadParams(t *testing.T) {
	for _, p := range []Params{
		{},
		{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
		{Memory: 7, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
		{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		{Memory: 1<<20 + 1, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	} {
		if enc, err := Hash("password", p); err == nil {
			t.Errorf("Hash(%+v) = %s, want an error", p, enc)
		}
	}
}

func TestNeedsRehash(t *testing.T) {
	d := DefaultParams()
	tests := []struct {
		name string
		p    Params
		want bool
	}{
		{"default", d, false},
		{"less memory", Params{Memory: d.Memory / 2, Time: d.Time, Threads: d.Threads, SaltLen: d.SaltLen, KeyLen: d.KeyLen}, true},
		{"more time", Params{Memory: d.Memory, Time: d.Time + 1, Threads: d.Threads, SaltLen: d.SaltLen, KeyLen: d.KeyLen}, true},
		{"two lanes", Params{Memory: d.Memory, Time: d.Time, Threads: 2, SaltLen: d.SaltLen, KeyLen: d.KeyLen}, true},
		{"short salt", Params{Memory: d.Memory, Time: d.Time, Threads: d.Threads, SaltLen: 8, KeyLen: d.KeyLen}, true},
		{"short key", Params{Memory: d.Memory, Time: d.Time, Threads: d.Threads, SaltLen: d.SaltLen, KeyLen: 16}, true},
	}
	for _, tt := range tests {
		enc, err := Hash("correct horse battery staple", tt.p)
		if err != nil {
			t.Fatal(err)
		}
		ok, rehash, err := Verify("correct horse battery staple", enc)
		if !ok || err != nil || rehash != tt.want {
			t.Errorf("%s: Verify = %v, %v, %v, want needsRehash %v", tt.name, ok, rehash, err, tt.want)
		}
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	salt, key := bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{2}, 32)
	enc := encode(cheap, salt, key)
	p, s, k, err := decode(enc)
	if err != nil || p != cheap || !bytes.Equal(s, salt) || !bytes.Equal(k, key) {
		t.Errorf("decode(%s) = %+v, %x, %x, %v", enc, p, s, k, err)
	}
}

func BenchmarkHash(b *testing.B) {
	p := DefaultParams()
	for b.Loop() {
		if _, err := Hash("correct horse battery staple", p); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(time.Millisecond)/float64(b.N), "ms/hash")
}

func FuzzVerify(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "password")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g", "")
	f.Add("$argon2id$v=19$m=064,t=1,p=1$c2FsdA$aGFzaA==", "x")
	f.Add("$argon2i$v=19$m=4294967296,t=1,p=256$$", "x")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		p, salt, key, err := decode(enc)
		if err != nil {
			return
		}
		if p.validate() != nil || uint32(len(salt)) != p.SaltLen || uint32(len(key)) != p.KeyLen {
			t.Fatalf("decode(%q) accepted %+v", enc, p)
		}
		if again := encode(p, salt, key); again != enc {
			t.Fatalf("decode(%q) re-encodes as %q", enc, again)
		}
		// Run the whole of Verify only where it is cheap.
		if p.Memory <= 1024 && p.Time <= 4 {
			if _, _, err := Verify(pw, enc); err != nil {
				t.Fatalf("Verify(%q) = %v after decode succeeded", enc, err)
			}
		}
	})
}
