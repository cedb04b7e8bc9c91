package sqlstore_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

type vectors struct {
	Account struct {
		Timezone string `json:"timezone"`
	} `json:"account"`
	Cases []struct {
		Name   string          `json:"name"`
		Filter json.RawMessage `json:"filter"`
		Now    time.Time       `json:"now"`
		Expect struct {
			Count  *int64   `json:"count"`
			Sample []string `json:"sample"`
			Error  string   `json:"error"`
		} `json:"expect"`
	} `json:"cases"`
}

// TestConformance imports the spec's conformance vectors (copied into
// testdata) and checks every case's count, sample order and refusals on each backend.
func TestConformance(t *testing.T) {
	var v vectors
	data, err := os.ReadFile("../testdata/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	friends, err := os.ReadFile("../testdata/conformance/friends.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := os.ReadFile("../testdata/conformance/catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, err := db.CreateAccount(ctx, "conformance", v.Account.Timezone)
			if err != nil {
				t.Fatal(err)
			}
			res, err := db.ImportFriends(ctx, a, bytes.NewReader(friends), kizuna.ImportOptions{})
			if err != nil {
				t.Fatalf("import: %v", err)
			}
			if res.Imported != 300 {
				t.Fatalf("imported %d, want 300", res.Imported)
			}
			cat, err := kizuna.ParseCatalog(catalog)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.PutCatalog(ctx, a, cat); err != nil {
				t.Fatal(err)
			}
			for _, tc := range v.Cases {
				t.Run(tc.Name, func(t *testing.T) {
					p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: tc.Filter, Now: tc.Now})
					if tc.Expect.Error != "" {
						if kizuna.ErrorCode(err) != tc.Expect.Error {
							t.Fatalf("want %s, got %v", tc.Expect.Error, err)
						}
						return
					}
					if err != nil {
						t.Fatalf("preview: %v", err)
					}
					if p.Count != *tc.Expect.Count {
						t.Errorf("count %d, want %d", p.Count, *tc.Expect.Count)
					}
					var ids []string
					for _, s := range p.Sample {
						ids = append(ids, s.LineUserID)
					}
					if len(ids) != len(tc.Expect.Sample) {
						t.Fatalf("sample %v, want %v", ids, tc.Expect.Sample)
					}
					for i := range ids {
						if ids[i] != tc.Expect.Sample[i] {
							t.Fatalf("sample %v, want %v", ids, tc.Expect.Sample)
						}
					}
					if p.Summary == "" {
						t.Error("empty summary")
					}
				})
			}
		})
	}
}
