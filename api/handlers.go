package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// accountHandler serves a request of an authenticated account. Returning an
// error leaves the answer to Server.fail, so that no handler writes an error
// itself.
type accountHandler func(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error

// account checks the bearer token against the {account} of the path before h
// runs.
func (s *Server) account(h accountHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := s.authenticate(r)
		if err == nil {
			err = h(w, r, a)
		}
		if err != nil {
			s.fail(w, r, err)
		}
	})
}

// authenticate returns the account of the request's bearer token if it is
// the account the path names. A token of another account gets the same 404
// as a name no account has, so that a token cannot be used to learn which
// names exist. Messages never repeat the token.
func (s *Server) authenticate(r *http.Request) (*kizuna.Account, error) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "this request needs an API token: send Authorization: Bearer TOKEN")
	}
	scheme, token, _ := strings.Cut(values[0], " ")
	token = strings.TrimSpace(token)
	if len(values) > 1 || !strings.EqualFold(scheme, "Bearer") || token == "" || strings.ContainsAny(token, " \t") {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "send one Authorization header of the form \"Bearer TOKEN\"")
	}
	a, err := s.Store.AccountByToken(r.Context(), token)
	if code := kizuna.ErrorCode(err); code == kizuna.EUNAUTHORIZED || code == kizuna.ENOTFOUND {
		// ENOTFOUND too: a token whose account is gone is just a bad token.
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "the API token is not valid")
	} else if err != nil {
		return nil, err
	}
	if name := r.PathValue("account"); a.Name != name {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no account named %q", name)
	}
	return a, nil
}

// Accepted request media types. Parameters are allowed, but a charset must be
// UTF-8 (spec 5 says the data is UTF-8).
const (
	// jsonTypes is what preview and catalog accept.
	jsonTypes = "application/json"
	// importTypes is what an import accepts: the two names NDJSON goes by,
	// plus application/json and text/plain because that is what curl users
	// type (or get) when they send a file.
	importTypes = "application/x-ndjson, application/jsonl, application/json, text/plain"
)

// checkBody refuses a body whose media type is not one of accepted (a comma
// separated list) or that is compressed, with 415.
func checkBody(r *http.Request, accepted string) error {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || !slices.Contains(strings.Split(accepted, ", "), mt) {
		if ct == "" {
			return kizuna.Errorf(kizuna.EUNSUPPORTED, "the request has no Content-Type; send %s", accepted)
		}
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Type %q is not accepted here; send %s", ct, accepted)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") && !strings.EqualFold(cs, "us-ascii") {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "charset %q is not accepted; send UTF-8", cs)
	}
	if enc := r.Header.Get("Content-Encoding"); enc != "" && !strings.EqualFold(enc, "identity") {
		return kizuna.Errorf(kizuna.EUNSUPPORTED, "Content-Encoding %q is not accepted; send the body uncompressed", enc)
	}
	return nil
}

// limitBody returns the request body cut at limit bytes: reading past it
// fails with *http.MaxBytesError, which fail answers with 413. A declared
// length over the limit is refused before anything is read.
func limitBody(w http.ResponseWriter, r *http.Request, limit int64) (io.Reader, error) {
	if r.ContentLength > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return &bodyReader{http.MaxBytesReader(w, r.Body, limit)}, nil
}

