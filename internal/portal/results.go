package portal

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"gocloud.dev/blob"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/web"
)

// TaskTypeResult is the type of the service task by which an application's
// process issues the result document (see IssueResult). Its header
// "fields" lists the answers the document shows, by field name.
const TaskTypeResult = "application.result"

// Message keys of results.
const (
	MsgNoResult   = "portal.result.not_found"  // no result with that code, or not yet
	MsgNoDecision = "portal.result.no_officer" // the process did not say who decided
)

// ResultMaker makes an application's result document: a PDF in the
// applicant's language with a QR code to verifyURL and the answers named
// by fields, signed (detached CAdES B-T) by the officer who decided;
// internal/app provides it with docgen and the PKI. signer names the
// signature's certificate holder.
type ResultMaker interface {
	Make(ctx context.Context, app *Application, officerID string, fields []string, verifyURL string) (pdf, sig []byte, signer string, err error)
}

// SignatureChecker checks a detached signature of content, for the public
// verification of results; the PKI provides it through internal/app.
type SignatureChecker interface {
	Check(ctx context.Context, content, sig []byte) (SignatureCheck, error)
}

// SignatureCheck is what a signature check found.
type SignatureCheck struct {
	// Valid says the signature is intact, by a certificate of the
	// platform's CA that was valid when the timestamp says it was made.
	Valid    bool
	Signer   string
	SignedAt time.Time
	Reason   string
	// PINFL is the personal number the signer's certificate names, if
	// any.
	PINFL string
}

// Result is an application's result document.
type Result struct {
	ApplicationID string
	Code          string
	SHA256        string
	Signer        string
	IssuedAt      time.Time
	pdfKey        string
	sigKey        string
}

