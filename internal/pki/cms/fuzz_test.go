package cms_test

import (
	"errors"
	"testing"

	"github.com/egovuz/egov/internal/pki/cms"
)

// FuzzParse feeds Parse and Verify anything: they must refuse what they
// cannot read with ErrMalformed, and never panic.
func FuzzParse(f *testing.F) {
	key := keys(f)["P-256"]
	cert := selfSigned(f, key)
	for _, detached := range []bool{true, false} {
		sd, _ := cms.Sign([]byte("seed"), cms.Signer{Key: key, Cert: cert}, cms.SignOptions{Detached: detached,
			Attributes: []cms.Attribute{cms.SigningCertificateV2Attr(cert)}})
		der, _ := sd.Marshal()
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		sd, err := cms.Parse(der)
		if err != nil {
			if !errors.Is(err, cms.ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		for _, si := range sd.Signers {
			if c := si.SignerCertificate(sd.Certificates); c != nil {
				_ = sd.Verify(si, c, []byte("seed"))
				_ = si.CheckSigningCertificate(c)
			}
			si.SigningTime()
		}
		if _, err := sd.Marshal(); err != nil && len(sd.Signers) > 0 {
			t.Fatalf("parsed but cannot marshal: %v", err)
		}
	})
}
