package i18n

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// message is the text of one key in one locale.
type message struct {
	plural bool
	// forms holds the text of each plural category the locale uses; a
	// plain message is in forms[catOther].
	forms [numCategories]string
	// placeholders lists the distinct placeholders of all forms, sorted and
	// space separated ("{0} {n}"), to compare translations.
	placeholders string
}

// entry is one key's messages, indexed like All.
type entry [numLocales]message

// Bundle holds the message catalogs of every module in every supported
// locale. It is immutable after Load and safe for concurrent use.
type Bundle struct {
	entries map[string]*entry
	keys    []string // sorted
}

// Load builds a Bundle from catalog sources, typically one embedded folder
// per module (fs.Sub of an embed.FS). Each source holds, at its root, one
// file per locale named after its tag: uz-Latn.json, uz-Cyrl.json, ru.json,
// en.json. Other files and folders are ignored.
//
// A catalog file is one flat JSON object. Each key maps to a string, or for
// a message that depends on a count to an object of CLDR plural categories:
//
//	{
//	  "portal.title": "Davlat xizmatlari",
//	  "portal.greeting": "Xush kelibsiz, {0}!",
//	  "portal.services": {"one": "{n} ta xizmat", "other": "{n} ta xizmat"}
//	}
//
// Russian plurals need one, few, many and other; the other locales one and
// other. Messages may use the placeholders {0}, {1}… (arguments of T and N)
// and {n} (the count of N).
//
// Load refuses, with an error that names the source (by position, from 1),
// the file and the key: a source with no catalog file; a file named after no
// supported locale; invalid JSON, a key given twice in a file, an empty key,
// or a value that is neither a string nor an object of strings; an unknown
// plural category, one the locale does not use, or a missing one; a key that
// one locale of a source has and another lacks, is a plural in one and not in
// another, or uses other placeholders; and a key that two sources define.
// Missing translations thus fail the test of the module that calls Load.
func Load(sources ...fs.FS) (*Bundle, error) {
	b := &Bundle{entries: make(map[string]*entry)}
	owner := make(map[string]int) // key → number of the source defining it
	for n, src := range sources {
		n++ // sources are numbered from 1 in errors
		if src == nil {
			return nil, fmt.Errorf("load catalogs: source %d: nil file system", n)
		}
		entries, err := loadSource(src)
		if err != nil {
			return nil, fmt.Errorf("load catalogs: source %d: %w", n, err)
		}
		for _, key := range slices.Sorted(maps.Keys(entries)) {
			if first, dup := owner[key]; dup {
				// Every file of a source has every key of it, as loadSource checked.
				return nil, fmt.Errorf("load catalogs: source %d: %s.json: key %q is already defined by source %d", n, Default, key, first)
			}
			owner[key] = n
			b.entries[key] = entries[key]
		}
	}
	b.keys = slices.Sorted(maps.Keys(b.entries))
	return b, nil
}

// loadSource reads the catalog files of one source and checks that they
// translate the same keys in the same way.
func loadSource(src fs.FS) (map[string]*entry, error) {
	dir, err := fs.ReadDir(src, ".")
	if err != nil {
		return nil, err
	}
	var files [numLocales]map[string]message
	found := false
	for _, d := range dir {
		name := d.Name()
		if d.IsDir() || !strings.HasSuffix(name, ".json") {
			continue
		}
		loc := Locale(strings.TrimSuffix(name, ".json"))
		i, ok := loc.index()
		if !ok {
			return nil, fmt.Errorf("%s: unknown locale %q (catalog files are uz-Latn.json, uz-Cyrl.json, ru.json and en.json)", name, loc)
		}
		data, err := fs.ReadFile(src, name)
		if err != nil {
			return nil, err
		}
		if files[i], err = parseCatalog(loc, data); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		found = true
	}
	if !found {
		return nil, errors.New("no catalog files (uz-Latn.json, uz-Cyrl.json, ru.json, en.json)")
	}

	keys := make(map[string]bool)
	for _, f := range files {
		for key := range f {
			keys[key] = true
		}
	}
	entries := make(map[string]*entry, len(keys))
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		// Compare every locale with the first one that has the key.
		ref := slices.IndexFunc(files[:], func(f map[string]message) bool { _, ok := f[key]; return ok })
		refLoc, r := All()[ref], files[ref][key]
		e := new(entry)
		for i, loc := range All() {
			m, ok := files[i][key]
			switch {
			case files[i] == nil:
				return nil, fmt.Errorf("%s.json is missing (key %q, defined in %s.json, needs a translation)", loc, key, refLoc)
			case !ok:
				return nil, fmt.Errorf("%s.json: missing key %q (defined in %s.json)", loc, key, refLoc)
			case m.plural != r.plural:
				return nil, fmt.Errorf("%s.json: key %q is %s here but %s in %s.json", loc, key, kind(m), kind(r), refLoc)
			case m.placeholders != r.placeholders:
				return nil, fmt.Errorf("%s.json: key %q uses placeholders [%s] here but [%s] in %s.json", loc, key, m.placeholders, r.placeholders, refLoc)
			}
			e[i] = m
		}
		entries[key] = e
	}
	return entries, nil
}

