package pki

import "github.com/egovuz/egov/internal/platform/apperr"

// Reason is an RFC 5280 CRLReason (5.3.1), written into CRLs and OCSP
// responses.
type Reason int

// The reasons the CA revokes for. certificateHold (6) and removeFromCRL (8)
// are not used: revocation here is final.
const (
	ReasonUnspecified          Reason = 0
	ReasonKeyCompromise        Reason = 1
	ReasonCACompromise         Reason = 2
	ReasonAffiliationChanged   Reason = 3
	ReasonSuperseded           Reason = 4
	ReasonCessationOfOperation Reason = 5
	ReasonPrivilegeWithdrawn   Reason = 9
	ReasonAACompromise         Reason = 10
)

// reasonNames are the names the API and the pages use.
var reasonNames = map[Reason]string{
	ReasonUnspecified:          "unspecified",
	ReasonKeyCompromise:        "key_compromise",
	ReasonCACompromise:         "ca_compromise",
	ReasonAffiliationChanged:   "affiliation_changed",
	ReasonSuperseded:           "superseded",
	ReasonCessationOfOperation: "cessation_of_operation",
	ReasonPrivilegeWithdrawn:   "privilege_withdrawn",
	ReasonAACompromise:         "aa_compromise",
}

// String is the reason's name, such as "key_compromise"; it suits message
// keys ("pki.reason." + name).
func (r Reason) String() string { return reasonNames[r] }

// valid tells whether the CA revokes for r.
func (r Reason) valid() bool { _, ok := reasonNames[r]; return ok }

// ParseReason returns the reason named s, or EINVALID MsgReason.
func ParseReason(s string) (Reason, error) {
	for r, name := range reasonNames {
		if name == s {
			return r, nil
		}
	}
	return 0, apperr.New(apperr.EINVALID, MsgReason)
}
