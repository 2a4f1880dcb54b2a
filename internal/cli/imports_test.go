package cli

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestSpeaksOnlyThroughClient keeps the CLI an API client like any other:
// of clusteriam's own packages it may use only the public client (and a
// helper that writes files), never the server's.
func TestSpeaksOnlyThroughClient(t *testing.T) {
	allowed := map[string]bool{
		"github.com/clusteriam/clusteriam/client":              true,
		"github.com/clusteriam/clusteriam/internal/atomicfile": true,
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range file.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, "github.com/clusteriam/clusteriam/") {
				seen++
				if !allowed[path] {
					t.Errorf("%s imports %s: the CLI speaks to the server only through package client", f, path)
				}
			}
		}
	}
	if seen == 0 {
		t.Fatal("no file imports package client: the test reads the wrong files")
	}
}
