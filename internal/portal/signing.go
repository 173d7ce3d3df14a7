package portal

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/egovuz/egov/internal/platform/apperr"
)

// Message keys of applicants' signatures.
const (
	MsgSignature         = "portal.sign.invalid"  // not a valid signature of this application by the applicant
	MsgSignatureRequired = "portal.sign.required" // the service takes only signed applications
)

// SignedContent is what an applicant signs: the service, the form version,
// the applicant's PINFL and the answers as the form keeps them, as
// compact JSON with its keys in order, so that the same application
// always gives the same bytes.
func SignedContent(service string, formVersion int, pinfl string, clean map[string]any) ([]byte, error) {
	return json.Marshal(struct {
		Service     string         `json:"service"`
		FormVersion int            `json:"form_version"`
		Applicant   string         `json:"applicant"`
		Answers     map[string]any `json:"answers"`
	}{service, formVersion, pinfl, clean})
}

// checkSignature checks that sig is the applicant's valid signature of
// content and returns whom it names; EINVALID MsgSignature otherwise.
func (a *Applications) checkSignature(ctx context.Context, content, sig []byte, pinfl string) (string, error) {
	if a.Signatures == nil {
		return "", fmt.Errorf("check signature: no signature checker")
	}
	c, err := a.Signatures.Check(ctx, content, sig)
	if err != nil {
		return "", err
	}
	if !c.Valid || c.PINFL == "" || c.PINFL != pinfl {
		return "", apperr.Invalid(MsgSignature, map[string]string{"signature": MsgSignature})
	}
	return c.Signer, nil
}
