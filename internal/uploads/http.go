package uploads

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// CurrentUser returns the account whose files a request may use, or false
// for nobody; internal/app provides it.
type CurrentUser func(ctx context.Context) (userID string, ok bool)

// owner is the request's user, or EUNAUTHORIZED.
func owner(r *http.Request, user CurrentUser) (string, error) {
	uid, ok := user(r.Context())
	if !ok || uid == "" {
		return "", apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
	}
	return uid, nil
}

// Routes registers the download of a person's own file. It needs perm (a
// signed-in citizen's permission) and serves only the files of the user
// that user returns; someone else's file is "not found".
//
//	GET /uploads/{id}   the file, as an attachment
func (s *Service) Routes(r *web.Router, perm web.Permission, user CurrentUser) {
	r.Handle("GET /uploads/{id}", perm, func(w http.ResponseWriter, r *http.Request) error {
		uid, err := owner(r, user)
		if err != nil {
			return err
		}
		f, body, err := s.Open(r.Context(), uid, r.PathValue("id"))
		if err != nil {
			return err
		}
		s.Serve(w, r, f, body)
		return nil
	})
}

// Serve sends f with its content body, which it closes, as a download:
// the sniffed type, never shown inline nor sniffed again by the browser,
// under its cleaned name, not cached. A staff handler that opened the file
// with OpenForStaff serves it with this too. A failure once sending has
// begun can only be logged.
func (s *Service) Serve(w http.ResponseWriter, r *http.Request, f File, body io.ReadCloser) {
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Content-Disposition", contentDisposition(f.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return
	}
	if _, err := io.Copy(w, body); err != nil {
		s.log.WarnContext(r.Context(), "send upload", "request_id", web.RequestID(r.Context()), "upload", f.ID, "err", err)
	}
}

// contentDisposition is an attachment header for name (RFC 6266): an ASCII
// fallback in filename, for old clients, and the name itself in filename*
// (RFC 8187, formerly RFC 5987), which current browsers use.
func contentDisposition(name string) string {
	var ascii, ext strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\' || r < 0x20 || r >= 0x7F:
			ascii.WriteByte('_')
		default:
			ascii.WriteRune(r)
		}
	}
	for _, c := range []byte(name) {
		if isAttrChar(c) {
			ext.WriteByte(c)
		} else {
			fmt.Fprintf(&ext, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar tells the bytes RFC 8187 lets stand unencoded in a value.
func isAttrChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
