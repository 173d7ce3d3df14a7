package app

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/pki"
	"github.com/egovuz/egov/internal/platform/i18n"
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
		Strong: p.Session != nil && p.Session.Method.Strong()}, true
}

// loadDemoOfficerKeys gives each demo officer and supervisor a signing key
// the platform keeps, certified for their agency, so that they sign result
// documents from the back office; one who has an officer certificate
// already keeps it. A node that keeps no keys gives none.
func (a *App) loadDemoOfficerKeys(ctx context.Context) error {
	if !a.cfg.cloudSigning() {
		return nil // demo data loaded into a node that keeps no keys
	}
	agencies, err := a.Registry.Agencies(ctx)
	if err != nil {
		return err
	}
	profile := pki.ProfileOfficer
	for _, ag := range agencies {
		staff, err := a.Accounts.StaffOf(ctx, ag.ID)
		if err != nil {
			return err
		}
		for _, u := range staff {
			grants, err := a.Accounts.Grants(ctx, u.ID)
			if err != nil {
				return err
			}
			if !slices.ContainsFunc(grants, func(g identity.Grant) bool {
				return g.AgencyID == ag.ID && (g.Role == identity.RoleOfficer || g.Role == identity.RoleSupervisor)
			}) {
				continue
			}
			owner := u.ID
			have, err := a.PKI.FindCertificates(ctx, pki.CertificateFilter{Owner: &owner, Profile: &profile})
			if err != nil {
				return err
			}
			if len(have) > 0 {
				continue
			}
			if _, err := a.PKI.CreateCloudKey(ctx, pki.CloudKeyRequest{Profile: pki.ProfileOfficer, Owner: u.ID, Actor: "demo",
				Subject: pki.Subject{PINFL: u.PINFL, GivenName: u.FirstName, Surname: u.LastName,
					Organization: ag.Names.Get(i18n.UzLatn)}}); err != nil {
				return err
			}
		}
	}
	return nil
}
