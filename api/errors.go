package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/kizuna-line/kizuna"
)

// codeMethodNotAllowed is the code of a 405. It is the API's own: the domain
// has no notion of HTTP methods.
const codeMethodNotAllowed = "method_not_allowed"

// httpStatus is the one place where an error code becomes an HTTP status.
// Any code not listed is an internal error.
func httpStatus(code string) int {
	switch code {
	case kizuna.EINVALID, kizuna.EINVALIDFILTER, kizuna.EINVALIDIMPORT:
		return http.StatusBadRequest
	case kizuna.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case kizuna.ENOTFOUND:
		return http.StatusNotFound
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kizuna.ECONFLICT:
		return http.StatusConflict
	case kizuna.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case kizuna.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case kizuna.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorResponse is the one error shape of the API.
type errorResponse struct {
	Error errorObject `json:"error"`
}

type errorObject struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
	// RequestID is set on internal errors only, so that a user can quote it
	// and an operator can find the logged cause.
	RequestID string `json:"request_id,omitempty"`
	// Invalid and Lines are set on a refused import.
	Invalid int64              `json:"invalid,omitempty"`
	Lines   []kizuna.LineError `json:"lines,omitempty"`
}

// bodyError is a failure to read the request body that is not about its size
// (a broken chunked encoding, a client that went away).
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "read request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }

// bodyReader marks read errors of the request body as bodyErrors, so that
// they can be told from the store's own failures after the store wrapped them.
type bodyReader struct{ r io.Reader }

func (b *bodyReader) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF { // io.Reader returns io.EOF itself, unwrapped
		var tooLarge *http.MaxBytesError
		if !errors.As(err, &tooLarge) {
			err = &bodyError{err}
		}
	}
	return n, err
}

// fail writes err in the error shape with the status of its code. Internal
// errors are logged with the request ID and shown only as "internal error".
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	obj := errorObject{Code: kizuna.ErrorCode(err), Message: kizuna.ErrorMessage(err)}
	var (
		e        *kizuna.Error
		tooLarge *http.MaxBytesError
		refused  *kizuna.ImportError
		body     *bodyError
	)
	// The size check comes first: the store wraps the reader's error as its
	// own, so only the chain tells that the body was cut at the limit.
	switch {
	case errors.As(err, &tooLarge):
		obj = errorObject{Code: kizuna.ETOOLARGE, Message: "the request body is over the limit of " + formatBytes(tooLarge.Limit)}
	case errors.As(err, &body):
		obj = errorObject{Code: kizuna.EINVALID, Message: "the request body could not be read to its end"}
	case errors.As(err, &refused):
		obj = errorObject{
			Code:    kizuna.EINVALIDIMPORT,
			Message: fmt.Sprintf("%d bad line(s), nothing imported", refused.Result.Invalid),
			Invalid: refused.Result.Invalid,
			Lines:   refused.Result.Errors,
		}
	case errors.As(err, &e):
		obj.Path = e.Path
	}
	status := httpStatus(obj.Code)
	if status == http.StatusInternalServerError {
		id := requestID(r.Context())
		s.logger().ErrorContext(r.Context(), "internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		obj = errorObject{Code: kizuna.EINTERNAL, Message: "internal error", RequestID: id}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	s.respond(w, r, status, errorResponse{obj})
}

// respond writes v as JSON with status.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // summaries quote names; "<" and "&" need no escaping in JSON
	if err := enc.Encode(v); err != nil {
		// Only a value the domain built wrongly gets here; nothing was sent yet.
		s.logger().ErrorContext(r.Context(), "encode response", "request_id", requestID(r.Context()), "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		json.NewEncoder(&buf).Encode(errorResponse{errorObject{Code: kizuna.EINTERNAL, Message: "internal error", RequestID: requestID(r.Context())}})
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(buf.Bytes()) // a failed write means the client left; nothing to tell it
}

// formatBytes says a limit in the unit a person would set it in.
func formatBytes(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s (%d bytes)", n/u.size, u.name, n)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
