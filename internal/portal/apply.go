package portal

import (
	"encoding/base64"
	"errors"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/egovuz/egov/internal/catalog/form"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/web"
)

// Message keys of the apply pages.
const (
	MsgNoStep   = "portal.apply.no_step"   // the draft's form has no such step
	MsgOtherOrg = "portal.apply.other_org" // the draft was started while acting for someone else
	// maxStepBody bounds a posted step: answers, not files.
	maxStepBody = 1 << 20
)

// applyPages serves the apply flow: one step of the form a page, then
// "check your answers", then submission.
type applyPages struct {
	apps *Applications
	who  Applicants
	rd   *web.Renderer
	step *web.Page
	chk  *web.Page
}

// stepView is one step of a draft.
type stepView struct {
	Service string
	Draft   *Draft
	Steps   []form.Step
	// Form is the step shown, for the "form-fields" partial.
	Form   form.StepView
	Errors map[string]string
	// Back is the previous step ("" on the first); Unavailable names the
	// registries that could not fill their fields in.
	Back        string
	Unavailable []string
	// Upgraded says the service's form changed since the draft was
	// started: the answers were kept where the new form has the field.
	Upgraded bool
}

// checkView is the "check your answers" page.
type checkView struct {
	Service string
	Draft   *Draft
	Summary []form.SummaryStep
	// Errors are the answers still missing or wrong, by field, and
	// StepOf the step of each, for its link.
	Errors map[string]string
	StepOf map[string]string
	// Prefilled names the registry of each field the state filled in.
	Prefilled map[string]string
	// SignContent is SignedContent of the answers, base64, for the
	// browser to sign; SignatureRequired says the service wants it.
	SignContent       string
	SignatureRequired bool
	// SignError is why the signature sent was refused.
	SignError string
	// FeeSum is the fee in whole soʻm (0 for none), and Exemptions who
	// the passport exempts from it, in the page's language.
	FeeSum     int64
	Exemptions string
}

// openDraft is a draft being filled in with what its pages need.
type openDraft struct {
	who   Applicant
	draft *Draft
	info  ServiceInfo
	form  *form.Form
	// upgraded says the draft was just moved to the service's new form.
	upgraded bool
}

// draftOf loads the signed-in applicant's draft of the request's {id},
// its service and the form, moving the draft to the service's current
// form version if it changed. who is filled in even on error, for a
// submission that finds its draft gone. It refuses a draft started for
// another organisation than the one the person acts for now.
func (p applyPages) draftOf(r *http.Request) (openDraft, error) {
	ctx := r.Context()
	o := openDraft{}
	o.who, _ = p.who.Applicant(ctx)
	d, err := p.apps.Draft(ctx, o.who.UserID, r.PathValue("id"))
	if err != nil {
		return o, err
	}
	if d.OrgID != orgID(o.who.Org) {
		return o, apperr.New(apperr.EFORBIDDEN, MsgOtherOrg)
	}
	info, err := p.apps.Forms.Service(ctx, d.ServiceCode)
	if apperr.Is(err, apperr.ENOTFOUND) {
		return o, apperr.New(apperr.ENOTFOUND, MsgNoService)
	}
	if err != nil {
		return o, err
	}
	if d.FormVersion != info.FormVersion {
		d.FormVersion, o.upgraded = info.FormVersion, true
		if err := p.apps.SaveDraft(ctx, d); err != nil {
			return o, err
		}
	}
	if o.form, err = p.apps.Forms.Form(ctx, d.ServiceCode, d.FormVersion); err != nil {
		return o, err
	}
	o.draft, o.info = d, info
	return o, nil
}

// orgID is the ID of org, or "" for a person's own.
func orgID(org *Org) string {
	if org == nil {
		return ""
	}
	return org.ID
}

// start opens (or resumes) the applicant's draft for the service and goes
// to its first step.
func (p applyPages) start(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	d, err := p.apps.OpenDraft(r.Context(), who, r.PathValue("service"))
	if err != nil {
		return err
	}
	f, err := p.apps.Forms.Form(r.Context(), d.ServiceCode, d.FormVersion)
	if err != nil {
		return err
	}
	http.Redirect(w, r, stepURL(d.ID, f.Steps(i18n.Default)[0].ID), http.StatusSeeOther)
	return nil
}

func stepURL(draft, step string) string {
	return "/drafts/" + url.PathEscape(draft) + "/steps/" + url.PathEscape(step)
}

