package xroad

import (
	"crypto/sha512"
	"net/http"
	"testing"
)

func TestMessageHead(t *testing.T) {
	h := http.Header{}
	h.Set("X-Road-Client", "UZ/GOV/200000001/portal")
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	got := string(MessageHead("POST", "/r1/UZ/GOV/201122919/civil-registry/births/v1/records?x=1", h))
	want := "POST\r\n/r1/UZ/GOV/201122919/civil-registry/births/v1/records?x=1\r\n" +
		"accept: application/json\r\ncontent-type: application/json\r\nx-road-client: UZ/GOV/200000001/portal\r\n"
	if got != want {
		t.Fatalf("MessageHead =\n%q\nwant\n%q", got, want)
	}

	// Repeated values keep their order; names differing only in case (set
	// directly in the map) still serialise deterministically.
	h = http.Header{"X-B": {"2", "1"}, "x-b": {"3"}, "X-A": {"0"}}
	want = "GET\r\n/\r\nx-a: 0\r\nx-b: 2\r\nx-b: 1\r\nx-b: 3\r\n"
	for range 20 {
		if got := string(MessageHead("GET", "/", h)); got != want {
			t.Fatalf("MessageHead =\n%q\nwant\n%q", got, want)
		}
	}
}

func TestRequestHash(t *testing.T) {
	h := http.Header{}
	h.Set("X-Road-Client", "UZ/GOV/200000001/portal")
	h.Set("Content-Type", "application/json")
	h.Set("Accept", "application/json")
	head := MessageHead("POST", "/r1/UZ/GOV/201122919/civil-registry/births/v1/records?x=1", h)
	body := sha512.Sum512([]byte(`{"pinfl":"31234567890123"}`))

	// Expected values computed independently (Python hashlib):
	// b64(sha512(sha512(head) + sha512(body))) and b64(sha512(head)).
	const withBody = "mVK20uPdSkzRsheTGqNeze9tKmyYlcww2XdhCGOGci0Lm/G0Xv8KFyP9MTzgo/lQA1Oz+EtLx6Mrg2FSFPuszg=="
	const withoutBody = "XJnGhsuCW2uWOIJM4KKltCylnOoRdJlu7KXd/OHQkG352Hp88//s/+ZbctO3348Ve5lKyJsnmxxrnozq9ReYvg=="
	if got := RequestHash(head, body[:]); got != withBody {
		t.Errorf("RequestHash with body = %s, want %s", got, withBody)
	}
	if got := RequestHash(head, nil); got != withoutBody {
		t.Errorf("RequestHash without body = %s, want %s", got, withoutBody)
	}

	if !CheckRequestHash(withBody, head, body[:]) {
		t.Error("CheckRequestHash refused the right hash")
	}
	for _, bad := range []string{"", withoutBody, withBody[:len(withBody)-4] + "AAA="} {
		if CheckRequestHash(bad, head, body[:]) {
			t.Errorf("CheckRequestHash accepted %q", bad)
		}
	}
	// Any change to the request changes the hash.
	other := MessageHead("POST", "/r1/UZ/GOV/201122919/civil-registry/births/v1/records?x=2", h)
	if CheckRequestHash(withBody, other, body[:]) {
		t.Error("hash does not depend on the query")
	}
	otherBody := sha512.Sum512([]byte(`{"pinfl":"31234567890124"}`))
	if CheckRequestHash(withBody, head, otherBody[:]) {
		t.Error("hash does not depend on the body")
	}
}
