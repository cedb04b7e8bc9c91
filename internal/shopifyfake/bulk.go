package shopifyfake

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"time"
)

// bulkOp is one bulk query: CREATED, then RUNNING, then COMPLETED after
// enough polls (or enough time on the clock).
type bulkOp struct {
	id          string
	n           int64
	status      string
	meta        meta
	polls       int
	createdAt   time.Time
	completedAt *time.Time
	objects     int64
	url         string
	expired     bool
}

// ExpireBulkFiles makes the files of the bulk operations so far answer
// 404, as Shopify's do after 7 days.
func (f *Fake) ExpireBulkFiles() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, op := range f.bulk {
		op.expired = true
	}
}

// MaxBulkQueries is how many bulk queries may run at once (2026-01+).
const MaxBulkQueries = 5

func (f *Fake) bulkRun(c *call, req *gqlRequest) (any, int, *answer) {
	inner := strVar(req.Variables, "query")
	if inner == "" {
		inner = req.Query
	}
	running := 0
	for _, op := range f.bulk {
		if op.status == "CREATED" || op.status == "RUNNING" {
			running++
		}
	}
	if running >= MaxBulkQueries {
		return map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": nil, "userErrors": []map[string]any{{
			"field": nil, "message": "A bulk query operation for this app and shop is already in progress", "code": "OPERATION_IN_PROGRESS"}}}}, 1, nil
	}
	f.bulkSeq++
	op := &bulkOp{n: IDBase + f.bulkSeq, status: "CREATED", meta: f.metafieldAsked(inner, nil), createdAt: f.now()}
	op.id = gid("BulkOperation", op.n)
	op.url = "http://" + c.r.Host + mountPrefix(c.r) + "/fake/bulk/" + itoa(op.n) + ".jsonl"
	f.bulk[op.id] = op
	f.current = op.id
	return map[string]any{"bulkOperationRunQuery": map[string]any{"bulkOperation": map[string]any{
		"id": op.id, "status": op.status}, "userErrors": []any{}}}, 1, nil
}

// advance moves an operation on at a poll; the caller holds the lock.
func (f *Fake) advance(op *bulkOp) {
	if op.status == "COMPLETED" {
		return
	}
	op.polls++
	done := op.polls > f.cfg.BulkPolls
	if f.cfg.BulkDuration > 0 {
		done = !f.now().Before(op.createdAt.Add(f.cfg.BulkDuration))
	}
	if !done {
		op.status = "RUNNING"
		return
	}
	f.complete(op)
}

// complete finishes an operation and queues bulk_operations/finish.
func (f *Fake) complete(op *bulkOp) {
	now := f.now()
	op.status, op.completedAt = "COMPLETED", &now
	op.objects = int64(f.st.total())
	for _, ck := range f.st.checkouts {
		if ck.customerID != 0 {
			op.objects++
		}
	}
	if g := f.st.gen; g != nil {
		for i := 0; i < g.n; i++ {
			if _, kept := f.st.byID[g.id(i)]; !kept && g.hasCheckout(i) {
				op.objects++
			}
		}
	}
	f.queueLocked("bulk_operations/finish", map[string]any{
		"admin_graphql_api_id": op.id, "status": "completed", "error_code": nil,
		"created_at": op.createdAt.UTC().Format(time.RFC3339Nano), "completed_at": now.UTC().Format(time.RFC3339Nano), "type": "query",
	}, "")
}

// CompleteBulk finishes every unfinished bulk operation now.
func (f *Fake) CompleteBulk() {
	f.mu.Lock()
	for _, op := range f.bulk {
		if op.status != "COMPLETED" {
			f.complete(op)
		}
	}
	f.mu.Unlock()
	f.flushQueued()
}

func (f *Fake) bulkJSON(op *bulkOp) map[string]any {
	m := map[string]any{
		"id": op.id, "status": op.status, "errorCode": nil, "createdAt": ts(op.createdAt),
		"completedAt": tsp(op.completedAt), "objectCount": itoa(op.objects), "fileSize": nil,
		"url": nil, "partialDataUrl": nil, "type": "QUERY",
	}
	if op.status == "COMPLETED" {
		m["url"] = op.url
	}
	return m
}

func (f *Fake) bulkCurrent(c *call, req *gqlRequest) (any, int, *answer) {
	op := f.bulk[f.current]
	if op == nil {
		return map[string]any{"currentBulkOperation": nil}, 1, nil
	}
	f.advance(op)
	defer f.flushLater()
	return map[string]any{"currentBulkOperation": f.bulkJSON(op)}, 1, nil
}

func (f *Fake) bulkNode(c *call, req *gqlRequest) (any, int, *answer) {
	op := f.bulk[strVar(req.Variables, "id")]
	if op == nil {
		return map[string]any{"node": nil}, 1, nil
	}
	f.advance(op)
	defer f.flushLater()
	return map[string]any{"node": f.bulkJSON(op)}, 1, nil
}

// flushLater sends queued webhooks once the lock is released.
func (f *Fake) flushLater() { go f.flushQueued() }

// bulkFileAnswer streams a completed operation's JSONL: each customer,
// then its checkouts with __parentId, read a chunk at a time so that a
// million customers are never held at once.
func (f *Fake) bulkFileAnswer(c *call) answer {
	name := c.r.PathValue("id")
	if len(name) > 6 && name[len(name)-6:] == ".jsonl" {
		name = name[:len(name)-6]
	}
	f.mu.Lock()
	op := f.bulk["gid://shopify/BulkOperation/"+name]
	f.mu.Unlock()
	if op == nil || op.status != "COMPLETED" || op.expired {
		return answer{status: http.StatusNotFound, body: rawJSON(`{"errors":"Not Found"}`)}
	}
	return answer{status: http.StatusOK, stream: func(w io.Writer) {
		bw := bufio.NewWriterSize(w, 64<<10)
		enc := json.NewEncoder(bw)
		enc.SetEscapeHTML(false)
		after := key{-1 << 63, -1 << 63}
		for {
			f.mu.Lock()
			list, more := f.st.customersAfter(after, time.Time{}, 1000)
			rows := make([]any, 0, len(list)*2)
			for _, cu := range list {
				rows = append(rows, f.customerNode(cu, op.meta))
				for _, ck := range cu.checkouts {
					n := checkoutNode(ck)
					delete(n, "customer")
					n["__parentId"] = gid("Customer", cu.id)
					rows = append(rows, n)
				}
			}
			f.mu.Unlock()
			for _, r := range rows {
				if enc.Encode(r) != nil {
					return
				}
			}
			if !more || len(list) == 0 {
				break
			}
			after = list[len(list)-1].key()
		}
		bw.Flush()
	}}
}

// mountPrefix is the path the fake is mounted under (http.StripPrefix
// leaves the request's RequestURI whole): "" when served at the root.
func mountPrefix(r *http.Request) string {
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if prefix, ok := strings.CutSuffix(path, r.URL.Path); ok {
		return prefix
	}
	return ""
}
