package cms

import (
	"bytes"
	"errors"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Context-specific tags SignedData and SignerInfo use.
var (
	tag0  = cbasn1.Tag(0).ContextSpecific()
	tag0C = cbasn1.Tag(0).ContextSpecific().Constructed()
	tag1C = cbasn1.Tag(1).ContextSpecific().Constructed()
)

// Marshal writes sd as a DER ContentInfo.
func (sd *SignedData) Marshal() ([]byte, error) {
	if len(sd.Signers) == 0 || sd.ContentType == nil {
		return nil, errors.New("cms: nothing signed")
	}
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(OIDSignedData)
		b.AddASN1(tag0C, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, sd.marshalBody)
		})
	})
	return b.Bytes()
}

// marshalBody writes the fields of SignedData (RFC 5652 5.1).
func (sd *SignedData) marshalBody(b *cryptobyte.Builder) {
	b.AddASN1Int64(sd.version())
	digestAlgs := make([][]byte, 0, len(sd.Signers))
	for _, si := range sd.Signers {
		if !slices.ContainsFunc(digestAlgs, func(d []byte) bool { return bytes.Equal(d, si.DigestAlgorithm) }) {
			digestAlgs = append(digestAlgs, si.DigestAlgorithm)
		}
	}
	addSet(b, digestAlgs)
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(sd.ContentType)
		if sd.Content != nil {
			b.AddASN1(tag0C, func(b *cryptobyte.Builder) { b.AddASN1OctetString(sd.Content) })
		}
	})
	if len(sd.Certificates) > 0 {
		certs := make([][]byte, len(sd.Certificates))
		for i, c := range sd.Certificates {
			certs[i] = c.Raw
		}
		addTaggedSet(b, tag0C, certs)
	}
	if len(sd.CRLs)+len(sd.OtherRevocationInfo) > 0 {
		infos := slices.Clone(sd.CRLs)
		for _, o := range sd.OtherRevocationInfo {
			var ob cryptobyte.Builder
			ob.AddASN1(tag1C, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(o.Format)
				b.AddBytes(o.Info)
			})
			infos = append(infos, ob.BytesOrPanic())
		}
		addTaggedSet(b, tag1C, infos)
	}
	signers := make([][]byte, len(sd.Signers))
	for i, si := range sd.Signers {
		var sb cryptobyte.Builder
		sb.AddASN1(cbasn1.SEQUENCE, si.marshal)
		signers[i] = sb.BytesOrPanic()
	}
	addSet(b, signers)
}

// version is the SignedData version RFC 5652 5.1 prescribes.
func (sd *SignedData) version() int64 {
	switch {
	case len(sd.OtherRevocationInfo) > 0:
		return 5
	case !sd.ContentType.Equal(OIDData):
		return 3
	}
	for _, si := range sd.Signers {
		if si.SubjectKeyID != nil {
			return 3
		}
	}
	return 1
}

// marshal writes the fields of a SignerInfo (RFC 5652 5.3).
func (si *SignerInfo) marshal(b *cryptobyte.Builder) {
	if si.SubjectKeyID != nil {
		b.AddASN1Int64(3)
		b.AddASN1(tag0, func(b *cryptobyte.Builder) { b.AddBytes(si.SubjectKeyID) })
	} else {
		b.AddASN1Int64(1)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddBytes(si.IssuerName)
			b.AddASN1BigInt(si.SerialNumber)
		})
	}
	b.AddBytes(si.DigestAlgorithm)
	if si.rawSignedAttrs != nil {
		// The signature covers these bytes under a SET tag; here they
		// take the [0] IMPLICIT tag, the rest unchanged.
		b.AddBytes(append([]byte{byte(tag0C)}, si.rawSignedAttrs[1:]...))
	}
	b.AddBytes(si.SignatureAlgorithm)
	b.AddASN1OctetString(si.Signature)
	if len(si.UnsignedAttrs) > 0 {
		b.AddBytes(marshalAttributes(si.UnsignedAttrs, tag1C))
	}
}

// marshalAttributes writes attrs as a SET OF Attribute under tag, in DER
// order.
func marshalAttributes(attrs []Attribute, tag cbasn1.Tag) []byte {
	elems := make([][]byte, len(attrs))
	for i, a := range attrs {
		var ab cryptobyte.Builder
		ab.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(a.Type)
			addSet(b, a.Values)
		})
		elems[i] = ab.BytesOrPanic()
	}
	var b cryptobyte.Builder
	addTaggedSet(&b, tag, elems)
	return b.BytesOrPanic()
}

// addSet writes a DER SET OF the encoded elements.
func addSet(b *cryptobyte.Builder, elems [][]byte) { addTaggedSet(b, cbasn1.SET, elems) }

// addTaggedSet writes a SET OF under tag with the elements sorted as DER
// requires (X.690 11.6).
func addTaggedSet(b *cryptobyte.Builder, tag cbasn1.Tag, elems [][]byte) {
	sorted := slices.Clone(elems)
	slices.SortFunc(sorted, bytes.Compare)
	b.AddASN1(tag, func(b *cryptobyte.Builder) {
		for _, e := range sorted {
			b.AddBytes(e)
		}
	})
}
