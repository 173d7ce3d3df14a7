package db

import (
	"fmt"
	"strings"
)

// Filter builds the WHERE clause of a list query from the conditions a
// caller's filter sets, numbering the placeholders ($1, $2…) as arguments
// are added, so that the count and the page of a list share one clause.
type Filter struct {
	conds []string
	args  []any
}

// Arg adds an argument and returns its placeholder.
func (f *Filter) Arg(v any) string {
	f.args = append(f.args, v)
	return fmt.Sprintf("$%d", len(f.args))
}

// Add adds a condition on one argument: cond's %s is its placeholder, as
// in Add("s.code = %s", code).
func (f *Filter) Add(cond string, v any) {
	f.conds = append(f.conds, fmt.Sprintf(cond, f.Arg(v)))
}

// AddIf adds a condition like Add when the optional value v is set.
func (f *Filter) AddIf(cond string, v *string) {
	if v != nil {
		f.Add(cond, *v)
	}
}

// Cond adds a condition whose placeholders came from Arg.
func (f *Filter) Cond(cond string) { f.conds = append(f.conds, cond) }

// Where is " WHERE " and the conditions joined by AND, or "" without any.
func (f *Filter) Where() string {
	if len(f.conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.conds, " AND ")
}

// Args are the arguments added so far, for the query.
func (f *Filter) Args() []any { return f.args }

// Page adds a limit and an offset and returns their clause.
func (f *Filter) Page(limit, offset int) string {
	return " LIMIT " + f.Arg(limit) + " OFFSET " + f.Arg(offset)
}
