package notify

import (
	"context"
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// CurrentUser returns the signed-in person's user ID from a request's
// context, or false for an anonymous visitor. The identity module
// provides it; notify does not know how people sign in.
type CurrentUser func(ctx context.Context) (userID string, ok bool)

// prefsView is what the notifications page shows.
type prefsView struct {
	Prefs Prefs
	Inbox []Message
	Saved bool
}

// Routes registers the person's notifications page: their in-app inbox and
// the channels they choose. Every route needs perm (a signed-in citizen's
// permission) and acts only on the user that user returns.
func (s *Service) Routes(r *web.Router, perm web.Permission, user CurrentUser) {
	me := func(r *http.Request) (string, error) {
		id, ok := user(r.Context())
		if !ok || id == "" {
			return "", apperr.New(apperr.EUNAUTHORIZED, "error.unauthorized")
		}
		return id, nil
	}
	r.Handle("GET /account/notifications", perm, func(w http.ResponseWriter, r *http.Request) error {
		id, err := me(r)
		if err != nil {
			return err
		}
		p, err := s.Preferences(r.Context(), id)
		if err != nil {
			return err
		}
		inbox, err := s.Inbox(r.Context(), id, 50)
		if err != nil {
			return err
		}
		return s.prefsPage.Render(w, r, http.StatusOK, prefsView{Prefs: p, Inbox: inbox, Saved: r.URL.Query().Get("saved") == "1"})
	})
	r.Handle("POST /account/notifications/preferences", perm, func(w http.ResponseWriter, r *http.Request) error {
		id, err := me(r)
		if err != nil {
			return err
		}
		if err := r.ParseForm(); err != nil {
			return apperr.New(apperr.EINVALID, "error.invalid")
		}
		p := Prefs{SMS: r.PostForm.Get("sms") != "", Email: r.PostForm.Get("email") != ""}
		if err := s.SetPreferences(r.Context(), id, p); err != nil {
			return err
		}
		http.Redirect(w, r, "/account/notifications?saved=1", http.StatusSeeOther)
		return nil
	})
	r.Handle("POST /account/notifications/{id}/read", perm, func(w http.ResponseWriter, r *http.Request) error {
		id, err := me(r)
		if err != nil {
			return err
		}
		if err := s.MarkRead(r.Context(), id, r.PathValue("id")); err != nil {
			return err
		}
		http.Redirect(w, r, "/account/notifications", http.StatusSeeOther)
		return nil
	})
}
