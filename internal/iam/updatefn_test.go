package iam

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// An update function (the fn of Tx.UpdateUser, UpdateGroup, UpdateRole,
// UpdateAPIKey) must build the new record from the one it is handed. A
// value read from the store outside the transaction, captured by the
// function and written back, loses any update made in between: issue 11's
// lost group members. This test finds such captures in the package's
// code: a variable the function uses that was assigned, in the enclosing
// function, from a read on s.store (outside any transaction) or from
// another such variable.

// storeReads are the Reader methods; called on s.store they read outside
// the transaction.
var storeReads = []string{"GetUser", "GetUserByName", "ListUsers", "GetGroup", "ListGroups",
	"GetRole", "ListRoles", "GetAPIKey", "GetAPIKeyByHash", "ListAPIKeys", "GetSessionByHash", "CountSessions"}

var updateMethods = []string{"UpdateUser", "UpdateGroup", "UpdateRole", "UpdateAPIKey"}

func TestUpdateFuncsReadNothingOutside(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		for _, finding := range staleCaptures(t, f) {
			t.Errorf("%s", finding)
		}
		n++
	}
	if n == 0 {
		t.Fatal("no source files checked")
	}
}

// TestUpdateFuncsCheckFails: the check finds the capture of issue 11 (the
// update of a group as it was before the fix) in testdata.
func TestUpdateFuncsCheckFails(t *testing.T) {
	got := staleCaptures(t, filepath.Join("testdata", "stale_update.go.txt"))
	want := []string{"roles", "members"}
	for _, w := range want {
		if !slices.ContainsFunc(got, func(f string) bool { return strings.Contains(f, "captures "+w+",") }) {
			t.Errorf("the check missed the capture of %s; found %q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("found %q, want the captures of %v only", got, want)
	}
}

// staleCaptures returns a line for each variable an update function in
// file captures that holds a value read outside the transaction.
func staleCaptures(t *testing.T, file string) []string {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		stale := staleVars(fd.Body)
		ast.Inspect(fd.Body, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) == 0 || !isMethodCall(call, updateMethods) {
				return true
			}
			lit, ok := call.Args[len(call.Args)-1].(*ast.FuncLit)
			if !ok {
				return true
			}
			for _, name := range freeNames(lit) {
				if stale[name] {
					out = append(out, fmt.Sprintf("%s: the update function of %s captures %s, read outside the transaction; read it from the record the function is given",
						fset.Position(lit.Pos()), fd.Name.Name, name))
				}
			}
			return true
		})
	}
	return out
}

// isMethodCall reports whether call calls a method named one of names.
func isMethodCall(call *ast.CallExpr, names []string) bool {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	return ok && slices.Contains(names, sel.Sel.Name)
}

// readsOutside reports whether e holds a call of a read method on
// s.store, or a use of one of the stale variables.
func readsOutside(e ast.Expr, stale map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok && slices.Contains(storeReads, sel.Sel.Name) {
				if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "store" {
					found = true
				}
			}
		case *ast.Ident:
			found = found || stale[n.Name]
		case *ast.FuncLit:
			return false
		}
		return !found
	})
	return found
}

// staleVars returns the variables of body assigned from reads outside the
// transaction, directly or through other such variables.
func staleVars(body *ast.BlockStmt) map[string]bool {
	stale := map[string]bool{}
	for changed := true; changed; {
		changed = false
		mark := func(lhs []ast.Expr, rhs []ast.Expr) {
			for i, l := range lhs {
				id, ok := l.(*ast.Ident)
				if !ok || id.Name == "_" || stale[id.Name] {
					continue
				}
				r := rhs[min(i, len(rhs)-1)] // a, b := f() spreads one call
				if readsOutside(r, stale) {
					stale[id.Name], changed = true, true
				}
			}
		}
		ast.Inspect(body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.AssignStmt:
				mark(n.Lhs, n.Rhs)
			case *ast.ValueSpec:
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				if len(n.Values) > 0 {
					mark(lhs, n.Values)
				}
			case *ast.FuncLit:
				return false
			}
			return true
		})
	}
	return stale
}

// freeNames returns the identifiers lit uses but does not declare: its
// parameters and the names it assigns with := or var are its own.
func freeNames(lit *ast.FuncLit) []string {
	own := map[string]bool{}
	for _, fl := range []*ast.FieldList{lit.Type.Params, lit.Type.Results} {
		if fl == nil {
			continue
		}
		for _, f := range fl.List {
			for _, id := range f.Names {
				own[id.Name] = true
			}
		}
	}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			if n.Tok == token.DEFINE {
				for _, l := range n.Lhs {
					if id, ok := l.(*ast.Ident); ok {
						own[id.Name] = true
					}
				}
			}
		case *ast.ValueSpec:
			for _, id := range n.Names {
				own[id.Name] = true
			}
		case *ast.RangeStmt:
			for _, e := range []ast.Expr{n.Key, n.Value} {
				if id, ok := e.(*ast.Ident); ok && n.Tok == token.DEFINE {
					own[id.Name] = true
				}
			}
		}
		return true
	})
	var free []string
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			ast.Inspect(n.X, func(m ast.Node) bool {
				if id, ok := m.(*ast.Ident); ok && !own[id.Name] && !slices.Contains(free, id.Name) {
					free = append(free, id.Name)
				}
				return true
			})
			return false // n.Sel is a field, not a variable
		case *ast.Ident:
			if !own[n.Name] && !slices.Contains(free, n.Name) {
				free = append(free, n.Name)
			}
		}
		return true
	})
	return free
}
