package main

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEmbedsZoneData checks that the binary imports time/tzdata: the host
// running the tests has zone data, so only the import itself can show
// that a host without it still loads every account's zone.
func TestEmbedsZoneData(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		if f.Name.Name != "main" || strings.HasSuffix(name, "_test.go") {
			continue
		}
		for _, imp := range f.Imports {
			if p, _ := strconv.Unquote(imp.Path.Value); p == "time/tzdata" {
				return
			}
		}
	}
	t.Fatal("package main does not import time/tzdata: a host without zone data could not load an account's zone")
}
