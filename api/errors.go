package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"

	"github.com/kizuna-line/kizuna"
)

// The API's own codes: the domain has no notion of HTTP methods, of
// clients or of the server's limits.
const (
	// codeMethodNotAllowed is the code of a 405.
	codeMethodNotAllowed = "method_not_allowed"
	// codeTooManyRequests is the code of a 429: a limit on work in progress
	// (imports) is reached; Retry-After says when to try again.
	codeTooManyRequests = "too_many_requests"
	// codeRequestTimeout is the code of a 408: the request body stopped
	// arriving (or came too slowly) and the server's read deadline cut it off.
	codeRequestTimeout = "request_timeout"
	// codeCanceled is the code of a request its client abandoned (the
	// connection closed); nobody reads the answer, but the log line has it.
	codeCanceled = "canceled"
	// codeTimeout is the code of a 503: the request ran past the server's
	// deadline for it.
	codeTimeout = "timeout"
)

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
	case kizuna.EFORBIDDEN:
		return http.StatusForbidden
	case kizuna.EUPSTREAM:
		return http.StatusBadGateway
	case codeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	case kizuna.ECONFLICT:
		return http.StatusConflict
	case kizuna.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case kizuna.EUNSUPPORTED:
		return http.StatusUnsupportedMediaType
	case codeTooManyRequests:
		return http.StatusTooManyRequests
	case codeRequestTimeout:
		return http.StatusRequestTimeout
	case codeCanceled:
		return http.StatusBadRequest
	case codeTimeout, kizuna.EUNAVAILABLE:
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
// A client that went away or stopped sending is the client's doing, not the
// server's: it gets a 400 or 408 and an info line, never a 500.
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
	case errors.As(err, &body) && isTimeout(body.err):
		obj = errorObject{Code: codeRequestTimeout, Message: "the request body stopped arriving or arrived too slowly, so the server stopped waiting for it; nothing was changed"}
	case errors.As(err, &body):
		obj = errorObject{Code: kizuna.EINVALID, Message: "the request body could not be read to its end"}
	case r.Context().Err() == context.Canceled && errors.Is(err, context.Canceled):
		obj = errorObject{Code: codeCanceled, Message: "the request was canceled by the client"}
	case r.Context().Err() == context.DeadlineExceeded && errors.Is(err, context.DeadlineExceeded):
		obj = errorObject{Code: codeTimeout, Message: "the request took longer than the server allows; nothing was changed", RequestID: requestID(r.Context())}
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
	switch obj.Code {
	case codeRequestTimeout, codeCanceled:
		s.logger().InfoContext(r.Context(), "the client went away or stopped sending", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	case codeTimeout:
		s.logger().WarnContext(r.Context(), "request deadline exceeded", "request_id", requestID(r.Context()), "method", r.Method, "path", r.URL.Path, "err", err)
	case codeTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(importRetryAfter))
	}
	if status == http.StatusInternalServerError {
		id := requestID(r.Context())
		s.logger().ErrorContext(r.Context(), "internal error", "request_id", id, "method", r.Method, "path", r.URL.Path, "err", err)
		obj = errorObject{Code: kizuna.EINTERNAL, Message: "internal error", RequestID: id}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	if r.ContentLength != 0 && unreadBody(status, body != nil) {
		// Otherwise the server reads what is left of the body (up to 256 KiB)
		// before it answers, waiting on a client that may be stalled.
		w.Header().Set("Connection", "close")
	}
	s.respond(w, r, status, errorResponse{obj})
}

// unreadBody reports whether an answer with status may leave the request
// body unread: refusals made before reading it, and failures to read it.
func unreadBody(status int, bodyFailed bool) bool {
	switch status {
	case http.StatusUnauthorized, http.StatusNotFound, http.StatusRequestTimeout, http.StatusRequestEntityTooLarge,
		http.StatusUnsupportedMediaType, http.StatusTooManyRequests:
		return true
	}
	return bodyFailed
}

// isTimeout reports whether err is a read deadline expiring.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
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
