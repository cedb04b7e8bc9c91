// Package kizuna holds the domain of Kizuna, an audience engine for LINE Official
// Accounts: accounts, friends and their integration data, filters and what they
// mean, the summary sentence, and an in-memory matcher. It imports no adapter;
// storage, HTTP and the command line live in subpackages and speak in these terms.
package kizuna

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the api package.
const (
	ECONFLICT      = "conflict"
	EINTERNAL      = "internal"
	EINVALID       = "invalid"
	EINVALIDFILTER = "invalid_filter"
	EINVALIDIMPORT = "invalid_import"
	ENOTFOUND      = "not_found"
	EUNAUTHORIZED  = "unauthorized"
	ETOOLARGE      = "too_large"
	EUNSUPPORTED   = "unsupported_media_type"
	EUNAVAILABLE   = "unavailable" // busy now (a bound is reached): try again shortly
	EFORBIDDEN     = "forbidden"   // the other side (LINE) does not allow this to the account
)

// Error is the one error type whose message is safe to show to a user. Code is
// machine-readable; Path, when set, names the offending place in the input
// (for a filter, a path such as "groups[1].conditions[0].value").
//
// An *Error made by Errorf or ErrorAt also keeps its format and arguments, so
// that LocalMessage can say it in the user's language; Message stays the
// English text the API answers with.
type Error struct {
	Code    string
	Message string
	Path    string

	format string
	args   []any
}

func (e *Error) Error() string {
	if e.Path != "" {
		return fmt.Sprintf("%s: %s (at %s)", e.Code, e.Message, e.Path)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message. The format is the key of
// its translations (messagesJA), so it must be a constant string; an
// argument that is an error is formatted as its ErrorMessage (and localized
// as its LocalMessage).
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, englishArgs(args)...), format: format, args: args}
}

// ErrorAt is Errorf for an error at path, the offending place in the input.
func ErrorAt(code, path, format string, args ...any) *Error {
	e := Errorf(code, format, args...)
	e.Path = path
	return e
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err: the message of the first
// *Error in its chain, or a generic text for anything else.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