func checkURL(draft string) string { return "/drafts/" + url.PathEscape(draft) + "/check" }

// showStep shows one step with the saved answers; posting it saves them
// and goes on to the next step, or back to it with this step's errors.
func (p applyPages) showStep(w http.ResponseWriter, r *http.Request) error {
	o, err := p.draftOf(r)
	if err != nil {
		return err
	}
	d, info, f := o.draft, o.info, o.form
	loc := web.Locale(r.Context())
	stepID := r.PathValue("step")
	steps := f.Steps(loc)
	idx := -1
	for i, s := range steps {
		if s.ID == stepID {
			idx = i
		}
	}
	if idx < 0 {
		return apperr.New(apperr.ENOTFOUND, MsgNoStep)
	}
	v := stepView{Service: info.Name(loc), Draft: d, Steps: steps, Upgraded: o.upgraded}
	if idx > 0 {
		v.Back = stepURL(d.ID, steps[idx-1].ID)
	}
	for _, src := range d.Prefill.Unavailable {
		v.Unavailable = append(v.Unavailable, p.sourceName(src, loc))
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		files := f.FileFields(stepID)
		fileErrs, err := p.readStep(w, r, d, files)
		if err != nil {
			return err
		}
		d.Answers = f.MergeStep(d.Answers, stepID, f.FromPost(r.PostForm))
		if err := p.apps.SaveDraft(r.Context(), d); err != nil {
			return err
		}
		if r.PostForm.Get("action") == "save" {
			http.Redirect(w, r, "/account/applications?saved=1", http.StatusSeeOther)
			return nil
		}
		_, errs := f.Validate(d.Answers, loc)
		v.Errors = fileErrs
		for name, msg := range errs {
			if f.StepOf(name) == stepID && v.Errors[name] == "" {
				v.Errors[name] = msg
			}
		}
		if len(v.Errors) == 0 {
			next := checkURL(d.ID)
			if idx+1 < len(steps) {
				next = stepURL(d.ID, steps[idx+1].ID)
			}
			http.Redirect(w, r, next, http.StatusSeeOther)
			return nil
		}
		status = http.StatusUnprocessableEntity
	}
	v.Form, _ = f.View(stepID, loc, d.Answers, v.Errors)
	v.Form.MarkPrefilled(p.prefilledNames(d, loc))
	return p.step.Render(w, r, status, v)
}

// readStep parses a posted step. A step with file fields comes as
// multipart: each file posted is stored and its reference put in the
// form in its place; a field posted without a file keeps the file the
// draft has. A refused file is an error of its field, and the draft keeps
// what it had.
func (p applyPages) readStep(w http.ResponseWriter, r *http.Request, d *Draft, files []string) (map[string]string, error) {
	errs := map[string]string{}
	if len(files) == 0 {
		r.Body = http.MaxBytesReader(w, r.Body, maxStepBody)
		if err := r.ParseForm(); err != nil {
			return nil, apperr.New(apperr.EINVALID, "error.invalid")
		}
		return errs, nil
	}
	// A step posted as a plain form (without its files) is parsed too:
	// ParseMultipartForm parses the body before it finds it is not
	// multipart, and the files the draft has stay.
	if err := r.ParseMultipartForm(maxStepBody); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return nil, apperr.New(apperr.EINVALID, "error.invalid")
	}
	if r.MultipartForm != nil {
		defer func() { _ = r.MultipartForm.RemoveAll() }()
	}
	for _, name := range files {
		kept, _ := valueAt(d.Answers, name).(string)
		var posted []*multipart.FileHeader
		if r.MultipartForm != nil {
			posted = r.MultipartForm.File[name]
		}
		if len(posted) == 0 || posted[0].Size == 0 {
			r.PostForm.Set(name, kept)
			continue
		}
		ref, err := p.store(r, d.ApplicantID, posted[0])
		if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID {
			// The reason takes arguments (the size limit, the types
			// allowed): the field shows it already in words.
			errs[name] = p.rd.T(web.Locale(r.Context()), e.Message, e.Args...)
			r.PostForm.Set(name, kept)
			continue
		}
		if err != nil {
			return nil, err
		}
		r.PostForm.Set(name, ref)
	}
	return errs, nil
}

// store keeps one posted file of the applicant's.
func (p applyPages) store(r *http.Request, owner string, fh *multipart.FileHeader) (string, error) {
	file, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer file.Close()
	return p.apps.Attachments.Store(r.Context(), owner, fh.Filename, fh.Header.Get("Content-Type"), file)
}

