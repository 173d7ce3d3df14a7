package pki

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"github.com/egovuz/egov/internal/pki/cades"
	"github.com/egovuz/egov/internal/platform/apperr"
	"github.com/egovuz/egov/internal/platform/web"
)

// Limits of what the verification service reads. The server's own body
// limit (--max-body-bytes) applies first.
const (
	maxDocument  = 20 << 20
	maxSignature = 1 << 20
	// maxVerifyBody bounds a whole request: both files as base64 in JSON,
	// or in a form with its parts' headers.
	maxVerifyBody = (maxDocument+maxSignature)/3*4 + 64<<10
	// formMemory is how much of a form is held in memory; larger files
	// go to temporary files.
	formMemory = 1 << 20
)

// Message keys of the verification service's input errors.
const (
	MsgVerifyInput             = "pki.verify.input"               // the files cannot be checked (with field errors)
	MsgVerifyTooLarge          = "pki.verify.too_large"           // the request is over the limits {0} and {1} MB
	MsgVerifyNoSignature       = "pki.verify.no_signature"        // no signature file given
	MsgVerifyDocumentTooLarge  = "pki.verify.document_too_large"  // the document is over maxDocument
	MsgVerifySignatureTooLarge = "pki.verify.signature_too_large" // the signature is over maxSignature
	MsgVerifyMalformed         = "pki.verify.malformed"           // not a CMS signature in DER, PEM or base64
	MsgVerifyDetached          = "pki.verify.detached"            // a detached signature without its document
	MsgVerifyBase64            = "pki.verify.base64"              // a JSON field that is not base64
)

// verifyInput is what a caller asks to check. document is nil when only a
// signature container was sent; documentField names its field in errors.
type verifyInput struct {
	document, signature         []byte
	documentName, signatureName string
	documentField               string
}

// invalid is an input error at field.
func invalid(field, msg string) error {
	return apperr.Invalid(MsgVerifyInput, map[string]string{field: msg})
}

// tooLarge is the error for a request over the limits, at field.
func tooLarge(field, msg string) error {
	e := apperr.Invalid(MsgVerifyTooLarge, map[string]string{field: msg})
	e.Args = []any{maxDocument >> 20, maxSignature >> 20}
	return e
}

// readMultipart reads the form fields "file" (the document, optional) and
// "signature".
func readMultipart(w http.ResponseWriter, r *http.Request) (verifyInput, error) {
	in := verifyInput{documentField: "file"}
	// The CSRF check of the page has read the form already; the API's
	// body is bounded here.
	r.Body = http.MaxBytesReader(w, r.Body, maxVerifyBody)
	err := r.ParseMultipartForm(formMemory)
	var over *http.MaxBytesError
	switch {
	case errors.As(err, &over):
		return in, tooLarge("file", MsgVerifyDocumentTooLarge)
	case errors.Is(err, http.ErrNotMultipart):
		return in, invalid("signature", MsgVerifyNoSignature)
	case err != nil:
		return in, apperr.New(apperr.EINVALID, "error.invalid")
	}
	if in.document, in.documentName, err = formFile(r.MultipartForm, "file", maxDocument, MsgVerifyDocumentTooLarge); err != nil {
		return in, err
	}
	if in.signature, in.signatureName, err = formFile(r.MultipartForm, "signature", maxSignature, MsgVerifySignatureTooLarge); err != nil {
		return in, err
	}
	return in, nil
}