// IssueResult makes, signs and keeps the result document of the
// application with the number, decided by officerID, and sets the status
// result_issued (notifying the applicant) once per ref. A second call for
// the same application keeps the document made first.
//
// Errors: ENOTFOUND MsgNoApplication; EINVALID MsgNoDecision without an
// officer.
func (a *Applications) IssueResult(ctx context.Context, number, officerID string, fields []string, ref string) error {
	app, _, err := a.ByNumber(ctx, number)
	if err != nil {
		return err
	}
	if officerID == "" {
		return apperr.New(apperr.EINVALID, MsgNoDecision)
	}
	if _, err := a.ResultOf(ctx, app.ID); apperr.Is(err, apperr.ENOTFOUND) {
		if err := a.makeResult(ctx, app, officerID, fields); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	return a.SetStatus(ctx, number, StatusResultIssued, "", ref)
}

// makeResult makes the document and stores it: the files first, then the
// row that points at them, so that a crash in between leaves no result
// (the next attempt makes it again under new keys).
func (a *Applications) makeResult(ctx context.Context, app *Application, officerID string, fields []string) error {
	code, err := newCode()
	if err != nil {
		return err
	}
	pdf, sig, signer, err := a.Results.Make(ctx, app, officerID, fields, a.BaseURL+resultPath(code))
	if err != nil {
		return fmt.Errorf("result of %s: %w", app.Number, err)
	}
	sum := sha256.Sum256(pdf)
	r := Result{ApplicationID: app.ID, Code: code, SHA256: hex.EncodeToString(sum[:]), Signer: signer,
		IssuedAt: a.m.clock.Now().UTC().Truncate(time.Microsecond), pdfKey: "results/" + code + ".pdf",
		sigKey: "results/" + code + ".p7s"}
	if err := a.Blob.WriteAll(ctx, r.pdfKey, pdf, &blob.WriterOptions{ContentType: "application/pdf"}); err != nil {
		return fmt.Errorf("result of %s: %w", app.Number, err)
	}
	if err := a.Blob.WriteAll(ctx, r.sigKey, sig, &blob.WriterOptions{ContentType: "application/pkcs7-signature"}); err != nil {
		return fmt.Errorf("result of %s: %w", app.Number, err)
	}
	_, err = a.m.db.Writer().ExecContext(ctx, `INSERT INTO portal_results (application_id, code, pdf_key, sig_key, sha256, signer,
		issued_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, r.ApplicationID, r.Code, r.pdfKey, r.sigKey, r.SHA256, r.Signer, r.IssuedAt)
	if apperr.Is(db.MapError(err), apperr.ECONFLICT) {
		// Another attempt kept its document first: this one's files go.
		for _, key := range []string{r.pdfKey, r.sigKey} {
			if err := a.Blob.Delete(ctx, key); err != nil {
				slog.WarnContext(ctx, "result: an unused file stays", "key", key, "error", err)
			}
		}
		return nil
	}
	return err
}

// newCode is an unguessable verification code: 20 random bytes in
// lower-case base32.
func newCode() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

func resultPath(code string) string { return "/results/" + url.PathEscape(code) }

const resultColumns = `application_id, code, pdf_key, sig_key, sha256, signer, issued_at`

func scanResult(row interface{ Scan(...any) error }) (*Result, error) {
	var r Result
	err := row.Scan(&r.ApplicationID, &r.Code, &r.pdfKey, &r.sigKey, &r.SHA256, &r.Signer, &r.IssuedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.ENOTFOUND, MsgNoResult)
	}
	if err != nil {
		return nil, fmt.Errorf("result: %w", err)
	}
	r.IssuedAt = r.IssuedAt.UTC()
	return &r, nil
}

// ResultOf returns the result of the application with the ID; ENOTFOUND
// MsgNoResult while there is none. The caller checks who may see it.
func (a *Applications) ResultOf(ctx context.Context, applicationID string) (*Result, error) {
	return scanResult(a.m.db.Reader().QueryRowContext(ctx, `SELECT `+resultColumns+` FROM portal_results
		WHERE application_id = $1`, applicationID))
}

// resultByCode returns the result with the verification code.
func (a *Applications) resultByCode(ctx context.Context, code string) (*Result, error) {
	return scanResult(a.m.db.Reader().QueryRowContext(ctx, `SELECT `+resultColumns+` FROM portal_results WHERE code = $1`, code))
}

// files reads the result's PDF and signature.
func (a *Applications) files(ctx context.Context, r *Result) (pdf, sig []byte, err error) {
	if pdf, err = a.Blob.ReadAll(ctx, r.pdfKey); err != nil {
		return nil, nil, fmt.Errorf("result %s: %w", r.Code, err)
	}
	if sig, err = a.Blob.ReadAll(ctx, r.sigKey); err != nil {
		return nil, nil, fmt.Errorf("result %s: %w", r.Code, err)
	}
	return pdf, sig, nil
}

// resultPages serve results: the applicant's downloads and the public
// verification page the document's QR code opens.
type resultPages struct {
	apps   *Applications
	who    Applicants
	verify *web.Page
}

// verifyView is the public page of a result.
type verifyView struct {
	Result  *Result
	Number  string
	Service string
	Check   SignatureCheck
}

// showVerify shows who issued the document with the code, when, its
// SHA-256 and the signature's check, with both files to download. Anyone
// with the paper document has its code; the code cannot be guessed.
func (p resultPages) showVerify(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	res, err := p.apps.resultByCode(ctx, r.PathValue("code"))
	if err != nil {
		return err
	}
	var number, service string
	if err := p.apps.m.db.Reader().QueryRowContext(ctx, `SELECT number, service_code FROM portal_applications WHERE id = $1`,
		res.ApplicationID).Scan(&number, &service); err != nil {
		return fmt.Errorf("result %s: %w", res.Code, err)
	}
	pdf, sig, err := p.apps.files(ctx, res)
	if err != nil {
		return err
	}
	check, err := p.apps.Signatures.Check(ctx, pdf, sig)
	if err != nil {
		return err
	}
	names := &serviceNames{forms: p.apps.Forms, loc: web.Locale(ctx), seen: map[string]string{}}
	return p.verify.Render(w, r, http.StatusOK, verifyView{Result: res, Number: number, Service: names.of(ctx, service), Check: check})
}

// publicFile serves one file of the result with the code.
func (p resultPages) publicFile(w http.ResponseWriter, r *http.Request) error {
	res, err := p.apps.resultByCode(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	return p.serve(w, r, res, r.PathValue("file"))
}

// ownFile serves one file of the signed-in applicant's result.
func (p resultPages) ownFile(w http.ResponseWriter, r *http.Request) error {
	who, _ := p.who.Applicant(r.Context())
	app, err := p.apps.Find(r.Context(), who.UserID, r.PathValue("id"))
	if err != nil {
		return err
	}
	res, err := p.apps.ResultOf(r.Context(), app.ID)
	if err != nil {
		return err
	}
	return p.serve(w, r, res, r.PathValue("file"))
}

// serve writes the PDF ("document.pdf") or the signature
// ("signature.p7s") as a download named after the result's code.
func (p resultPages) serve(w http.ResponseWriter, r *http.Request, res *Result, file string) error {
	pdf, sig, err := p.apps.files(r.Context(), res)
	if err != nil {
		return err
	}
	body, typ := pdf, "application/pdf"
	switch file {
	case "document.pdf":
	case "signature.p7s":
		body, typ = sig, "application/pkcs7-signature"
	default:
		return apperr.New(apperr.ENOTFOUND, MsgNoResult)
	}
	w.Header().Set("Content-Type", typ)
	w.Header().Set("Content-Disposition", `attachment; filename="result-`+res.Code[:8]+`-`+file+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(body)
	return err
}

// ResultRoutes registers the applicant's downloads of their results (perm,
// a signed-in person) and the public verification page of a result with
// its files.
func (a *Applications) ResultRoutes(r *web.Router, rd *web.Renderer, perm web.Permission, who Applicants) error {
	verify, err := rd.Page(templateFS, "templates/result_verify.html")
	if err != nil {
		return err
	}
	p := resultPages{apps: a, who: who, verify: verify}
	r.Handle("GET /account/applications/{id}/result/{file}", perm, p.ownFile)
	r.Handle("GET /results/{code}", web.Public, p.showVerify)
	r.Handle("GET /results/{code}/{file}", web.Public, p.publicFile)
	return nil
}