// readJSONObject reads a JSON body of at most MaxJSONBytes and checks that it
// is one JSON object, with messages that say what is wrong.
func (s *Server) readJSONObject(w http.ResponseWriter, r *http.Request) ([]byte, map[string]json.RawMessage, error) {
	body, err := limitBody(w, r, s.maxJSONBytes())
	if err != nil {
		return nil, nil, err
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, nil, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "the request body is empty; send a JSON object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return nil, nil, kizuna.Errorf(kizuna.EINVALID, "the request body is not valid JSON: %s (at byte %d)", strings.TrimPrefix(syntax.Error(), "json: "), syntax.Offset)
		case errors.As(err, &typ):
			return nil, nil, kizuna.Errorf(kizuna.EINVALID, "the request body must be a JSON object, not a JSON %s", typ.Value)
		}
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "the request body is not valid JSON")
	}
	if obj == nil {
		return nil, nil, kizuna.Errorf(kizuna.EINVALID, "the request body must be a JSON object, not null")
	}
	if err := kizuna.CheckDuplicateKeys(kizuna.EINVALID, data); err != nil {
		return nil, nil, err
	}
	return data, obj, nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	s.respond(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// importFriends imports an NDJSON body (spec 5) in one store transaction.
// The body is first spooled to a temporary file, so that the transaction,
// its lock and its connection are never held while waiting on the client;
// a body over MaxImportBytes is refused (413) before the store is called,
// so it has imported nothing. Imports in progress are bounded (MaxImports,
// MaxImportsPerAccount): the excess is refused at once with 429.
func (s *Server) importFriends(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := checkBody(r, importTypes); err != nil {
		return err
	}
	skip, err := skipInvalid(r.URL.Query())
	if err != nil {
		return err
	}
	body, err := limitBody(w, r, s.maxImportBytes())
	if err != nil {
		return err
	}
	release, err := s.acquireImport(a.ID)
	if err != nil {
		return err
	}
	defer release()
	f, closeFile, err := s.spool(body)
	if err != nil {
		return err
	}
	defer closeFile()
	res, err := s.Store.ImportFriends(r.Context(), a, f, kizuna.ImportOptions{SkipInvalid: skip})
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, res)
	return nil
}

// skipInvalid reads ?skip_invalid: true or 1 to skip bad lines; false, 0 or
// absent not to. Anything else is refused rather than guessed, since guessing
// "no" would turn a typo into a refused import and "yes" into lost lines.
func skipInvalid(q url.Values) (bool, error) {
	values, ok := q["skip_invalid"]
	if !ok {
		return false, nil
	}
	if len(values) == 1 {
		switch values[0] {
		case "true", "1":
			return true, nil
		case "false", "0":
			return false, nil
		}
	}
	return false, &kizuna.Error{Code: kizuna.EINVALID, Message: "skip_invalid must be given once, as true, 1, false or 0", Path: "skip_invalid"}
}

// preview answers spec 6 for a request {"filter": ..., "now": ..., "lang": ...}.
//
// A request without a filter (or with "filter": null) is refused with code
// invalid_filter and path "$", the path spec 4 uses for the filter as a
// whole, so that a script reads every filter problem the same way. Other
// problems of the request itself have code invalid and the key as path.
func (s *Server) preview(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := checkBody(r, jsonTypes); err != nil {
		return err
	}
	_, obj, err := s.readJSONObject(w, r)
	if err != nil {
		return err
	}
	req, err := parsePreviewRequest(obj)
	if err != nil {
		return err
	}
	p, err := s.Store.Preview(r.Context(), a, req)
	if err != nil {
		return err
	}
	used, err := s.sourcesUsed(r.Context(), a, req.Filter)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, struct {
		*kizuna.Preview
		kizuna.SourcesUsed
	}{p, used})
	return nil
}

// sourcesUsed says what a filter uses of the integration sources: each
// one's status, and those not connected or failing (kizuna.SourcesUsed),
// so that a script sees a count that tests stale data. A filter that uses
// no source reads nothing and adds nothing to the answer.
func (s *Server) sourcesUsed(ctx context.Context, a *kizuna.Account, filter json.RawMessage) (kizuna.SourcesUsed, error) {
	f, err := kizuna.ParseFilter(filter)
	if err != nil || len(f.Sources()) == 0 {
		return kizuna.SourcesUsed{}, nil
	}
	statuses, err := kizuna.ReadSourceStatuses(ctx, s.Store, a, time.Now())
	if err != nil {
		return kizuna.SourcesUsed{}, err
	}
	return kizuna.UsedSources(f, statuses), nil
}

