package uploads

import (
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameRunes bounds a cleaned file name; with Cyrillic letters of two
// bytes it stays well under the 255 bytes file systems allow.
const maxNameRunes = 100

// maxExtRunes is the longest extension kept when a long name is cut.
const maxExtRunes = 10

// CleanName makes the file name a browser sent fit for showing and for a
// download's Content-Disposition: the last element of any path (browsers on
// Windows have sent "C:\…\scan.pdf"), without control and format
// characters (a right-to-left override can disguise "fdp.exe" as
// "exe.pdf"), without the characters file systems forbid, spaces collapsed,
// in NFC (macOS sends names decomposed), no leading or trailing dots or
// spaces, at most maxNameRunes characters with the extension kept. Letters
// of every script stay. The result may be "". It is never used as a
// storage key.
func CleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false
	for _, r := range name {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case unicode.IsControl(r), unicode.In(r, unicode.Cf, unicode.Co), r == utf8.RuneError:
			continue
		case strings.ContainsRune(`<>:"|?*`, r):
			r = '_'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return bound(strings.Trim(norm.NFC.String(b.String()), ". "))
}

// bound cuts name to maxNameRunes characters, keeping a short extension.
func bound(name string) string {
	if utf8.RuneCountInString(name) <= maxNameRunes {
		return name
	}
	ext := path.Ext(name)
	if utf8.RuneCountInString(ext) > maxExtRunes {
		ext = ""
	}
	stem := []rune(strings.TrimSuffix(name, ext))
	stem = stem[:maxNameRunes-utf8.RuneCountInString(ext)]
	return strings.TrimRight(string(stem), ". ") + ext
}

// displayName is the cleaned name with an extension of contentType: a PNG
// sent as "notes.html" is offered for download as "notes.html.png", so that
// no program on the citizen's or officer's computer opens it as something
// else. An empty name becomes "file" with the extension.
func displayName(name, contentType string) string {
	name = CleanName(name)
	k := kinds[contentType]
	if name == "" {
		return "file" + k.ext
	}
	if slices.Contains(k.exts, strings.ToLower(path.Ext(name))) {
		return name
	}
	return bound(name + k.ext)
}
