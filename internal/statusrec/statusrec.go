// Package statusrec is the http.ResponseWriter wrapper that remembers the
// status a handler wrote, shared by the API's request log and the metrics
// middleware.
package statusrec

import "net/http"

// Recorder remembers the first status written through it.
type Recorder struct {
	http.ResponseWriter
	status int
}

// New wraps w.
func New(w http.ResponseWriter) *Recorder { return &Recorder{ResponseWriter: w} }

// Started reports whether the response's status has been written.
func (r *Recorder) Started() bool { return r.status != 0 }

// Status is the status written, or 200 when nothing was (the server's
// answer to a handler that writes nothing).
func (r *Recorder) Status() int {
	if r.status == 0 {
		return http.StatusOK
	}
	return r.status
}

func (r *Recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *Recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *Recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
