package tsp

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"time"

	"github.com/egovuz/egov/internal/pki/cms"
)

// Accuracy is what the Authority states about its time: the platform's
// clocks are kept by NTP well within a second.
const Accuracy = time.Second

// Authority issues timestamp tokens with its key and certificate, which
// must carry the critical timeStamping extended key usage.
type Authority struct {
	Key  crypto.Signer
	Cert *x509.Certificate
	// Policy is the TSA policy every token states.
	Policy asn1.ObjectIdentifier
	// Now tells the time.
	Now func() time.Time
}

// Respond answers a DER TimeStampReq with a DER TimeStampResp. Requests
// the TSA will not grant get a rejection with a PKIFailureInfo, as the
// protocol wants, not an error: badDataFormat for a request it cannot
// read, badAlg for a hash other than SHA-256, SHA-384 or SHA-512 (or a
// digest of the wrong size), unacceptedPolicy for another policy and
// unacceptedExtension for any extension. An error means the TSA itself
// failed (signing), and the caller should answer systemFailure
// (SystemFailure).
func (a *Authority) Respond(der []byte) ([]byte, error) {
	req, err := ParseRequest(der)
	if err != nil {
		return marshalResponse(StatusRejection, "request cannot be read", FailBadDataFormat, nil)
	}
	switch {
	case req.Hash == 0 || len(req.HashedMessage) != req.Hash.Size():
		return marshalResponse(StatusRejection, "unsupported hash algorithm", FailBadAlg, nil)
	case req.Policy != nil && !req.Policy.Equal(a.Policy):
		return marshalResponse(StatusRejection, "unaccepted policy", FailUnacceptedPolicy, nil)
	case len(req.Extensions) > 0:
		return marshalResponse(StatusRejection, "unaccepted extension", FailUnacceptedExtension, nil)
	}
	token, err := a.issue(req)
	if err != nil {
		return nil, err
	}
	return marshalResponse(StatusGranted, "", -1, token)
}

// SystemFailure is the response to send when Respond fails.
func SystemFailure() []byte {
	der, _ := marshalResponse(StatusRejection, "system failure", FailSystemFailure, nil)
	return der
}

// Timestamp issues a token over digest (made with h) directly, for
// signers in the same process; it includes the TSA's certificate.
func (a *Authority) Timestamp(h crypto.Hash, digest []byte) ([]byte, error) {
	oid := cms.DigestOID(h)
	if oid == nil || len(digest) != h.Size() {
		return nil, errors.New("tsp: unsupported hash or wrong digest size")
	}
	return a.issue(&Request{Hash: h, HashOID: oid, HashedMessage: digest, CertReq: true})
}

// issue signs a token for an acceptable request: a random serial number
// of 159 bits (unique without coordination between nodes), the time to
// the second with Accuracy, the request's nonce, and the TSA's
// certificate when the request asks for it. The ESS signing-certificate-v2
// attribute binds the token to the certificate, as RFC 5816 allows and
// OpenSSL requires.
func (a *Authority) issue(req *Request) ([]byte, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	info, err := asn1.Marshal(tstInfo{
		Version: 1, Policy: a.Policy, SerialNumber: serial, GenTime: a.Now().UTC().Truncate(time.Second),
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: req.HashOID}, HashedMessage: req.HashedMessage},
		Accuracy:       accuracy{Seconds: int(Accuracy / time.Second)}, Nonce: req.Nonce,
	})
	if err != nil {
		return nil, err
	}
	sd, err := cms.Sign(info, cms.Signer{Key: a.Key, Cert: a.Cert}, cms.SignOptions{ContentType: cms.OIDTSTInfo,
		Attributes: []cms.Attribute{cms.SigningCertificateV2Attr(a.Cert)}, OmitCertificates: !req.CertReq})
	if err != nil {
		return nil, err
	}
	return sd.Marshal()
}

// randomSerial is a random positive integer of up to 159 bits.
func randomSerial() (*big.Int, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x01 // never zero, and always long enough to be unique
	return new(big.Int).SetBytes(b), nil
}
