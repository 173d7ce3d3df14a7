package pki

import (
	"bytes"
	"testing"
)

func TestSealedKeys(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	s := sealer{secret: bytes.Repeat([]byte{7}, 32)}
	sealed, err := s.seal(key, "ca:one")
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.open(sealed, "ca:one")
	if err != nil || !samePublicKey(got.Public(), key.Public()) {
		t.Fatalf("open: %v", err)
	}
	again, _ := s.seal(key, "ca:one")
	if bytes.Equal(again, sealed) {
		t.Error("sealing twice gave the same bytes: no fresh salt and nonce")
	}
	other := sealer{secret: bytes.Repeat([]byte{8}, 32)}
	for name, try := range map[string]func() error{
		"wrong secret": func() error { _, err := other.open(sealed, "ca:one"); return err },
		"other owner":  func() error { _, err := s.open(sealed, "ca:two"); return err },
		"damaged":      func() error { d := bytes.Clone(sealed); d[len(d)-1] ^= 1; _, err := s.open(d, "ca:one"); return err },
		"short":        func() error { _, err := s.open(sealed[:20], "ca:one"); return err },
	} {
		if try() == nil {
			t.Errorf("%s: opened", name)
		}
	}
}
