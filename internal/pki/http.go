package pki

import (
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Media types of the protocols (RFC 2585, RFC 6960, RFC 3161).
const (
	typeCert     = "application/pkix-cert"
	typeCRL      = "application/pkix-crl"
	typeOCSPReq  = "application/ocsp-request"
	typeOCSPResp = "application/ocsp-response"
	typeTSQuery  = "application/timestamp-query"
	typeTSReply  = "application/timestamp-reply"
)

// maxProtocolBody bounds OCSP and timestamp requests; real ones are well
// under a kilobyte.
const maxProtocolBody = 16 << 10

// Routes registers the public services at the URLs certificates carry:
// CA certificates, CRLs, the OCSP responder (GET and POST) and the TSA.
// They are public and, being machine protocols without cookies, exempt
// from the CSRF check.
func (s *Service) Routes(r *web.Router) {
	r.Handle("GET "+PathCA+"{file}", web.Public, s.serveCA)
	r.Handle("GET "+PathCRL+"{file}", web.Public, s.serveCRL)
	r.Handle("GET "+PathOCSP+"/{request...}", web.Public, s.serveOCSPGet)
	r.Handle("POST "+PathOCSP, web.Public, s.serveOCSPPost, web.CSRFExempt())
	r.Handle("POST "+PathTSA, web.Public, s.serveTSA, web.CSRFExempt())
}

// serveCA sends the certificate of the CA in /pki/ca/<name>.crt as DER.
func (s *Service) serveCA(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".crt")
	if !ok {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
	}
	a, err := findAuthority(r.Context(), s.db.Reader(), name)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	return writeBody(w, typeCert, a.cert)
}

// serveCRL sends the CRL in /pki/crl/<name>.crl as DER.
func (s *Service) serveCRL(w http.ResponseWriter, r *http.Request) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".crl")
	if !ok {
		return apperr.New(apperr.ENOTFOUND, MsgNoSuchCA)
	}
	der, err := s.CRL(r.Context(), name)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "public, max-age=300")
	return writeBody(w, typeCRL, der)
}

// serveOCSPGet answers a request sent base64-encoded in the path (RFC 6960
// appendix A.1); the answer may be cached by HTTP caches until its
// nextUpdate.
func (s *Service) serveOCSPGet(w http.ResponseWriter, r *http.Request) error {
	// The escaped path keeps "+" and "/" of the base64 as sent.
	enc, _ := strings.CutPrefix(r.URL.EscapedPath(), PathOCSP+"/")
	enc, err := url.PathUnescape(enc)
	if err != nil {
		return s.writeOCSP(w, r, nil)
	}
	der, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		der = nil
	}
	return s.writeOCSP(w, r, der)
}

// serveOCSPPost answers a DER request in the body.
func (s *Service) serveOCSPPost(w http.ResponseWriter, r *http.Request) error {
	der, err := readBody(w, r)
	if err != nil {
		return err
	}
	return s.writeOCSP(w, r, der)
}

func (s *Service) writeOCSP(w http.ResponseWriter, r *http.Request, der []byte) error {
	resp, err := s.OCSP(r.Context(), der)
	if err != nil {
		return err
	}
	if !resp.NextUpdate.IsZero() && r.Method == http.MethodGet {
		age := int(time.Until(resp.NextUpdate).Seconds())
		w.Header().Set("Cache-Control", "public, no-transform, must-revalidate, max-age="+strconv.Itoa(max(age, 0)))
		w.Header().Set("Expires", resp.NextUpdate.Format(http.TimeFormat))
	}
	return writeBody(w, typeOCSPResp, resp.DER)
}

// serveTSA answers a timestamp query. Requests the TSA refuses are
// answered in the protocol (status rejection with a failure reason), not
// with an HTTP error.
func (s *Service) serveTSA(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, typeTSQuery) {
		return apperr.New(apperr.EINVALID, MsgTSAContentType)
	}
	der, err := readBody(w, r)
	if err != nil {
		return err
	}
	resp, err := s.RespondTimestamp(r.Context(), der)
	if err != nil {
		return err
	}
	return writeBody(w, typeTSReply, resp)
}

// readBody reads a protocol request body of at most maxProtocolBody bytes.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	der, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxProtocolBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apperr.New(apperr.EINVALID, "error.too_large")
	}
	return der, err
}

func writeBody(w http.ResponseWriter, contentType string, body []byte) error {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, err := w.Write(body)
	return err
}
