package pki

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

//go:embed templates
var templateFS embed.FS

//go:embed locales
var localeFS embed.FS

// openAPIFragment describes the verification API in the OpenAPI document.
//
//go:embed openapi.json
var openAPIFragment []byte

// Locales is the module's message catalog: the verification pages, the
// verifier's reasons and the errors of the package.
func Locales() fs.FS {
	sub, _ := fs.Sub(localeFS, "locales")
	return sub
}

// Paths of the signature verification service.
const (
	PathVerify    = "/signatures/verify"
	PathVerifyAPI = "/api/v1/signatures/verify"
)

// Module serves the public pages and APIs of the infrastructure: the
// protocol endpoints of Service.Routes and the signature verification
// service, where anyone can check a signed document.
type Module struct {
	svc *Service
	// texts translates the reports the API returns, from the site's
	// catalog; pages translate through it too.
	texts        *web.Renderer
	verify       *web.Page
	certificates *web.Page
	sign         *web.Page
	admin        *web.Page
	// holders and self turn on the holder's pages (UseHolders).
	holders Holders
	self    web.Permission
	// staff and adminPerm turn on officer certificates and the
	// administrators' page (UseStaff).
	staff     Staff
	adminPerm web.Permission
}

// NewModule parses the pages. Their texts, and those of the API's reports,
// come from the site's catalog, which must include Locales.
func NewModule(svc *Service, rd *web.Renderer) (*Module, error) {
	m := &Module{svc: svc, texts: rd}
	for name, dst := range map[string]**web.Page{"verify": &m.verify, "certificates": &m.certificates, "sign": &m.sign,
		"admin_certificates": &m.admin} {
		var err error
		if *dst, err = rd.Page(templateFS, "templates/"+name+".html", "templates/partials.html"); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Routes registers the protocol endpoints, the verification page and its
// API, and describes the API in the OpenAPI document. All are public. The
// page's form carries a CSRF token like every form; the API is exempt, as
// it acts for nobody and changes nothing, so that any program may call it.
func (m *Module) Routes(s *web.Server) error {
	r := s.Router()
	m.svc.Routes(r)
	r.Handle("GET "+PathVerify, web.Public, m.showVerify)
	r.Handle("POST "+PathVerify, web.Public, m.postVerify)
	r.Handle("POST "+PathVerifyAPI, web.Public, m.apiVerify, web.CSRFExempt())
	m.signingRoutes(r)
	if m.holders != nil {
		m.holderRoutes(r)
		if m.staff != nil {
			m.staffRoutes(r)
		}
	}
	return s.API().Describe(openAPIFragment)
}

// verifyView is the verification page: the form, its errors and, after a
// check, the report.
type verifyView struct {
	// Errors maps the fields "file" and "signature" to message keys.
	Errors map[string]string
	// DocumentMB and SignatureMB are the upload limits, for the hints.
	DocumentMB, SignatureMB int
	// Document and Signature name the files checked.
	Document, Signature string
	Report              *reportJSON
}

func newVerifyView() verifyView {
	return verifyView{DocumentMB: maxDocument >> 20, SignatureMB: maxSignature >> 20}
}

func (m *Module) showVerify(w http.ResponseWriter, r *http.Request) error {
	return m.verify.Render(w, r, http.StatusOK, newVerifyView())
}

// postVerify checks the uploaded files and shows the report under the
// form; bad files re-show the form with the problem at the field.
func (m *Module) postVerify(w http.ResponseWriter, r *http.Request) error {
	v := newVerifyView()
	in, err := readMultipart(w, r)
	if err == nil {
		v.Document, v.Signature = in.documentName, in.signatureName
		v.Report, err = m.check(r.Context(), in)
	}
	if e := apperr.As(err); e != nil && e.Code == apperr.EINVALID && len(e.Fields) > 0 {
		v.Errors = e.Fields
		return m.verify.Render(w, r, http.StatusUnprocessableEntity, v)
	}
	if err != nil {
		return err
	}
	return m.verify.Render(w, r, http.StatusOK, v)
}
