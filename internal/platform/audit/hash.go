package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// genesisHash is the PrevHash of the first entry, and the head's hash while
// the log is empty (the migration writes the same value).
const genesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// hashDomain opens every hashed encoding; a different encoding in future would
// get a new domain so that old and new hashes can never be confused.
const hashDomain = "egov.audit.v1"

// hashTime is the layout of an entry's time inside the hash: RFC 3339, UTC,
// always nine fraction digits.
const hashTime = "2006-01-02T15:04:05.000000000Z07:00"

// row is an entry as stored: the fields the hash covers, with details as the
// exact JSON text stored.
type row struct {
	seq        int64
	id         string
	at         time.Time
	actor      string
	action     string
	objectType string
	objectID   string
	ip         string
	requestID  string
	userAgent  string
	details    string
	prevHash   string
	hash       string
}

// hasher computes entry hashes, reusing its buffers between calls; the zero
// value is ready. Not safe for concurrent use.
type hasher struct {
	buf []byte
	hex [2 * sha256.Size]byte
}

// sum returns the lowercase hex SHA-256 of r's canonical encoding. The result
// is valid until the next call.
//
// The encoding is a sequence of fields, each as its byte length (unsigned
// 64-bit big-endian) followed by its bytes, in this fixed order: hashDomain,
// seq (decimal), id, at (hashTime), actor, action, object type, object ID, IP,
// request ID, user agent, details (canonical JSON text), prev hash. The
// length prefixes make the encoding unambiguous whatever the fields contain.
func (h *hasher) sum(r *row) []byte {
	// h.hex serves as scratch space for seq and time until it receives
	// the digest.
	b := h.buf[:0]
	b = appendField(b, hashDomain)
	b = appendField(b, strconv.AppendInt(h.hex[:0], r.seq, 10))
	b = appendField(b, r.id)
	b = appendField(b, r.at.UTC().AppendFormat(h.hex[:0], hashTime))
	for _, s := range [...]string{r.actor, r.action, r.objectType, r.objectID, r.ip, r.requestID, r.userAgent, r.details, r.prevHash} {
		b = appendField(b, s)
	}
	h.buf = b
	sum := sha256.Sum256(b)
	hex.Encode(h.hex[:], sum[:])
	return h.hex[:]
}

// appendField appends s, prefixed by its length, to b.
func appendField[T string | []byte](b []byte, s T) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}
