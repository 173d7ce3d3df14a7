package portal

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed openapi.json
var openAPIFragment []byte

// maxAPIBody bounds an application's JSON: answers, not documents (those
// go to blob storage).
const maxAPIBody = 256 << 10

// Applicants tells who is signed in, as an applicant; the identity module
// provides it through internal/app.
type Applicants interface {
	Applicant(ctx context.Context) (Applicant, bool)
}

// APIRoutes registers the applications' JSON API for the applicant (the
// mobile app and the portal's own scripts), open to holders of perm, and
// describes it in the OpenAPI document.
func (a *Applications) APIRoutes(s *web.Server, perm web.Permission, who Applicants) error {
	api := applicationsAPI{apps: a, who: who}
	r := s.Router()
	r.Handle("POST /api/v1/applications", perm, api.submit)
	r.Handle("GET /api/v1/applications", perm, api.list)
	r.Handle("GET /api/v1/applications/{id}", perm, api.show)
	r.Handle("POST /api/v1/applications/{id}/reply", perm, api.reply)
	r.Handle("POST /api/v1/applications/{id}/rating", perm, api.rate)
	r.Handle("GET /api/v1/services/{code}/prefill", perm, api.prefill)
	r.Handle("POST /api/v1/applications/content", perm, api.content)
	return s.API().Describe(openAPIFragment)
}

// applicationsAPI serves the applications' JSON API.
type applicationsAPI struct {
	apps *Applications
	who  Applicants
}

// submitJSON is an application as the API takes it.
type submitJSON struct {
	Service        string         `json:"service"`
	FormVersion    int            `json:"form_version"`
	Answers        map[string]any `json:"answers"`
	IdempotencyKey string         `json:"idempotency_key"`
	// Signature is the applicant's detached CAdES signature (base64) of
	// SignedContent of the answers as the form keeps them; optional
	// unless the service requires it.
	Signature []byte `json:"signature,omitempty"`
	// FeeExempt claims an exemption the passport lists from the fee.
	FeeExempt bool `json:"fee_exempt,omitempty"`
}

