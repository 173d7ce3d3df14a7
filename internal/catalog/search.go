package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode"

	"github.com/egovuz/egov/internal/platform/db"
	"github.com/egovuz/egov/internal/platform/i18n"
	"github.com/egovuz/egov/internal/platform/i18n/translit"
)

// Search limits: a query is cut to maxQueryTerms words of at most
// maxTermLen letters, so a hostile query costs no more than a normal one.
const (
	maxQueryTerms = 8
	maxTermLen    = 40
	// minTypoLen is the shortest word corrected for typos: in shorter ones
	// one letter is too much of the word to guess.
	minTypoLen = 4
)

// searchDoc is the text a service is found by: its code and its name,
// description and result in every language, folded to one script.
func searchDoc(p Passport) string {
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(p.Code, "-", " "))
	for _, l := range i18n.All() {
		for _, t := range []Texts{p.Name, p.Description, p.Result} {
			b.WriteByte(' ')
			b.WriteString(t[l])
		}
	}
	return translit.Fold(b.String())
}

// indexService replaces a service's search text, in the caller's
// transaction: live services are indexed, others removed from the index.
func (r *Registry) indexService(ctx context.Context, tx *sql.Tx, id string, p Passport) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM catalog_search WHERE service_id = $1`, id); err != nil {
		return err
	}
	if p.Status != StatusLive {
		return nil
	}
	doc := searchDoc(p)
	if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_search (service_id, doc) VALUES ($1, $2)`, id, doc); err != nil {
		return err
	}
	for _, w := range queryWords(doc) {
		if _, err := tx.ExecContext(ctx, `INSERT INTO catalog_search_terms (term, length) VALUES ($1, $2) ON CONFLICT (term) DO NOTHING`,
			w, len([]rune(w))); err != nil {
			return err
		}
	}
	return nil
}

// queryWords splits folded text into its distinct words.
func queryWords(folded string) []string {
	seen := map[string]bool{}
	var out []string
	for _, w := range strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// queryTerms folds a query and splits it into words.
func queryTerms(q string) []string {
	var out []string
	for _, w := range queryWords(translit.Fold(q)) {
		if len([]rune(w)) > maxTermLen {
			w = string([]rune(w)[:maxTermLen])
		}
		out = append(out, w)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// Search finds live services whose text contains every word of the query
// (as a word prefix), best match first, whichever script or language either
// side uses. When nothing matches, each word of four letters or more may also
// be any indexed word one letter away from it (a typo: one letter wrong,
// missing, extra or two swapped), and the search is tried again.
func (r *Registry) Search(ctx context.Context, q string, limit int) ([]*Service, error) {
	terms := queryTerms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	exact := make([][]string, len(terms))
	for i, t := range terms {
		exact[i] = []string{t}
	}
	ids, err := r.match(ctx, exact, limit)
	if err != nil || len(ids) > 0 {
		return r.byIDs(ctx, ids, err)
	}
	alternatives := make([][]string, len(terms))
	for i, t := range terms {
		alternatives[i] = []string{t}
		if len([]rune(t)) < minTypoLen {
			continue
		}
		near, err := r.nearWords(ctx, t)
		if err != nil {
			return nil, err
		}
		alternatives[i] = append(alternatives[i], near...)
	}
	ids, err = r.match(ctx, alternatives, limit)
	return r.byIDs(ctx, ids, err)
}

// match runs the full-text query where every position must match one of
// its alternatives; terms are treated as word prefixes.
func (r *Registry) match(ctx context.Context, alternatives [][]string, limit int) ([]string, error) {
	var rows *sql.Rows
	var err error
	if r.db.Engine() == db.Postgres {
		var and []string
		for _, alts := range alternatives {
			var or []string
			for _, a := range alts {
				or = append(or, a+":*")
			}
			and = append(and, "("+strings.Join(or, " | ")+")")
		}
		rows, err = r.db.Reader().QueryContext(ctx, `SELECT service_id FROM catalog_search WHERE tsv @@ to_tsquery('simple', $1)
			ORDER BY ts_rank(tsv, to_tsquery('simple', $1)) DESC, service_id LIMIT $2`, strings.Join(and, " & "), limit)
	} else {
		var and []string
		for _, alts := range alternatives {
			var or []string
			for _, a := range alts {
				or = append(or, `"`+a+`"*`)
			}
			and = append(and, "("+strings.Join(or, " OR ")+")")
		}
		rows, err = r.db.Reader().QueryContext(ctx, `SELECT service_id FROM catalog_search WHERE catalog_search MATCH $1
			ORDER BY rank LIMIT $2`, strings.Join(and, " AND "), limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("search: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// nearWords lists the indexed words one edit away from t.
func (r *Registry) nearWords(ctx context.Context, t string) ([]string, error) {
	n := len([]rune(t))
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT term FROM catalog_search_terms WHERE length BETWEEN $1 AND $2`, n-1, n+1)
	if err != nil {
		return nil, fmt.Errorf("search terms: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var w string
		if err := rows.Scan(&w); err != nil {
			return nil, fmt.Errorf("search terms: %w", err)
		}
		if w != t && oneEditApart(t, w) {
			out = append(out, w)
		}
	}
	return out, rows.Err()
}

// byIDs loads services in one query and returns them in the order given.
func (r *Registry) byIDs(ctx context.Context, ids []string, err error) ([]*Service, error) {
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	marks := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
	}
	rows, err := r.db.Reader().QueryContext(ctx, `SELECT id, version, updated_at, updated_by, passport FROM catalog_services
		WHERE id IN (`+strings.Join(marks, ", ")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("search results: %w", err)
	}
	defer rows.Close()
	found := make(map[string]*Service, len(ids))
	for rows.Next() {
		s, err := scanService(rows)
		if err != nil {
			return nil, err
		}
		found[s.ID] = s
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*Service, 0, len(ids))
	for _, id := range ids {
		if s := found[id]; s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}

// oneEditApart tells whether a and b differ by one letter changed, added or
// removed, or two neighbouring letters swapped.
func oneEditApart(a, b string) bool {
	x, y := []rune(a), []rune(b)
	if len(x) > len(y) {
		x, y = y, x
	}
	switch len(y) - len(x) {
	case 0:
		var diff []int
		for i := range x {
			if x[i] != y[i] {
				diff = append(diff, i)
				if len(diff) > 2 {
					return false
				}
			}
		}
		switch len(diff) {
		case 1:
			return true
		case 2:
			i, j := diff[0], diff[1]
			return j == i+1 && x[i] == y[j] && x[j] == y[i]
		}
		return false
	case 1:
		i := 0
		for i < len(x) && x[i] == y[i] {
			i++
		}
		return string(x[i:]) == string(y[i+1:])
	}
	return false
}