func parsePreviewRequest(obj map[string]json.RawMessage) (kizuna.PreviewRequest, error) {
	var req kizuna.PreviewRequest
	for _, k := range slices.Sorted(maps.Keys(obj)) { // sorted: the same request always names the same key
		if k != "filter" && k != "now" && k != "lang" {
			return req, kizuna.ErrorAt(kizuna.EINVALID, k, "unknown key %q: a preview request has \"filter\", \"now\" and \"lang\"", k)
		}
	}
	if raw, ok := obj["filter"]; ok && !isNull(raw) {
		req.Filter = raw
	} else {
		return req, &kizuna.Error{Code: kizuna.EINVALIDFILTER, Message: "the request has no filter: send {\"filter\": {\"groups\": [...]}}", Path: "$"}
	}
	if raw, ok := obj["now"]; ok && !isNull(raw) {
		badNow := &kizuna.Error{Code: kizuna.EINVALID, Message: "now must be an RFC 3339 time with an offset, such as \"2026-11-28T09:00:00+09:00\"", Path: "now"}
		var text string
		if err := json.Unmarshal(raw, &text); err != nil {
			return req, badNow
		}
		now, err := time.Parse(time.RFC3339, text)
		if err != nil {
			return req, badNow
		}
		req.Now = now
		if err := req.CheckNow(); err != nil {
			return req, err
		}
	}
	if raw, ok := obj["lang"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &req.Lang) != nil || (req.Lang != "en" && req.Lang != "ja") {
			return req, &kizuna.Error{Code: kizuna.EINVALID, Message: "lang must be \"en\" or \"ja\"", Path: "lang"}
		}
	}
	return req, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// putCatalog replaces the catalog of each integration the document names
// (spec 7) and answers with the whole stored catalog, so the caller sees
// the sections it did not send too.
func (s *Server) putCatalog(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := checkBody(r, jsonTypes); err != nil {
		return err
	}
	data, _, err := s.readJSONObject(w, r)
	if err != nil {
		return err
	}
	c, err := kizuna.ParseCatalog(data)
	if err != nil {
		return err
	}
	if err := s.Store.PutCatalog(r.Context(), a, c); err != nil {
		return err
	}
	stored, err := s.Store.Catalog(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, stored)
	return nil
}

func (s *Server) friend(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	f, err := s.Store.FindFriend(r.Context(), a, r.PathValue("line_user_id"))
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, f)
	return nil
}

func (s *Server) deleteFriend(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id := r.PathValue("line_user_id")
	n, err := s.Store.DeleteFriends(r.Context(), a, []string{id})
	if err != nil {
		return err
	}
	if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no friend %q in account %q", id, a.Name)
	}
	s.respond(w, r, http.StatusOK, map[string]int{"deleted": n})
	return nil
}

// tagFriends adds and removes friend tags of several friends at once:
// {"line_user_ids": [...], "add": [...], "remove": [...]}.
func (s *Server) tagFriends(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := checkBody(r, jsonTypes); err != nil {
		return err
	}
	_, obj, err := s.readJSONObject(w, r)
	if err != nil {
		return err
	}
	lists := map[string][]string{}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if k != "line_user_ids" && k != "add" && k != "remove" {
			return kizuna.ErrorAt(kizuna.EINVALID, k, "unknown key %q: a tag request has \"line_user_ids\", \"add\" and \"remove\"", k)
		}
		var list []string
		if err := json.Unmarshal(obj[k], &list); err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, k, "%q must be an array of strings", k)
		}
		lists[k] = list
	}
	if len(lists["line_user_ids"]) == 0 {
		return &kizuna.Error{Code: kizuna.EINVALID, Message: "name at least one friend in \"line_user_ids\"", Path: "line_user_ids"}
	}
	if len(lists["add"])+len(lists["remove"]) == 0 {
		return &kizuna.Error{Code: kizuna.EINVALID, Message: "name a tag to \"add\" or to \"remove\"", Path: "add"}
	}
	if err := s.Store.TagFriends(r.Context(), a, lists["line_user_ids"], lists["add"], lists["remove"]); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int{"friends": len(lists["line_user_ids"])})
	return nil
}

func (s *Server) tags(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	tags, err := s.Store.Tags(r.Context(), a)
	if err != nil {
		return err
	}
	if tags == nil {
		tags = []kizuna.Tag{} // an account without tags has "tags": [], not null
	}
	s.respond(w, r, http.StatusOK, map[string][]kizuna.Tag{"tags": tags})
	return nil
}
