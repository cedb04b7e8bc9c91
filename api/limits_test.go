package api_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// heldUpload starts an import whose body arrives only when release is
// called, and returns the channel its answer comes on.
func (e *env) heldUpload(t *testing.T, token, account string) (release func(), answer <-chan *response) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	head := `{"line_user_id": "` + uid(1) + `", `
	tail := `"added_at": "2026-11-20T10:00:00+09:00"}` + "\n"
	fmt.Fprintf(conn, "POST /api/v1/accounts/%s/friends/import HTTP/1.1\r\nHost: kizuna\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\n\r\n%s", account, token, ndjson, len(head)+len(tail), head)
	out := make(chan *response, 1)
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			out <- &response{status: -1, body: []byte(err.Error())}
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		out <- &response{status: res.StatusCode, header: res.Header, body: b}
	}()
	return func() { io.WriteString(conn, tail) }, out
}

// holdImport starts a held upload into account and returns once the server
// has let it in, which it shows by refusing a probe import (into
// probeAccount) with 429; that refusal is returned too. A probe may take the
// slot first and get the held upload refused: then it starts another.
func (e *env) holdImport(t *testing.T, token, account, probeToken, probeAccount string) (release func(), answer <-chan *response, refusal *response) {
	t.Helper()
	for range 100 {
		release, answer := e.heldUpload(t, token, account)
		for i, held := 0, true; held; i++ {
			if i == 500 {
				t.Fatalf("the held upload was neither let in nor refused; log:\n%.3000s", e.logs)
			}
			r := e.do("POST", "/api/v1/accounts/"+probeAccount+"/friends/import", probeToken, ndjson, strings.NewReader(friends))
			switch r.status {
			case http.StatusTooManyRequests:
				return release, answer, r
			case http.StatusOK:
			default:
				t.Fatalf("probe import: %d %s", r.status, r.body)
			}
			select {
			case got := <-answer:
				if got.status != http.StatusTooManyRequests {
					t.Fatalf("the held upload was answered: %d %s", got.status, got.body)
				}
				held = false // refused while a probe held the slot: again
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	t.Fatalf("an import was never refused while the limit was reached; log:\n%.3000s", e.logs)
	return nil, nil, nil
}

// TestImportLimits checks that imports in progress are bounded, in total and
// per account, and that the excess is refused at once with 429, Retry-After
// and the API's error shape, while the uploads held still finish.
func TestImportLimits(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Run("per account", func(t *testing.T) {
				e := storeEnv(t, backend, func(s *api.Server) { s.MaxImports, s.MaxImportsPerAccount = 4, 1 })
				release, answer, r := e.holdImport(t, e.tokenA, "shop-a", e.tokenA, "shop-a")
				eb := r.mustError(t, http.StatusTooManyRequests, "too_many_requests", "")
				if r.header.Get("Retry-After") == "" || !strings.Contains(eb.Error.Message, "account") {
					t.Errorf("429 without Retry-After or a message about the account: %v %s", r.header, r.body)
				}
				// Another account is not held back by shop-a's import.
				var res kizuna.ImportResult
				e.do("POST", "/api/v1/accounts/shop-b/friends/import", e.tokenB, ndjson, strings.NewReader(friends)).must(t, http.StatusOK, &res)
				release()
				if got := <-answer; got.status != http.StatusOK {
					t.Fatalf("the held import: %d %s", got.status, got.body)
				}
				e.importFriends(t, friends) // the slot is free again
			})
			t.Run("in total", func(t *testing.T) {
				e := storeEnv(t, backend, func(s *api.Server) { s.MaxImports, s.MaxImportsPerAccount = 1, 1 })
				release, answer, r := e.holdImport(t, e.tokenA, "shop-a", e.tokenB, "shop-b")
				r.mustError(t, http.StatusTooManyRequests, "too_many_requests", "")
				if r.header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After: %v", r.header)
				}
				// Other requests are not imports.
				e.do("GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", nil).must(t, http.StatusOK, nil)
				release()
				if got := <-answer; got.status != http.StatusOK {
					t.Fatalf("the held import: %d %s", got.status, got.body)
				}
				var res kizuna.ImportResult
				e.do("POST", "/api/v1/accounts/shop-b/friends/import", e.tokenB, ndjson, strings.NewReader(friends)).must(t, http.StatusOK, &res)
			})
		})
	}
}

// blockingStore holds a preview until its request ends, then fails with the
// context's error, as a store does when its client goes away mid-query.
type blockingStore struct {
	kizuna.Store
	entered chan struct{}
}

func (b blockingStore) Preview(ctx context.Context, a *kizuna.Account, req kizuna.PreviewRequest) (*kizuna.Preview, error) {
	b.entered <- struct{}{}
	<-ctx.Done()
	return nil, fmt.Errorf("preview: read count: %w", ctx.Err())
}

var requestLine = regexp.MustCompile(`msg=request method=POST path=\S+ status=(\d+)`)

// waitLog waits for the request's log line and returns its status.
func waitLog(t *testing.T, e *env) string {
	t.Helper()
	for range 1000 {
		if m := requestLine.FindStringSubmatch(e.logs.String()); m != nil {
			return m[1]
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no request line logged:\n%s", e.logs)
	return ""
}

// TestClientGoneIsNotAnError checks that a client that goes away, mid-query
// or mid-upload, is logged at info with a 400, never as an internal error.
func TestClientGoneIsNotAnError(t *testing.T) {
	t.Run("mid-query", func(t *testing.T) {
		store := blockingStore{Store: testdb.Open(t, "sqlite"), entered: make(chan struct{}, 1)}
		e := newEnv(t, store, nil, "shop-a")
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "POST", e.url+"/api/v1/accounts/shop-a/preview", strings.NewReader(previewBody(vipFilter, "")))
		req.Header.Set("Authorization", "Bearer "+e.tokenA)
		req.Header.Set("Content-Type", jsonType)
		go func() {
			<-store.entered
			cancel()
		}()
		if _, err := http.DefaultClient.Do(req); err == nil {
			t.Fatal("the canceled request got an answer")
		}
		if status := waitLog(t, e); status != "400" {
			t.Errorf("a canceled preview was logged with status %s, want 400", status)
		}
		if strings.Contains(e.logs.String(), "level=ERROR") {
			t.Errorf("a canceled preview was logged as an error:\n%s", e.logs)
		}
	})
	for _, backend := range testdb.Backends() {
		t.Run("mid-upload/"+backend, func(t *testing.T) {
			e := storeEnv(t, backend, nil)
			conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(conn, "POST /api/v1/accounts/shop-a/friends/import HTTP/1.1\r\nHost: kizuna\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n%s", e.tokenA, friends)
			conn.Close()
			if status := waitLog(t, e); status != "400" {
				t.Errorf("an upload whose client left was logged with status %s, want 400", status)
			}
			if strings.Contains(e.logs.String(), "level=ERROR") {
				t.Errorf("an upload whose client left was logged as an error:\n%s", e.logs)
			}
			if res := e.importFriends(t, ""); res.Lines != 0 {
				t.Errorf("%+v", res)
			}
			var tags struct{ Tags []kizuna.Tag }
			e.do("GET", "/api/v1/accounts/shop-a/tags", e.tokenA, "", nil).must(t, http.StatusOK, &tags)
			if len(tags.Tags) != 0 {
				t.Errorf("an upload whose client left imported tags: %v", tags.Tags)
			}
		})
	}
}
