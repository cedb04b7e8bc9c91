package kizuna

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on what a caller can store. The shared contract sets none of these;
// they are Kizuna's (docs/segments.md, "Limits"), the same in the import, the
// API, the web and the command line. Lengths count characters (runes).
const (
	// MaxTagName is the longest friend tag name.
	MaxTagName = 100
	// MaxDisplayName is the longest display name of a friend.
	MaxDisplayName = 200
	// MaxFriendTags is the most friend tags one friend carries; it bounds
	// the Shopify tags, HubSpot segments and Klaviyo lists of a line too.
	MaxFriendTags = 1000
	// MaxSearch is the longest friend search.
	MaxSearch = 200
	// MaxEmail is the longest e-mail address (RFC 5321's path limit).
	MaxEmail = 254
	// MaxCatalogText is the longest ID, name or label in a catalog.
	MaxCatalogText = 200
)

// CheckText refuses text that not every backend stores as written:
// invalid UTF-8 (PostgreSQL refuses it, SQLite keeps the bytes) and the
// character U+0000 (PostgreSQL refuses it in text). Checking it here keeps
// both backends, the SQL path and the in-memory engine agreeing on every
// stored string. what names the text in the message ("the name", "tags[2]");
// path is the error's Path.
func CheckText(code, path, what, s string) error {
	if !utf8.ValidString(s) {
		return ErrorAt(code, path, "%s is not valid UTF-8", Phrase(what))
	}
	if strings.IndexByte(s, 0) >= 0 {
		return ErrorAt(code, path, "%s contains the character U+0000, which cannot be stored", Phrase(what))
	}
	return nil
}

// CheckSearch checks a friend search or a tag that filters a list: valid
// text (CheckText) of at most MaxSearch characters.
func CheckSearch(path, s string) error {
	if err := CheckText(EINVALID, path, "the search", s); err != nil {
		return err
	}
	if utf8.RuneCountInString(s) > MaxSearch {
		return ErrorAt(EINVALID, path, "the search is longer than %d characters", MaxSearch)
	}
	return nil
}

// The instants Kizuna accepts run from 0001-01-02 to 9999-12-30 in UTC: a
// day inside the years 0001-9999 at each end, so that every accepted time
// stays within those years in any time zone (offsets are under 24 hours),
// where RFC 3339 and JSON can write it (Go's encoder refuses year 10000).
var (
	minTime = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) // exclusive
)

// TimeInRange reports whether t is an instant Kizuna accepts.
func TimeInRange(t time.Time) bool { return !t.Before(minTime) && t.Before(maxTime) }

// CheckTime refuses an instant outside TimeInRange with an *Error of code
// whose Path is path (such as "added_at" or "now").
func CheckTime(code, path string, t time.Time) error {
	if TimeInRange(t) {
		return nil
	}
	return ErrorAt(code, path, "%s must be between 0001-01-02 and 9999-12-30 in UTC, so that it stays between the years 0001 and 9999 in every time zone", path)
}

// CleanAPIBase checks the base URL of a service Kizuna calls (LINE,
// Shopify, HubSpot, Klaviyo, or a fake of one) and returns it without
// surrounding spaces or a trailing slash: an http or https URL with a host,
// no user, query or fragment. A refusal is at "api_base".
func CleanAPIBase(base string) (string, error) {
	base = strings.TrimRight(strings.TrimSpace(base), "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", ErrorAt(EINVALID, "api_base", "the API base URL must be an http or https URL")
	}
	return base, nil
}
