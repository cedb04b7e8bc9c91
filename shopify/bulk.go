package shopify

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// BulkOperation is a bulk query's state.
type BulkOperation struct {
	ID          string `json:"id"`
	Status      string `json:"status"` // CREATED, RUNNING, COMPLETED, FAILED, CANCELED, …
	ErrorCode   string `json:"errorCode"`
	ObjectCount string `json:"objectCount"`
	URL         string `json:"url"`
}

// bulkQuery is the customers' bulk query: each customer, then its
// checkouts as rows with __parentId.
func (c *Client) bulkQuery() string {
	return `{ customers { edges { node { ` + c.customerFields() +
		` abandonedCheckouts { edges { node { id updatedAt completedAt } } } } } } }`
}

// RunBulk starts a bulk query of every customer and its checkouts.
func (c *Client) RunBulk(ctx context.Context) (*BulkOperation, error) {
	const m = `mutation bulkOperationRunQuery($query: String!) { bulkOperationRunQuery(query: $query) { bulkOperation { id status } userErrors { field message } } }`
	var out struct {
		Run struct {
			Op         *BulkOperation `json:"bulkOperation"`
			UserErrors []struct {
				Message string `json:"message"`
			} `json:"userErrors"`
		} `json:"bulkOperationRunQuery"`
	}
	if err := c.query(ctx, "bulkOperationRunQuery", m, map[string]any{"query": c.bulkQuery()}, 10, &out); err != nil {
		return nil, err
	}
	if len(out.Run.UserErrors) > 0 || out.Run.Op == nil {
		msg := "no operation"
		if len(out.Run.UserErrors) > 0 {
			msg = out.Run.UserErrors[0].Message
		}
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify did not start the bulk query: %s", msg)
	}
	return out.Run.Op, nil
}

// BulkStatus reads a bulk operation's state.
func (c *Client) BulkStatus(ctx context.Context, id string) (*BulkOperation, error) {
	const q = `query node($id: ID!) { node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } } }`
	var out struct {
		Node *BulkOperation `json:"node"`
	}
	if err := c.query(ctx, "node", q, map[string]any{"id": id}, 1, &out); err != nil {
		return nil, err
	}
	if out.Node == nil {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify has no bulk operation %s", id)
	}
	return out.Node, nil
}

// WaitBulk polls a bulk operation every BulkPoll until it completes.
func (c *Client) WaitBulk(ctx context.Context, id string) (*BulkOperation, error) {
	for {
		op, err := c.BulkStatus(ctx, id)
		if err != nil {
			return nil, err
		}
		switch op.Status {
		case "COMPLETED":
			return op, nil
		case "CREATED", "RUNNING":
		default:
			return nil, kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's bulk query %s ended %s (%s)", id, op.Status, op.ErrorCode)
		}
		if err := c.cfg.Sleep(ctx, c.cfg.BulkPoll); err != nil {
			return nil, err
		}
	}
}

// bulkBackfill runs (or resumes) a bulk backfill. rest is "" or
// "<lines done>@<operation id>".
func (c *Client) bulkBackfill(ctx context.Context, rest string, fn func(*Page) error) error {
	var skip int64
	id := ""
	if rest != "" {
		n, gid, ok := strings.Cut(rest, "@")
		v, err := strconv.ParseInt(n, 10, 64)
		if !ok || err != nil || v < 0 {
			return kizuna.Errorf(kizuna.EINVALID, "the Shopify backfill cursor %q is not one this client made", "b:"+rest)
		}
		skip, id = v, gid
	}
	if id == "" {
		op, err := c.RunBulk(ctx)
		if err != nil {
			return err
		}
		id = op.ID
	}
	op, err := c.WaitBulk(ctx, id)
	if err != nil {
		return err
	}
	if op.URL == "" { // an empty shop has no file
		return nil
	}
	return c.streamBulk(ctx, op, skip, fn)
}

// callerError is the callback's error: it stops the read, never retried.
type callerError struct{ err error }

func (e callerError) Error() string { return e.err.Error() }

// errExpired is a bulk file that is gone.
var errExpired = kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's bulk file is no longer available: the backfill starts again")

// streamBulk reads the file line by line from line skip, a page of
// PageSize customers (with their checkouts) at a time. A dropped download
// is taken up again where it stopped.
func (c *Client) streamBulk(ctx context.Context, op *BulkOperation, skip int64, fn func(*Page) error) error {
	done := skip // lines handed to fn in pages
	retries := 0
	for {
		err := c.streamFrom(ctx, op, &done, fn)
		if err == nil {
			return nil
		}
		var stop callerError
		if errors.As(err, &stop) {
			return stop.err
		}
		if err == errExpired {
			return c.bulkBackfill(ctx, "", fn)
		}
		var ke *kizuna.Error
		if ctx.Err() != nil || errors.As(err, &ke) {
			return err
		}
		if retries++; retries > c.cfg.MaxRetries {
			return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's bulk file could not be read after %d tries: %v", retries, err)
		}
		if err := c.backoff(ctx, retries); err != nil {
			return err
		}
	}
}

func (c *Client) streamFrom(ctx context.Context, op *BulkOperation, done *int64, fn func(*Page) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, op.URL, nil)
	if err != nil {
		return kizuna.Errorf(kizuna.EUPSTREAM, "Shopify's bulk file URL could not be used: %v", err)
	}
	// A signed storage URL: the access token is not sent to it.
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return scrub(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusForbidden:
		return errExpired
	case resp.StatusCode != http.StatusOK:
		return io.ErrUnexpectedEOF
	}
	r := bufio.NewReaderSize(resp.Body, 256<<10)
	var line int64
	page := &Page{Bulk: true}
	emit := func() error {
		page.Cursor = "b:" + strconv.FormatInt(line, 10) + "@" + op.ID
		if err := fn(page); err != nil {
			return callerError{err}
		}
		*done = line
		page = &Page{Bulk: true}
		return nil
	}
	var buf []byte
	for {
		b, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf = append(buf[:0], b...)
			for err == bufio.ErrBufferFull {
				b, err = r.ReadSlice('\n')
				buf = append(buf, b...)
			}
			b = buf
		}
		if err == io.EOF && len(b) == 0 {
			if len(page.Customers)+len(page.Checkouts) > 0 {
				return emit()
			}
			return nil
		}
		if err != nil && err != io.EOF {
			return err
		}
		if line < *done {
			line++
			continue
		}
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			line++
			continue
		}
		n, derr := decodeRow(b)
		if derr != nil {
			return derr
		}
		if n.ParentID == "" && len(page.Customers) >= c.cfg.PageSize {
			if err := emit(); err != nil {
				return err
			}
		}
		line++
		if n.ParentID != "" {
			page.Checkouts = append(page.Checkouts, Checkout{ID: n.ID, CustomerID: n.ParentID, UpdatedAt: n.UpdatedAt, CompletedAt: n.CompletedAt})
		} else {
			cu, cerr := n.customer()
			if cerr != nil {
				return cerr
			}
			page.Customers = append(page.Customers, cu)
		}
		if err == io.EOF {
			return emit()
		}
	}
}
