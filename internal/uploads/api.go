package uploads

import (
	_ "embed"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed openapi.json
var openAPIFragment []byte

// MsgNoFile is the error of an upload request without a file.
const MsgNoFile = "uploads.error.no_file"

// fileJSON is a stored file as the API gives it: its id is the reference
// a form's file field takes.
type fileJSON struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	CreatedAt   time.Time `json:"created_at"`
}

// APIRoutes registers the upload of a file for an application by an app
// (multipart/form-data, the part "file"), open to holders of perm, for the
// user that user returns, and describes it in the OpenAPI document. The
// answer's id goes in the form's file field.
//
//	POST /api/v1/uploads   201 with the file, or a problem
func (s *Service) APIRoutes(srv *web.Server, perm web.Permission, user CurrentUser) error {
	srv.Router().Handle("POST /api/v1/uploads", perm, func(w http.ResponseWriter, r *http.Request) error {
		uid, err := owner(r, user)
		if err != nil {
			return err
		}
		file, header, err := r.FormFile("file")
		if err != nil {
			// No multipart body, no "file" part, or a body cut short.
			return apperr.Invalid(MsgNoFile, map[string]string{"file": MsgNoFile})
		}
		defer file.Close()
		if r.MultipartForm != nil {
			defer func() { _ = r.MultipartForm.RemoveAll() }()
		}
		f, err := s.Store(r.Context(), Upload{Owner: uid, Name: header.Filename, Declared: header.Header.Get("Content-Type"), Body: file})
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/uploads/"+f.ID)
		return web.WriteJSON(w, http.StatusCreated, fileJSON{ID: f.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
			SHA256: f.SHA256, CreatedAt: f.CreatedAt})
	})
	return srv.API().Describe(openAPIFragment)
}
