// Package conformance loads the segment contract's conformance vectors that
// the project keeps in testdata/conformance (a copy of the spec's), for the
// tests of every evaluator: the matcher, SQL on each backend, the engine.
package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Vectors are the cases with the friends and catalog they run against.
type Vectors struct {
	Account struct {
		Timezone string `json:"timezone"`
	} `json:"account"`
	Cases   []Case `json:"cases"`
	Friends []byte // friends.ndjson, the import format
	Catalog []byte // catalog.json
}

// Case is one vector: a filter at an instant, and either the expected count
// and sample IDs or the expected refusal.
type Case struct {
	Name   string          `json:"name"`
	Filter json.RawMessage `json:"filter"`
	Now    time.Time       `json:"now"`
	Expect struct {
		Count  *int64   `json:"count"`
		Sample []string `json:"sample"`
		Error  string   `json:"error"`
	} `json:"expect"`
}

// Refused reports whether the case expects the filter to be refused.
func (c *Case) Refused() bool { return c.Expect.Error != "" }

// Load reads the vectors from testdata/conformance at the module's root.
func Load(tb testing.TB) *Vectors {
	tb.Helper()
	dir := testdataDir(tb)
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	v := &Vectors{}
	if err := json.Unmarshal(read("cases.json"), v); err != nil {
		tb.Fatalf("cases.json: %v", err)
	}
	v.Friends, v.Catalog = read("friends.ndjson"), read("catalog.json")
	if len(v.Cases) == 0 {
		tb.Fatal("cases.json has no cases")
	}
	return v
}

// testdataDir finds testdata/conformance above the test's directory.
func testdataDir(tb testing.TB) string {
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "conformance")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("no go.mod above the test's directory")
		}
		dir = parent
	}
}
