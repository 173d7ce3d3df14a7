package form

import (
	"embed"
	"io/fs"
	"path"
	"strings"
)

//go:embed examples/*.json
var exampleFS embed.FS

// Examples returns complete example forms by name, for demo data and tests:
//
//   - birth_certificate_duplicate: a duplicate birth certificate (steps
//     applicant, child, delivery);
//   - sole_proprietor_registration: registering as a sole proprietor
//     (applicant, business, tax);
//   - child_allowance: the allowance for families with children
//     (applicant, children, income, payment).
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
