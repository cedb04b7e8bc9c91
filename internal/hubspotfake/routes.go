package hubspotfake

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// apiPath maps both path families to one form: "objects/contacts/…",
// "properties/contacts/…" or "lists/…". ok is false for other paths.
var datePath = regexp.MustCompile(`^/crm/(objects|properties|lists)/\d{4}-\d{2}(/.*)?$`)

func apiPath(p string) (string, bool) {
	if rest, ok := strings.CutPrefix(p, "/crm/v3/"); ok {
		return rest, true
	}
	if m := datePath.FindStringSubmatch(p); m != nil {
		return m[1] + m[2], true
	}
	return "", false
}

// request is one API request being answered.
type request struct {
	*http.Request
	rest string   // apiPath's form
	seg  []string // rest split on "/"
	body []byte
}

// ServeHTTP answers HubSpot's API and the fake's own /fake/… routes.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/fake/") {
		f.mux.ServeHTTP(w, r)
		return
	}
	rest, ok := apiPath(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to route "+r.Method+" request: "+r.URL.Path)
		return
	}
	req := &request{Request: r, rest: rest, seg: strings.Split(strings.Trim(rest, "/"), "/")}
	route, handler := f.route(req)
	if handler == nil {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Unable to route "+r.Method+" request: "+r.URL.Path)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return
	}
	req.body = body
	rec := &statusWriter{ResponseWriter: w}
	defer func() {
		f.record(Recorded{At: f.now(), Route: route, Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body), Status: rec.status})
	}()
	if !f.authorized(r) {
		writeError(rec, http.StatusUnauthorized, "INVALID_AUTHENTICATION",
			"Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview")
		return
	}
	if len(body) > maxBody {
		writeError(rec, http.StatusRequestEntityTooLarge, "VALIDATION_ERROR", "Request body too large")
		return
	}
	if ft := f.nextFault(route); ft != nil {
		if ft.Delay > 0 {
			time.Sleep(ft.Delay)
		}
		if ft.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					rec.status = -1
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if ft.Status != 0 || ft.Body != "" {
			writeFault(rec, ft)
			return
		}
	}
	if policy := f.admit(rec.Header(), route == RouteSearch); policy != "" {
		writeRateLimited(rec, policy)
		return
	}
	handler(rec, req)
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

func (f *Fake) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && f.cfg.AccessToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(f.cfg.AccessToken)) == 1
}

// route names the request's route and its handler (nil: no such route).
func (f *Fake) route(r *request) (string, func(http.ResponseWriter, *request)) {
	s := r.seg
	get, post, put := r.Method == http.MethodGet, r.Method == http.MethodPost, r.Method == http.MethodPut
	switch {
	case len(s) >= 2 && s[0] == "objects" && s[1] == "contacts":
		switch {
		case len(s) == 2 && get:
			return RouteContacts, f.listContacts
		case len(s) == 3 && s[2] == "search" && post:
			return RouteSearch, f.search
		case len(s) == 4 && s[2] == "batch" && s[3] == "read" && post:
			return RouteBatchRead, f.batchRead
		case len(s) == 3 && get:
			return RouteContacts, f.getContact
		}
	case len(s) >= 2 && s[0] == "properties" && s[1] == "contacts" && get:
		switch len(s) {
		case 2:
			return RouteProperties, f.listProperties
		case 3:
			return RouteProperties, f.getProperty
		}
	case len(s) >= 1 && s[0] == "lists":
		switch {
		case len(s) == 1 && post:
			return RouteLists, f.createList
		case len(s) == 2 && s[1] == "search" && post:
			return RouteLists, f.searchLists
		case len(s) == 5 && s[1] == "records" && s[4] == "memberships" && get:
			return RouteMemberships, f.recordLists
		case len(s) == 5 && s[1] == "object-type-id" && s[3] == "name" && get:
			return RouteLists, f.getListByName
		case len(s) == 2 && get:
			return RouteLists, f.getList
		case len(s) == 3 && s[2] == "update-list-name" && put:
			return RouteLists, f.updateListName
		case len(s) == 3 && s[2] == "memberships" && get:
			return RouteMemberships, f.memberships
		case len(s) == 4 && s[2] == "memberships" && (s[3] == "add" || s[3] == "remove") && put:
			return RouteMemberships, f.changeMemberships
		}
	}
	return "", nil
}

// errorBody is HubSpot's error answer.
type errorBody struct {
	Status        string         `json:"status"`
	Message       string         `json:"message"`
	CorrelationID string         `json:"correlationId"`
	Category      string         `json:"category,omitempty"`
	ErrorType     string         `json:"errorType,omitempty"`
	PolicyName    string         `json:"policyName,omitempty"`
	Context       map[string]any `json:"context,omitempty"`
}

func correlationID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, category, msg string) {
	writeJSON(w, status, errorBody{Status: "error", Message: msg, CorrelationID: correlationID(), Category: category})
}

func writeRateLimited(w http.ResponseWriter, policy string) {
	msg := "You have reached your ten_secondly_rolling limit."
	switch policy {
	case "DAILY":
		msg = "You have reached your daily limit."
	case "SECONDLY":
		msg = "You have reached your secondly limit."
	}
	writeJSON(w, http.StatusTooManyRequests, errorBody{Status: "error", Message: msg, CorrelationID: correlationID(), ErrorType: "RATE_LIMIT", PolicyName: policy})
}

func writeFault(w http.ResponseWriter, ft *Fault) {
	if ft.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(ft.RetryAfter))
	}
	status := ft.Status
	if status == 0 {
		status = http.StatusInternalServerError
	}
	if ft.Body != "" {
		w.Header().Set("Content-Type", "application/json;charset=utf-8")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, ft.Body)
		return
	}
	if status == http.StatusTooManyRequests {
		writeRateLimited(w, "TEN_SECONDLY_ROLLING")
		return
	}
	writeError(w, status, "INTERNAL_ERROR", "internal error")
}