// kind describes what sort of message m is, for errors.
func kind(m message) string {
	if m.plural {
		return "a plural"
	}
	return "a plain string"
}

// parseCatalog parses one catalog file of locale loc.
func parseCatalog(loc Locale, data []byte) (map[string]message, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := expectDelim(dec, '{', "the file must be one JSON object"); err != nil {
		return nil, err
	}
	msgs := make(map[string]message)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonError(err)
		}
		key, _ := tok.(string) // object keys are always strings
		if key == "" {
			return nil, errors.New("empty key")
		}
		if _, dup := msgs[key]; dup {
			return nil, fmt.Errorf("key %q is given twice", key)
		}
		if tok, err = dec.Token(); err != nil {
			return nil, fmt.Errorf("key %q: %w", key, jsonError(err))
		}
		var m message
		switch v := tok.(type) {
		case string:
			m.forms[catOther] = v
		case json.Delim:
			if v != '{' {
				return nil, fmt.Errorf("key %q: value must be a string or an object of plural forms", key)
			}
			if m, err = parsePlural(dec, loc); err != nil {
				return nil, fmt.Errorf("key %q: %w", key, err)
			}
		default:
			return nil, fmt.Errorf("key %q: value must be a string or an object of plural forms", key)
		}
		m.placeholders = placeholderSet(m.forms[:])
		msgs[key] = m
	}
	if err := expectDelim(dec, '}', "the file must be one JSON object"); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("unexpected data after the JSON object")
	}
	return msgs, nil
}

// parsePlural parses the object of plural forms whose '{' dec has just read.
func parsePlural(dec *json.Decoder, loc Locale) (message, error) {
	m := message{plural: true}
	var seen [numCategories]bool
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return m, jsonError(err)
		}
		name, _ := tok.(string)
		c, ok := parseCategory(name)
		switch {
		case !ok:
			return m, fmt.Errorf("unknown plural category %q", name)
		case !slices.Contains(loc.categories(), c):
			return m, fmt.Errorf("plural category %q is not used by %s (it uses %s)", name, loc, categoryList(loc))
		case seen[c]:
			return m, fmt.Errorf("plural category %q is given twice", name)
		}
		if tok, err = dec.Token(); err != nil {
			return m, jsonError(err)
		}
		text, ok := tok.(string)
		if !ok {
			return m, fmt.Errorf("plural form %q must be a string", name)
		}
		m.forms[c], seen[c] = text, true
	}
	if err := expectDelim(dec, '}', "plural forms must be strings"); err != nil {
		return m, err
	}
	for _, c := range loc.categories() {
		if !seen[c] {
			return m, fmt.Errorf("missing plural category %q (%s uses %s)", c, loc, categoryList(loc))
		}
	}
	return m, nil
}

// categoryList names the plural categories of l, for errors.
func categoryList(l Locale) string {
	var names []string
	for _, c := range l.categories() {
		names = append(names, c.String())
	}
	return strings.Join(names, ", ")
}

// expectDelim reads the next token and fails with problem unless it is d.
func expectDelim(dec *json.Decoder, d json.Delim, problem string) error {
	tok, err := dec.Token()
	if err != nil {
		return jsonError(err)
	}
	if tok != d {
		return errors.New(problem)
	}
	return nil
}