// formFile reads the file uploaded as field, nil if none was; a file over
// limit is an error with tooLargeMsg.
func formFile(form *multipart.Form, field string, limit int64, tooLargeMsg string) ([]byte, string, error) {
	files := form.File[field]
	if len(files) == 0 {
		return nil, "", nil
	}
	fh := files[0]
	if fh.Size > limit {
		return nil, "", tooLarge(field, tooLargeMsg)
	}
	f, err := fh.Open()
	if err != nil {
		return nil, "", err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	switch {
	case err != nil:
		return nil, "", err
	case int64(len(data)) > limit:
		return nil, "", tooLarge(field, tooLargeMsg)
	}
	return data, fh.Filename, nil
}

// verifyRequest is the JSON body of the API: both as standard base64.
// Content is left out for a signature that encapsulates the document.
type verifyRequest struct {
	Content   *string `json:"content"`
	Signature string  `json:"signature"`
}

// readJSON reads a verifyRequest.
func readJSON(r *http.Request) (verifyInput, error) {
	var req verifyRequest
	in := verifyInput{documentField: "content"}
	if err := web.ReadJSON(r, maxVerifyBody, &req); err != nil {
		return in, err
	}
	var err error
	if req.Content != nil {
		if in.document, err = base64.StdEncoding.DecodeString(*req.Content); err != nil {
			return in, invalid("content", MsgVerifyBase64)
		}
		if len(in.document) > maxDocument {
			return in, tooLarge("content", MsgVerifyDocumentTooLarge)
		}
	}
	if in.signature, err = base64.StdEncoding.DecodeString(req.Signature); err != nil {
		return in, invalid("signature", MsgVerifyBase64)
	}
	if len(in.signature) > maxSignature {
		return in, tooLarge("signature", MsgVerifySignatureTooLarge)
	}
	return in, nil
}

// check verifies the input with the platform's roots and records and
// reports in the request's language. Input that is no signature, or a
// detached signature without its document, is EINVALID with the field to
// fix.
func (m *Module) check(ctx context.Context, in verifyInput) (*reportJSON, error) {
	if len(in.signature) == 0 {
		return nil, invalid("signature", MsgVerifyNoSignature)
	}
	der, ok := decodeSignature(in.signature)
	if !ok {
		return nil, invalid("signature", MsgVerifyMalformed)
	}
	v, err := m.svc.Verifier(ctx)
	if err != nil {
		return nil, err
	}
	rep, err := v.Verify(ctx, in.document, der)
	switch {
	case errors.Is(err, cades.ErrMalformed):
		return nil, invalid("signature", MsgVerifyMalformed)
	case errors.Is(err, cades.ErrNoContent):
		return nil, invalid(in.documentField, MsgVerifyDetached)
	case err != nil:
		return nil, err
	}
	return m.report(ctx, rep)
}

// pemTypes are the PEM labels signatures are written under (RFC 7468
// names "CMS"; OpenSSL and older tools write "PKCS7").
var pemTypes = map[string]bool{"CMS": true, "PKCS7": true, "PKCS #7 SIGNED DATA": true}

// decodeSignature returns the DER of a signature given as DER, as PEM or
// as bare base64 (as some signing tools save .p7s files), and whether it
// looked like any of them. Whether the DER is a signature is the
// verifier's question.
func decodeSignature(b []byte) ([]byte, bool) {
	if len(b) > 0 && b[0] == 0x30 { // a DER SEQUENCE
		return b, true
	}
	text := bytes.TrimSpace(b)
	if bytes.HasPrefix(text, []byte("-----BEGIN ")) {
		block, _ := pem.Decode(text)
		if block == nil || !pemTypes[block.Type] {
			return nil, false
		}
		return block.Bytes, true
	}
	compact := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, string(text))
	der, err := base64.StdEncoding.DecodeString(compact)
	if err != nil || len(der) == 0 || der[0] != 0x30 {
		return nil, false
	}
	return der, true
}

// apiVerify answers POST /api/v1/signatures/verify with the report as
// JSON, taking the files as a form (multipart) or base64 in JSON.
func (m *Module) apiVerify(w http.ResponseWriter, r *http.Request) error {
	var in verifyInput
	var err error
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		in, err = readMultipart(w, r)
	} else {
		in, err = readJSON(r)
	}
	if err != nil {
		return err
	}
	rep, err := m.check(r.Context(), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return web.WriteJSON(w, http.StatusOK, rep)
}
