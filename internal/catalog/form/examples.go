package form

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed examples/*.json
var exampleFS embed.FS

// Examples returns complete example forms by name, for demo data and tests.
// A name is the code of the service the form belongs to with "_" for "-"
// (birth_registration is the form of "birth-registration"):
//
//   - birth_certificate_duplicate: a duplicate birth certificate (steps
//     applicant, child, delivery);
//   - birth_registration: registering a child's birth (parents, child,
//     certificate);
//   - marriage_registration: registering a marriage (groom, bride,
//     ceremony);
//   - residence_registration_change: registering a new permanent address
//     (applicant, address, household);
//   - child_allowance: the allowance for families with children
//     (applicant, children, income, payment);
//   - old_age_pension: the old-age pension (applicant, work, payment);
//   - school_enrolment: enrolling a child in the first grade (child,
//     parent, school);
//   - sole_proprietor_registration: registering as a sole proprietor
//     (applicant, business, tax);
//   - llc_registration: registering a limited liability company (company,
//     founders, management);
//   - property_register_extract: an extract from the real estate register
//     (property, applicant, delivery).
//
// Each call returns new copies.
func Examples() map[string][]byte {
	out := make(map[string][]byte)
	entries, _ := fs.ReadDir(exampleFS, "examples") // embedded: cannot fail
	for _, e := range entries {
		doc, err := fs.ReadFile(exampleFS, path.Join("examples", e.Name()))
		if err != nil {
			continue
		}
		out[strings.TrimSuffix(e.Name(), ".json")] = doc
	}
	return out
}