// jsonError describes a decoding error, with its offset when there is one.
func jsonError(err error) error {
	if err == io.EOF {
		return errors.New("invalid JSON: unexpected end of file")
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	}
	return fmt.Errorf("invalid JSON: %w", err)
}

// placeholder finds the first placeholder in text at or after byte offset
// from: {n} or {i} with i a decimal index of at most three digits. It returns
// its bounds and name, or start = -1.
func placeholder(text string, from int) (start, end int, name string) {
	for i := from; i < len(text); i++ {
		if text[i] != '{' {
			continue
		}
		j := strings.IndexByte(text[i+1:], '}')
		if j < 0 {
			break
		}
		name = text[i+1 : i+1+j]
		if name == "n" || len(name) <= 3 && isDigits(name) {
			return i, i + j + 2, name
		}
	}
	return -1, -1, ""
}

// placeholderSet returns the distinct placeholders of texts, sorted and space
// separated.
func placeholderSet(texts []string) string {
	var set []string
	for _, t := range texts {
		for start, end, _ := placeholder(t, 0); start >= 0; start, end, _ = placeholder(t, end) {
			if p := t[start:end]; !slices.Contains(set, p) {
				set = append(set, p)
			}
		}
	}
	slices.Sort(set)
	return strings.Join(set, " ")
}

// lookup returns the message for key in loc, falling back to Default for an
// unsupported locale, and the locale it is in.
func (b *Bundle) lookup(loc Locale, key string) (*message, Locale, bool) {
	if b == nil {
		return nil, loc, false
	}
	e, ok := b.entries[key]
	if !ok {
		return nil, loc, false
	}
	i, ok := loc.index()
	if !ok {
		loc = Default
		i, _ = loc.index()
	}
	return &e[i], loc, true
}

// T returns the message for key in loc with each placeholder {i} replaced by
// fmt.Sprint(args[i]); a placeholder without an argument is left as it is.
// For a plural key it uses the "other" form, leaving {n} in place: counts
// belong to N. An unsupported locale is served in Default. An unknown key
// returns the key itself, so that it shows up on the page; tests find such
// keys with Has.
func (b *Bundle) T(loc Locale, key string, args ...any) string {
	m, loc, ok := b.lookup(loc, key)
	if !ok {
		return key
	}
	return expand(m.forms[catOther], loc, args, nil)
}

// N returns the form of the plural message key that the count n takes in
// loc by the CLDR cardinal rules (see the categories each locale uses on
// Load), with {n} replaced by FormatInt(loc, n) and {0}, {1}… as in T. For a
// plain string key it returns that string, expanded the same way. Unknown
// keys and unsupported locales are handled as in T.
func (b *Bundle) N(loc Locale, key string, n int, args ...any) string {
	m, loc, ok := b.lookup(loc, key)
	if !ok {
		return key
	}
	count := int64(n)
	text := m.forms[catOther]
	if m.plural {
		text = m.forms[pluralCategory(loc, count)]
	}
	return expand(text, loc, args, &count)
}

// expand replaces the placeholders of text: {i} by fmt.Sprint(args[i]) and,
// when count is not nil, {n} by the formatted count.
func expand(text string, loc Locale, args []any, count *int64) string {
	start, end, name := placeholder(text, 0)
	if start < 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + 16)
	done := 0
	for ; start >= 0; start, end, name = placeholder(text, end) {
		var value string
		switch i, err := strconv.Atoi(name); {
		case name == "n" && count != nil:
			value = FormatInt(loc, *count)
		case err == nil && i < len(args):
			value = fmt.Sprint(args[i])
		default:
			continue
		}
		b.WriteString(text[done:start])
		b.WriteString(value)
		done = end
	}
	b.WriteString(text[done:])
	return b.String()
}

// Has reports whether key is defined (in every locale, as Load ensures).
func (b *Bundle) Has(key string) bool {
	if b == nil {
		return false
	}
	_, ok := b.entries[key]
	return ok
}

// Keys returns every defined key, sorted.
func (b *Bundle) Keys() []string {
	if b == nil {
		return nil
	}
	return slices.Clone(b.keys)
}