// showCheck lists every answer with links to change it, and what is still
// missing; submitting is possible once nothing is.
func (p applyPages) showCheck(w http.ResponseWriter, r *http.Request) error {
	return p.renderCheck(w, r, nil)
}

// renderCheck renders "check your answers"; extra["signature"] says why
// a signature was refused.
func (p applyPages) renderCheck(w http.ResponseWriter, r *http.Request, extra map[string]string) error {
	o, err := p.draftOf(r)
	if err != nil {
		return err
	}
	who, d, info, f := o.who, o.draft, o.info, o.form
	loc := web.Locale(r.Context())
	clean, errs := f.Validate(d.Answers, loc)
	v := checkView{Service: info.Name(loc), Draft: d, Errors: errs, StepOf: map[string]string{},
		Prefilled: p.prefilledNames(d, loc)}
	for name := range errs {
		v.StepOf[name] = f.StepOf(name)
	}
	if clean != nil {
		v.Summary = f.Summary(clean, loc)
		content, err := SignedContent(d.ServiceCode, d.FormVersion, who.PINFL, clean)
		if err != nil {
			return err
		}
		v.SignContent = base64.StdEncoding.EncodeToString(content)
		v.SignatureRequired = info.SignatureRequired && who.Operator == ""
	}
	v.FeeSum = info.Fee / 100
	if info.Fee > 0 {
		v.Exemptions = info.Exemptions[loc]
	}
	v.SignError = extra["signature"]
	status := http.StatusOK
	if len(errs) > 0 || v.SignError != "" {
		status = http.StatusUnprocessableEntity
	}
	return p.chk.Render(w, r, status, v)
}

// submit sends the draft as an application. The draft's ID is the
// idempotency key, so a second click (the draft is gone by then) finds the
// application the first one made.
func (p applyPages) submit(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	o, err := p.draftOf(r)
	who, d := o.who, o.draft
	if apperr.Is(err, apperr.ENOTFOUND) {
		if prior, perr := p.apps.byKey(ctx, p.apps.m.db.Writer(), who.UserID, r.PathValue("id")); perr == nil {
			http.Redirect(w, r, applicationURL(prior.ID), http.StatusSeeOther)
			return nil
		}
	}
	if err != nil {
		return err
	}
	sig, err := base64.StdEncoding.DecodeString(r.PostFormValue("signature"))
	if err != nil {
		return p.renderCheck(w, r, map[string]string{"signature": MsgSignature})
	}
	app, err := p.apps.Submit(ctx, SubmitInput{Applicant: who, ServiceCode: d.ServiceCode, FormVersion: d.FormVersion,
		Answers: d.Answers, IdempotencyKey: d.ID, Channel: who.channel(), OperatorID: who.Operator, Locale: web.Locale(ctx), Org: who.Org,
		Prefilled: d.Prefill.Fields, DraftID: d.ID, Signature: sig, FeeExempt: r.PostFormValue("fee_exempt") == "true"})
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && e.Fields["signature"] != "" {
		return p.renderCheck(w, r, e.Fields)
	}
	var e *apperr.Error
	if errors.As(err, &e) && e.Code == apperr.EINVALID && e.Message == MsgInvalidAnswers {
		// Answers went stale (a field's rules changed): show them.
		http.Redirect(w, r, checkURL(d.ID), http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, applicationURL(app.ID)+"?submitted=1", http.StatusSeeOther)
	return nil
}

// discard throws the draft away.
func (p applyPages) discard(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	if err := p.apps.DeleteDraft(r.Context(), who.UserID, r.PathValue("id")); err != nil {
		return err
	}
	http.Redirect(w, r, "/account/applications", http.StatusSeeOther)
	return nil
}

func applicationURL(id string) string { return "/account/applications/" + url.PathEscape(id) }

// sourceName names a registry in loc.
func (p applyPages) sourceName(source string, loc i18n.Locale) string {
	return p.rd.T(loc, "portal.source."+source)
}

// prefilledNames maps the draft's prefilled fields to their registries'
// names in loc, for form.StepView.MarkPrefilled.
func (p applyPages) prefilledNames(d *Draft, loc i18n.Locale) map[string]string {
	out := make(map[string]string, len(d.Prefill.Fields))
	for name, v := range d.Prefill.Fields {
		out[name] = p.sourceName(v.Source, loc)
	}
	return out
}
