package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Algorithm identifiers.
var (
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}

	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// ErrUnsupportedAlgorithm is returned for digest or signature algorithms
// this package does not handle (SHA-1 and MD5 among them, on purpose).
var ErrUnsupportedAlgorithm = errors.New("cms: unsupported algorithm")

// digests maps digest OIDs to hashes.
var digests = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{{oidSHA256, crypto.SHA256}, {oidSHA384, crypto.SHA384}, {oidSHA512, crypto.SHA512}}

// DigestOID returns the OID of h, or nil if the package does not use it.
func DigestOID(h crypto.Hash) asn1.ObjectIdentifier {
	for _, d := range digests {
		if d.hash == h {
			return d.oid
		}
	}
	return nil
}

// HashOf returns the hash an OID names, or 0 if the package does not use
// it.
func HashOf(oid asn1.ObjectIdentifier) crypto.Hash {
	for _, d := range digests {
		if d.oid.Equal(oid) {
			return d.hash
		}
	}
	return 0
}

// algorithmID writes an AlgorithmIdentifier, with a NULL parameter where
// the algorithm's specification asks for one (the RSA signatures).
func algorithmID(oid asn1.ObjectIdentifier, nullParams bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if nullParams {
			b.AddASN1NULL()
		}
	})
	return b.BytesOrPanic()
}

// parseAlgorithmID reads the OID of an AlgorithmIdentifier, ignoring its
// parameters.
func parseAlgorithmID(der []byte) (asn1.ObjectIdentifier, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var oid asn1.ObjectIdentifier
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&oid) {
		return nil, errors.New("cms: malformed algorithm identifier")
	}
	return oid, nil
}

// signingAlgorithms chooses the digest and signature algorithms for a key:
// the hash that matches the curve for ECDSA, SHA-256 for RSA, and SHA-512
// as digest with pure Ed25519 (RFC 8419).
func signingAlgorithms(pub crypto.PublicKey) (h crypto.Hash, digestAlg, sigAlg []byte, err error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return crypto.SHA256, algorithmID(oidSHA256, false), algorithmID(oidECDSAWithSHA256, false), nil
		case elliptic.P384():
			return crypto.SHA384, algorithmID(oidSHA384, false), algorithmID(oidECDSAWithSHA384, false), nil
		case elliptic.P521():
			return crypto.SHA512, algorithmID(oidSHA512, false), algorithmID(oidECDSAWithSHA512, false), nil
		}
	case *rsa.PublicKey:
		return crypto.SHA256, algorithmID(oidSHA256, false), algorithmID(oidSHA256WithRSA, true), nil
	case ed25519.PublicKey:
		return crypto.SHA512, algorithmID(oidSHA512, false), algorithmID(oidEd25519, false), nil
	}
	return 0, nil, nil, ErrUnsupportedAlgorithm
}

// x509Algorithm tells how to check a signature made with sigAlg over
// content digested with h: the x509 algorithm whose hash must be h. RSA
// signatures labelled plain rsaEncryption, and ECDSA ones labelled
// id-ecPublicKey, as some signers write them, take the hash from the
// digest algorithm.
func x509Algorithm(sigAlg asn1.ObjectIdentifier, h crypto.Hash) (x509.SignatureAlgorithm, error) {
	byHash := func(a256, a384, a512 x509.SignatureAlgorithm) (x509.SignatureAlgorithm, error) {
		switch h {
		case crypto.SHA256:
			return a256, nil
		case crypto.SHA384:
			return a384, nil
		case crypto.SHA512:
			return a512, nil
		}
		return 0, ErrUnsupportedAlgorithm
	}
	rsaAlgs := func() (x509.SignatureAlgorithm, error) {
		return byHash(x509.SHA256WithRSA, x509.SHA384WithRSA, x509.SHA512WithRSA)
	}
	ecAlgs := func() (x509.SignatureAlgorithm, error) {
		return byHash(x509.ECDSAWithSHA256, x509.ECDSAWithSHA384, x509.ECDSAWithSHA512)
	}
	want := func(expect crypto.Hash, alg func() (x509.SignatureAlgorithm, error)) (x509.SignatureAlgorithm, error) {
		if h != expect {
			return 0, ErrUnsupportedAlgorithm
		}
		return alg()
	}
	switch {
	case sigAlg.Equal(oidRSAEncryption):
		return rsaAlgs()
	case sigAlg.Equal(oidSHA256WithRSA):
		return want(crypto.SHA256, rsaAlgs)
	case sigAlg.Equal(oidSHA384WithRSA):
		return want(crypto.SHA384, rsaAlgs)
	case sigAlg.Equal(oidSHA512WithRSA):
		return want(crypto.SHA512, rsaAlgs)
	case sigAlg.Equal(oidECPublicKey):
		return ecAlgs()
	case sigAlg.Equal(oidECDSAWithSHA256):
		return want(crypto.SHA256, ecAlgs)
	case sigAlg.Equal(oidECDSAWithSHA384):
		return want(crypto.SHA384, ecAlgs)
	case sigAlg.Equal(oidECDSAWithSHA512):
		return want(crypto.SHA512, ecAlgs)
	case sigAlg.Equal(oidEd25519):
		return x509.PureEd25519, nil
	}
	return 0, ErrUnsupportedAlgorithm
}
