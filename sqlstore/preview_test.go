package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestPreviewConcurrent runs many previews at once: more than either
// backend's pool has connections, so a preview that held one connection
// while asking for another would wait for itself.
func TestPreviewConcurrent(t *testing.T) {
	t.Parallel()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			a, err := db.CreateAccount(ctx, "concurrent", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"), line(2, nil))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			const workers, rounds = 40, 5
			var wg sync.WaitGroup
			errs := make(chan error, workers*rounds)
			for range workers {
				wg.Go(func() {
					for range rounds {
						p, err := db.Preview(ctx, a, kizuna.PreviewRequest{Filter: everyone})
						if err == nil && p.Count != 2 {
							err = fmt.Errorf("count %d, want 2", p.Count)
						}
						if err != nil {
							errs <- err
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatalf("preview: %v", err)
			}
		})
	}
}
