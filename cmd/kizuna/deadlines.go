package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// writeGrace is how long after its deadline a request may still write its
// answer (the error that says it ran out of time, say).
const writeGrace = 10 * time.Second

// deadlines gives every request a deadline (its context's, and the
// connection's write deadline), and cuts off a request body when nothing
// arrives for BodyIdleTimeout: the connection's read deadline is renewed
// before each read of the body, so bytes that keep arriving keep the upload
// alive, up to the request's deadline.
func (sc serveConfig) deadlines(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		timeout := sc.RequestTimeout
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/friends/import") {
			timeout = sc.ImportTimeout
		}
		deadline := time.Now().Add(timeout)
		ctx, cancel := context.WithDeadline(r.Context(), deadline)
		defer cancel()
		r = r.WithContext(ctx) // a copy: the server's own request keeps its body
		rc := http.NewResponseController(w)
		rc.SetWriteDeadline(deadline.Add(writeGrace)) // fails only on writers without a connection (tests' recorders)
		if r.Body != nil && r.Body != http.NoBody {
			body := &idleBody{ReadCloser: r.Body, rc: rc, idle: sc.BodyIdleTimeout, minRate: sc.BodyMinRate, start: time.Now(), deadline: deadline}
			r.Body = body
			// The server reads what the handler left of a body (up to 256 KiB)
			// after it returns; a stalled client must not hold it there.
			defer func() {
				if !body.done {
					rc.SetReadDeadline(time.Now().Add(sc.BodyIdleTimeout))
				}
			}()
		}
		next.ServeHTTP(w, r)
	})
}

// idleBody renews the connection's read deadline before each read of a
// request body: the next bytes must come within idle, and, past the first
// idle, the body must keep up an average of minRate bytes a second, so
// that a client trickling a byte now and then cannot hold its upload open
// until the request's deadline.
type idleBody struct {
	io.ReadCloser
	rc       *http.ResponseController
	idle     time.Duration
	minRate  int64 // bytes a second; 0: no minimum
	start    time.Time
	read     int64
	deadline time.Time // the request's; the read deadline never passes it
	done     bool
}

func (b *idleBody) Read(p []byte) (int, error) {
	if !b.done {
		d := time.Now().Add(b.idle)
		if b.minRate > 0 {
			if m := b.start.Add(b.idle + time.Duration(float64(b.read)/float64(b.minRate)*float64(time.Second))); m.Before(d) {
				d = m
			}
		}
		if d.After(b.deadline) {
			d = b.deadline
		}
		b.rc.SetReadDeadline(d)
	}
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if err == io.EOF && !b.done {
		// The body is read. The server now watches the connection for the
		// client going away; a read deadline left set would look like that
		// and cancel the request while it is being worked on.
		b.done = true
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
