package sqlstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestConformance imports the spec's conformance vectors (copied into
// testdata) and checks every case's count, sample order and refusals on each backend.
func TestConformance(t *testing.T) {
	v := conformance.Load(t)
	friends, catalog := v.Friends, v.Catalog
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
