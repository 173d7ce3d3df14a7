package uploads

import (
	"bytes"
	"mime"
	"slices"
	"strings"
)

// The content types this package recognises by their bytes.
const (
	PDF  = "application/pdf"
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// kind is what the package knows of one content type.
type kind struct {
	// label names the type to people: "PDF".
	label string
	// ext is the file name extension a download gets if its name lacks
	// one of exts.
	ext  string
	exts []string
	// aliases are other names browsers and systems declare it by.
	aliases []string
	// is tells whether body is a file of the type.
	is func(body []byte) bool
}

var kinds = map[string]kind{
	PDF:  {label: "PDF", ext: ".pdf", exts: []string{".pdf"}, aliases: []string{"application/x-pdf"}, is: isPDF},
	JPEG: {label: "JPEG", ext: ".jpg", exts: []string{".jpg", ".jpeg", ".jpe", ".jfif"}, aliases: []string{"image/jpg", "image/pjpeg"}, is: isJPEG},
	PNG:  {label: "PNG", ext: ".png", exts: []string{".png"}, aliases: []string{"image/x-png"}, is: isPNG},
}

// Sniff returns the content type of body decided from its bytes alone — PDF,
// JPEG or PNG — or "" when body is none of them. It never trusts a name or
// a declared type.
func Sniff(body []byte) string {
	for _, t := range [...]string{PDF, JPEG, PNG} {
		if kinds[t].is(body) {
			return t
		}
	}
	return ""
}

// pdfTail is how far from the end a PDF's "%%EOF" marker may be, as PDF
// readers allow.
const pdfTail = 1024

// isPDF checks the header "%PDF-d.d" at the very start and the end-of-file
// marker near the end, so that a truncated upload or a text that merely
// begins with "%PDF-" is not taken for a document.
func isPDF(b []byte) bool {
	if len(b) < 8 || !bytes.HasPrefix(b, []byte("%PDF-")) ||
		!isDigit(b[5]) || b[6] != '.' || !isDigit(b[7]) {
		return false
	}
	return bytes.Contains(b[max(0, len(b)-pdfTail):], []byte("%%EOF"))
}

// isJPEG checks the start-of-image marker followed by another marker, and the
// end-of-image marker: cameras may append data after it, so it is looked
// for, not required to be last.
func isJPEG(b []byte) bool {
	if len(b) < 6 || b[0] != 0xFF || b[1] != 0xD8 || b[2] != 0xFF || b[3] < 0xC0 || b[3] == 0xFF {
		return false
	}
	return bytes.Contains(b[4:], []byte{0xFF, 0xD9})
}

// isPNG checks the eight-byte signature and that the first chunk is IHDR,
// as the PNG specification requires.
func isPNG(b []byte) bool {
	return len(b) >= 16 && bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"))
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// declaredType normalises the Content-Type a browser sent to one of the
// package's types where it is an alias of one, or to its bare media type.
// An empty or generic declaration ("application/octet-stream", which
// browsers send for extensions they do not know) is "": it claims nothing.
// ok is false when the declaration does not parse.
func declaredType(declared string) (t string, ok bool) {
	if strings.TrimSpace(declared) == "" {
		return "", true
	}
	mt, _, err := mime.ParseMediaType(declared)
	if err != nil {
		return "", false
	}
	if mt == "application/octet-stream" {
		return "", true
	}
	for name, k := range kinds {
		if mt == name || slices.Contains(k.aliases, mt) {
			return name, true
		}
	}
	return mt, true
}
