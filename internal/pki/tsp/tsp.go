// Package tsp is the Time-Stamp Protocol (RFC 3161, with the ESS
// signing-certificate-v2 of RFC 5816): requests, responses and tokens, an
// Authority that answers requests, and the checks a verifier makes of a
// token. A token is a CMS SignedData (package cms) whose content is a
// TSTInfo; the ASN.1 of the protocol itself is small and written here
// with encoding/asn1.
package tsp

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
)

// PKIStatus values (RFC 3161 2.4.2).
const (
	StatusGranted          = 0
	StatusGrantedWithMods  = 1
	StatusRejection        = 2
	StatusWaiting          = 3
	StatusRevocationWarn   = 4
	StatusRevocationNotice = 5
)

// PKIFailureInfo bits (RFC 3161 2.4.2).
const (
	FailBadAlg              = 0
	FailBadRequest          = 2
	FailBadDataFormat       = 5
	FailTimeNotAvailable    = 14
	FailUnacceptedPolicy    = 15
	FailUnacceptedExtension = 16
	FailSystemFailure       = 25
)

// ErrMalformed is wrapped by the errors of the parsers for input that is
// not the DER structure expected.
var ErrMalformed = errors.New("tsp: malformed")

// messageImprint is the hash of the data a token is for.
type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

// timeStampReq is TimeStampReq.
type timeStampReq struct {
	Version        int
	MessageImprint messageImprint
	ReqPolicy      asn1.ObjectIdentifier `asn1:"optional"`
	Nonce          *big.Int              `asn1:"optional"`
	CertReq        bool                  `asn1:"optional,default:false"`
	Extensions     []pkix.Extension      `asn1:"optional,tag:0"`
}

// accuracy is Accuracy; zero fields are absent.
type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// tstInfo is TSTInfo, the content of a token.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional,default:false"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,explicit,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

// pkiStatusInfo is PKIStatusInfo; StatusString holds UTF8Strings.
type pkiStatusInfo struct {
	Status       int
	StatusString []asn1.RawValue `asn1:"optional"`
	FailInfo     asn1.BitString  `asn1:"optional"`
}

// timeStampResp is TimeStampResp.
type timeStampResp struct {
	Status         pkiStatusInfo
	TimeStampToken asn1.RawValue `asn1:"optional"`
}

// Request is a timestamp request.
type Request struct {
	// Hash names the algorithm of HashedMessage; 0 if the request names
	// one this package does not accept (HashOID says which).
	Hash          crypto.Hash
	HashOID       asn1.ObjectIdentifier
	HashedMessage []byte
	// Policy is the TSA policy asked for, if any.
	Policy asn1.ObjectIdentifier
	// Nonce, if set, comes back in the token.
	Nonce *big.Int
	// CertReq asks for the TSA's certificate in the token.
	CertReq bool
	// Extensions are the request's extensions; this TSA accepts none.
	Extensions []pkix.Extension
}

// maxMessage bounds what the parsers read; requests and tokens are a few
// kilobytes.
const maxMessage = 64 << 10

// ParseRequest reads a DER TimeStampReq.
func ParseRequest(der []byte) (*Request, error) {
	if len(der) > maxMessage {
		return nil, fmt.Errorf("%w request: too long", ErrMalformed)
	}
	var r timeStampReq
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil || len(rest) > 0 || r.Version != 1 {
		return nil, fmt.Errorf("%w request", ErrMalformed)
	}
	return &Request{Hash: cms.HashOf(r.MessageImprint.HashAlgorithm.Algorithm), HashOID: r.MessageImprint.HashAlgorithm.Algorithm,
		HashedMessage: r.MessageImprint.HashedMessage, Policy: r.ReqPolicy, Nonce: r.Nonce, CertReq: r.CertReq, Extensions: r.Extensions}, nil
}

// NewRequest asks for a token over digest, made with h, with a fresh
// random nonce and the TSA's certificate.
func NewRequest(h crypto.Hash, digest []byte) (*Request, error) {
	oid := cms.DigestOID(h)
	if oid == nil || len(digest) != h.Size() {
		return nil, errors.New("tsp: unsupported hash or wrong digest size")
	}
	nonce, err := randomSerial()
	if err != nil {
		return nil, err
	}
	return &Request{Hash: h, HashOID: oid, HashedMessage: digest, Nonce: nonce, CertReq: true}, nil
}

// Marshal writes the request as DER.
func (r *Request) Marshal() ([]byte, error) {
	return asn1.Marshal(timeStampReq{Version: 1, MessageImprint: messageImprint{
		HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: r.HashOID}, HashedMessage: r.HashedMessage},
		ReqPolicy: r.Policy, Nonce: r.Nonce, CertReq: r.CertReq, Extensions: r.Extensions})
}

// Response is a parsed TimeStampResp.
type Response struct {
	Status int
	// StatusText is the TSA's explanation, if any.
	StatusText []string
	// FailInfo is the set PKIFailureInfo bit, -1 if none.
	FailInfo int
	// Token is the DER timestamp token when granted.
	Token []byte
}

// ParseResponse reads a DER TimeStampResp.
func ParseResponse(der []byte) (*Response, error) {
	if len(der) > maxMessage {
		return nil, fmt.Errorf("%w response: too long", ErrMalformed)
	}
	var r timeStampResp
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w response", ErrMalformed)
	}
	out := &Response{Status: r.Status.Status, FailInfo: -1}
	for _, s := range r.Status.StatusString {
		out.StatusText = append(out.StatusText, string(s.Bytes))
	}
	for i := 0; i < r.Status.FailInfo.BitLength; i++ {
		if r.Status.FailInfo.At(i) == 1 {
			out.FailInfo = i
			break
		}
	}
	if len(r.TimeStampToken.FullBytes) > 0 {
		out.Token = r.TimeStampToken.FullBytes
	}
	return out, nil
}

// failInfo is the DER BIT STRING with only bit set, without trailing zero
// bits.
func failInfo(bit int) asn1.BitString {
	b := make([]byte, bit/8+1)
	b[bit/8] = 0x80 >> (bit % 8)
	return asn1.BitString{Bytes: b, BitLength: bit + 1}
}

// marshalResponse writes a TimeStampResp.
func marshalResponse(status int, text string, fail int, token []byte) ([]byte, error) {
	r := timeStampResp{Status: pkiStatusInfo{Status: status}}
	if text != "" {
		r.Status.StatusString = []asn1.RawValue{{Tag: asn1.TagUTF8String, Bytes: []byte(text)}}
	}
	if fail >= 0 {
		r.Status.FailInfo = failInfo(fail)
	}
	if token != nil {
		r.TimeStampToken = asn1.RawValue{FullBytes: token}
	}
	return asn1.Marshal(r)
}
