package xroad

import (
	"bytes"
	"cmp"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// RequestHash returns the X-Road-Request-Hash value the provider's gateway
// puts on its response, binding the response to the request so that one
// can prove which query a registry record answered (PR-REST 4.3):
//
//	base64(SHA-512(SHA-512(head) || SHA-512(body)))  when there is a body
//	base64(SHA-512(head))                            when there is none
//
// head is the request head as the consumer gateway signed and sent it, in
// the form [MessageHead] produces; bodyDigest is the SHA-512 of the body
// bytes (computed while streaming them), or nil for an empty body. The
// protocol leaves the serialisation of "headers" to the implementation;
// both gateways here are egov, so MessageHead defines it.
func RequestHash(head, bodyDigest []byte) string {
	headDigest := sha512.Sum512(head)
	if bodyDigest == nil {
		return base64.StdEncoding.EncodeToString(headDigest[:])
	}
	sum := sha512.Sum512(append(headDigest[:], bodyDigest...))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// CheckRequestHash reports whether got, the X-Road-Request-Hash of a
// response, matches the request the consumer gateway sent. It compares in
// constant time; a mismatch means the response belongs to another request
// or was altered, and the consumer gateway must refuse it.
func CheckRequestHash(got string, head, bodyDigest []byte) bool {
	want := RequestHash(head, bodyDigest)
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// MessageHead serialises a request head canonically for signing and for
// RequestHash: the method, the request target and the headers, one per
// line ending in CRLF, header names in lower case and sorted, each value
// on its own "name: value" line in the order received:
//
//	GET\r\n
//	/r1/UZ/GOV/201122919/civil-registry/births/v1/123?x=1\r\n
//	accept: application/json\r\n
//	x-road-client: UZ/GOV/200000001/portal\r\n
//
// Go's HTTP stack refuses CR and LF in names and values, so headers that
// went over the wire cannot make two different heads serialise alike.
func MessageHead(method, target string, h http.Header) []byte {
	var b bytes.Buffer
	b.WriteString(method)
	b.WriteString("\r\n")
	b.WriteString(target)
	b.WriteString("\r\n")
	names := slices.Collect(maps.Keys(h))
	slices.SortFunc(names, func(x, y string) int {
		return cmp.Or(cmp.Compare(strings.ToLower(x), strings.ToLower(y)), cmp.Compare(x, y))
	})
	for _, name := range names {
		n := strings.ToLower(name)
		for _, v := range h[name] {
			b.WriteString(n)
			b.WriteString(": ")
			b.WriteString(v)
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}
