package app

import (
	"context"
	"database/sql"
	"io"
	"net/http"

	"github.com/egovuz/egov/internal/identity"
	"github.com/egovuz/egov/internal/uploads"
)

// useUploads sets up the attachments of applications: files up to the
// request body limit less a megabyte for the rest of the form, checked by
// their bytes and by the built-in scan for the EICAR test file (a real
// scanner plugs in as uploads.Scanner), with the owner's download route and
// the API's upload.
func (a *App) useUploads() (*uploads.Service, error) {
	svc, err := uploads.New(a.DB, a.Blob, a.clock, a.log, uploads.Config{MaxSize: a.cfg.MaxBodyBytes - 1<<20,
		Scanner: uploads.EICAR{}})
	if err != nil {
		return nil, err
	}
	svc.Routes(a.Web.Router(), identity.PermSelf, a.applicantID)
	if err := svc.APIRoutes(a.Web, identity.PermSelf, a.applicantID); err != nil {
		return nil, err
	}
	a.uploads = svc
	return svc, nil
}

// applicationAttachments keeps applications' files in the uploads module.
type applicationAttachments struct{ svc *uploads.Service }

// Store checks and keeps a posted file.
func (u applicationAttachments) Store(ctx context.Context, owner, name, declared string, body io.Reader) (string, error) {
	f, err := u.svc.Store(ctx, uploads.Upload{Owner: owner, Name: name, Declared: declared, Body: body})
	return f.ID, err
}

// Check refuses references that are not the owner's files.
func (u applicationAttachments) Check(ctx context.Context, owner string, refs ...string) error {
	return u.svc.Check(ctx, owner, refs...)
}

// Claim marks the file as the application's.
func (u applicationAttachments) Claim(ctx context.Context, tx *sql.Tx, owner, ref, application string) error {
	return u.svc.Claim(ctx, tx, owner, ref, application)
}

// Serve sends the file to staff.
func (u applicationAttachments) Serve(w http.ResponseWriter, r *http.Request, ref string) error {
	f, body, err := u.svc.OpenForStaff(r.Context(), ref)
	if err != nil {
		return err
	}
	u.svc.Serve(w, r, f, body)
	return nil
}

// applicantID is the account whose invoices and files a request may see:
// the signed-in person's, or that of the citizen a public service centre's
// operator serves; false for nobody. The applicants are known once the
// applications are set up, before the node serves.
func (a *App) applicantID(ctx context.Context) (string, bool) {
	who, ok := a.who.Applicant(ctx)
	return who.UserID, ok
}