// applicationJSON is an application as the API gives it.
type applicationJSON struct {
	ID          string         `json:"id"`
	Number      string         `json:"number"`
	Service     string         `json:"service"`
	FormVersion int            `json:"form_version"`
	Status      string         `json:"status"`
	Channel     string         `json:"channel"`
	SubmittedAt time.Time      `json:"submitted_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Answers     map[string]any `json:"answers,omitempty"`
	Timeline    []timelineJSON `json:"timeline,omitempty"`
	DueAt       *time.Time     `json:"due_at,omitempty"`
	Fee         int64          `json:"fee"`
	Invoice     string         `json:"invoice,omitempty"`
	SignedBy    string         `json:"signed_by,omitempty"`
	Rating      int            `json:"rating,omitempty"`
	FeeExempt   bool           `json:"fee_exempt,omitempty"`
	Result      *resultJSON    `json:"result,omitempty"`
}

// resultJSON links an application's result document.
type resultJSON struct {
	Document  string `json:"document"`
	Signature string `json:"signature"`
	Verify    string `json:"verify"`
}

type timelineJSON struct {
	At     time.Time `json:"at"`
	Kind   string    `json:"kind"`
	Detail string    `json:"detail"`
}

func toJSON(a *Application) applicationJSON {
	v := applicationJSON{ID: a.ID, Number: a.Number, Service: a.ServiceCode, FormVersion: a.FormVersion, Status: a.Status,
		Channel: a.Channel, SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt, Fee: a.Fee, Invoice: a.InvoiceID,
		SignedBy: a.SignedBy, Rating: a.Rating, FeeExempt: a.FeeExempt}
	if !a.DueAt.IsZero() {
		v.DueAt = &a.DueAt
	}
	return v
}

// applicant is the signed-in applicant; the route's permission has made
// sure there is one.
func (api applicationsAPI) applicant(r *http.Request) Applicant {
	who, _ := api.who.Applicant(r.Context())
	return who
}

// submit takes an application: 201 with it, or 200 with the one the same
// idempotency key made before.
func (api applicationsAPI) submit(w http.ResponseWriter, r *http.Request) error {
	var body submitJSON
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	app, err := api.apps.Submit(r.Context(), SubmitInput{Applicant: api.applicant(r), ServiceCode: body.Service,
		FormVersion: body.FormVersion, Answers: body.Answers, IdempotencyKey: body.IdempotencyKey, Channel: ChannelOnline,
		Signature: body.Signature, FeeExempt: body.FeeExempt,
		Locale: web.Locale(r.Context())})
	if err != nil {
		return err
	}
	status := http.StatusCreated
	if app.Replayed {
		status = http.StatusOK
	}
	w.Header().Set("Location", "/api/v1/applications/"+app.ID)
	v := toJSON(app)
	v.Answers = app.Answers
	return web.WriteJSON(w, status, v)
}

// list gives the applicant's latest applications.
func (api applicationsAPI) list(w http.ResponseWriter, r *http.Request) error {
	apps, err := api.apps.List(r.Context(), api.applicant(r).UserID, 100)
	if err != nil {
		return err
	}
	out := make([]applicationJSON, 0, len(apps))
	for _, a := range apps {
		out = append(out, toJSON(a))
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"applications": out})
}

// show gives one of the applicant's applications with its answers and
// timeline; another's is 404, as one that does not exist.
func (api applicationsAPI) show(w http.ResponseWriter, r *http.Request) error {
	who := api.applicant(r).UserID
	app, err := api.apps.Find(r.Context(), who, r.PathValue("id"))
	if err != nil {
		return err
	}
	timeline, err := api.apps.Timeline(r.Context(), who, app.ID)
	if err != nil {
		return err
	}
	v := toJSON(app)
	v.Answers = app.Answers
	for _, e := range timeline {
		v.Timeline = append(v.Timeline, timelineJSON(e))
	}
	if app.Status == StatusResultIssued {
		res, err := api.apps.ResultOf(r.Context(), app.ID)
		if err != nil {
			return err
		}
		own := applicationURL(app.ID) + "/result/"
		v.Result = &resultJSON{Document: own + "document.pdf", Signature: own + "signature.p7s", Verify: resultPath(res.Code)}
	}
	return web.WriteJSON(w, http.StatusOK, v)
}

// reply answers the officer's request for more information.
func (api applicationsAPI) reply(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Reply string `json:"reply"`
	}
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	if err := api.apps.Reply(r.Context(), api.applicant(r).UserID, r.PathValue("id"), body.Reply); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// rate keeps the applicant's rating of a decided application.
func (api applicationsAPI) rate(w http.ResponseWriter, r *http.Request) error {
	var body struct {
		Rating  int    `json:"rating"`
		Comment string `json:"comment"`
	}
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	if err := api.apps.Rate(r.Context(), api.applicant(r).UserID, r.PathValue("id"), body.Rating, body.Comment); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// prefillJSON is what the registries hold for an applicant's form.
type prefillJSON struct {
	Service     string                    `json:"service"`
	FormVersion int                       `json:"form_version"`
	Values      map[string]PrefilledValue `json:"values"`
	Unavailable []string                  `json:"unavailable"`
}

// prefill gives the values the registries hold for the applicant's form
// of a service, for an app that fills the form in itself.
func (api applicationsAPI) prefill(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	info, err := api.apps.Forms.Service(ctx, code)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return apperr.New(apperr.ENOTFOUND, MsgNoService)
	}
	if err != nil {
		return err
	}
	f, err := api.apps.Forms.Form(ctx, code, info.FormVersion)
	if err != nil {
		return err
	}
	p := api.apps.prefill(ctx, f, api.applicant(r), code)
	out := prefillJSON{Service: code, FormVersion: info.FormVersion, Values: p.Fields, Unavailable: p.Unavailable}
	if out.Unavailable == nil {
		out.Unavailable = []string{}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

// contentJSON is what an app signs for an application.
type contentJSON struct {
	Content []byte `json:"content"`
	SHA256  string `json:"sha256"`
}

// content checks answers as a submission would and gives the bytes the
// applicant signs for them (SignedContent), so that an app signs exactly
// what the server will check.
func (api applicationsAPI) content(w http.ResponseWriter, r *http.Request) error {
	var body submitJSON
	if err := web.ReadJSON(r, maxAPIBody, &body); err != nil {
		return err
	}
	ctx := r.Context()
	info, err := api.apps.Forms.Service(ctx, body.Service)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return apperr.New(apperr.ENOTFOUND, MsgNoService)
	}
	if err != nil {
		return err
	}
	if body.FormVersion != info.FormVersion {
		return apperr.New(apperr.ECONFLICT, MsgStaleForm)
	}
	f, err := api.apps.Forms.Form(ctx, body.Service, body.FormVersion)
	if err != nil {
		return err
	}
	clean, fields := f.Validate(body.Answers, web.Locale(ctx))
	if len(fields) > 0 {
		return apperr.Invalid(MsgInvalidAnswers, fields)
	}
	content, err := SignedContent(body.Service, body.FormVersion, api.applicant(r).PINFL, clean)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(content)
	return web.WriteJSON(w, http.StatusOK, contentJSON{Content: content, SHA256: hex.EncodeToString(sum[:])})
}
