package db

import (
	"reflect"
	"testing"
)

func TestFilter(t *testing.T) {
	var f Filter
	if f.Where() != "" || len(f.Args()) != 0 {
		t.Fatalf("empty filter: %q %v", f.Where(), f.Args())
	}
	f.Add("a = %s", "x")
	f.Cond("(b LIKE " + f.Arg("%1%") + " OR b LIKE " + f.Arg("%2%") + ")")
	f.Add("c = %s", 3)
	var unset *string
	f.AddIf("d = %s", unset)
	if got := f.Where(); got != " WHERE a = $1 AND (b LIKE $2 OR b LIKE $3) AND c = $4" {
		t.Errorf("where: %q", got)
	}
	if got := f.Page(50, 100); got != " LIMIT $5 OFFSET $6" {
		t.Errorf("page: %q", got)
	}
	if want := []any{"x", "%1%", "%2%", 3, 50, 100}; !reflect.DeepEqual(f.Args(), want) {
		t.Errorf("args: %v", f.Args())
	}
}
