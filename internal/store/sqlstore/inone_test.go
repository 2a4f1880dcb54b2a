package sqlstore

import (
	"fmt"
	"testing"
)

func TestInOne(t *testing.T) {
	tests := []struct {
		query string
		args  []any
		want  string
		wargs []any
	}{
		{"SELECT 1 WHERE a = ?", []any{1}, "SELECT 1 WHERE a = ?", []any{1}},
		{"x " + listIn, []any{`["S-1"]`}, "x = ?", []any{"S-1"}},
		{"x " + listIn, []any{`["a","b"]`}, "x " + listIn, []any{`["a","b"]`}},
		{"x " + listIn, []any{`[]`}, "x " + listIn, []any{`[]`}},
		{"a = ? AND x " + listIn + " AND b = ?", []any{7, `["q\"uote"]`, 8}, "a = ? AND x = ? AND b = ?", []any{7, `q"uote`, 8}},
		{"x " + listIn + " OR y " + listIn, []any{`["a","b"]`, `["c"]`}, "x " + listIn + " OR y = ?", []any{`["a","b"]`, "c"}},
		{"x " + listIn, []any{`[1]`}, "x " + listIn, []any{`[1]`}},
		{"x " + listIn, []any{`["a\",\"b"]`}, "x = ?", []any{`a","b`}},
	}
	for _, tc := range tests {
		q, args := inOne(tc.query, tc.args)
		if q != tc.want || fmt.Sprint(args) != fmt.Sprint(tc.wargs) {
			t.Errorf("inOne(%q, %v) = %q, %v; want %q, %v", tc.query, tc.args, q, args, tc.want, tc.wargs)
		}
	}
}
