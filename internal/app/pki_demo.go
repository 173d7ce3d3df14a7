package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
)

// Names of the demo's certificate authorities.
const (
	demoRootName    = "egov Demo Root CA"
	demoIssuingName = "egov Demo Issuing CA"
)

// loadDemoPKI sets up a root and an issuing CA when there is none, so that
// a demo signs, timestamps and answers OCSP from the start. The root, which
// an operator would keep offline, is written to pki/ in the data dir with
// the demo password, beside its certificate in PEM for tools such as
// openssl.
func (a *App) loadDemoPKI(ctx context.Context) error {
	cas, err := a.PKI.Authorities(ctx)
	if err != nil {
		return err
	}
	for _, ca := range cas {
		if ca.Active {
			return nil
		}
	}
	// A data dir that outlived its database keeps its root.
	dir := filepath.Join(a.cfg.DataDir, "pki")
	var root *pki.Root
	if p12, err := os.ReadFile(filepath.Join(dir, "root.p12")); err == nil {
		if root, err = pki.ParseRoot(p12, identity.DemoPassword); err != nil {
			return err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	} else {
		if root, err = pki.GenerateRoot(demoRootName, a.clock.Now(), 0); err != nil {
			return err
		}
		if err := root.WriteFiles(dir, identity.DemoPassword); err != nil {
			return err
		}
	}
	_, err = a.PKI.CreateIssuingCA(ctx, "demo", root, demoIssuingName, "egov demo")
	return err
}

// pkiHolders tells the certificate pages who is signed in, with the
// identity register's PINFL and names.
type pkiHolders struct{}

// Holder is the signed-in person; false for nobody.
func (pkiHolders) Holder(ctx context.Context) (pki.Holder, bool) {
	p := identity.FromContext(ctx)
	if p == nil {
		return pki.Holder{}, false
	}
	return pki.Holder{UserID: p.User.ID, PINFL: p.User.PINFL, GivenName: p.User.FirstName, Surname: p.User.LastName,
		Strong: p.Session.Method.Strong()}, true
}
