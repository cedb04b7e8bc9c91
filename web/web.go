// Package web is Kizuna's web application: server-rendered pages
// (html/template, embedded with their static files) for the marketer who
// manages segments. Users sign in with e-mail and password; the session is
// an HTTP-only cookie, and every state-changing form carries the session's
// CSRF token. Pages are in Japanese or English.
package web

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/lineops"
	"github.com/kizuna-line/kizuna/sources"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Users is what the web application needs of users and sessions.
type Users interface {
	Authenticate(ctx context.Context, email, password string) (*kizuna.User, error)
	CreateSession(ctx context.Context, u *kizuna.User) (token, csrf string, err error)
	Session(ctx context.Context, token string) (*kizuna.User, string, error)
	DeleteSession(ctx context.Context, token string) error
	Memberships(ctx context.Context, u *kizuna.User) ([]kizuna.Membership, error)
	// SetUserLang saves the user's language: "en", "ja" or "" (the browser's).
	SetUserLang(ctx context.Context, u *kizuna.User, lang string) error
	// ChangePassword checks the current password, sets the next, and ends
	// the user's sessions but keep.
	ChangePassword(ctx context.Context, u *kizuna.User, current, next, keep string) error
	// Invitation returns the offer behind an invitation link's token;
	// AcceptInvitation accepts it as the signed-in user of its address;
	// AcceptInvitationWithPassword accepts it without a session, with the
	// address's password (or, for a new address, the password chosen).
	Invitation(ctx context.Context, token string) (*kizuna.InvitationOffer, error)
	AcceptInvitation(ctx context.Context, token string, u *kizuna.User) error
	AcceptInvitationWithPassword(ctx context.Context, token, password string) (*kizuna.User, error)
}

// Server serves the web application.
type Server struct {
	Store  kizuna.Store // previews come from here (the engine, in kizuna serve)
	Users  Users
	Logger *slog.Logger
	// Line does what needs LINE (connecting, estimates, tests, Chat
	// replies, broadcasts, syncs); nil: those pages say LINE is not
	// available in this process.
	Line *lineops.Service
	// Sources connects and syncs Shopify, HubSpot and Klaviyo (Settings →
	// Integrations, the friend page's links); nil: Settings says they
	// cannot be connected in this process.
	Sources *sources.Service
	// Agent answers "Ask the agent"; nil: the panel says the agent is not
	// available in this process.
	Agent *agent.Service

	pages   map[string]*template.Template
	limiter *limiter
	// Now is the clock for "segments a friend is in"; tests replace it.
	Now func() time.Time
}

// Cookie names.
const (
	sessionCookie = "kizuna_session"
	csrfCookie    = "kizuna_csrf" // before sign-in: the sign-in form's CSRF token
	langCookie    = "kizuna_lang"
)

// New returns a web application over store and users.
func New(store kizuna.Store, users Users, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{Store: store, Users: users, Logger: logger, pages: map[string]*template.Template{}, limiter: newLimiter(limitWindow), Now: time.Now}
	funcs := template.FuncMap{"t": t, "inc": func(i int) int { return i + 1 }}
	files, _ := fs.Glob(templateFS, "templates/*.html")
	// Files named _*.html hold blocks that several pages share (the
	// friend-tag panel of the friend page and Chat): every page gets them.
	partials, _ := fs.Glob(templateFS, "templates/_*.html")
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(f, "templates/"), ".html")
		if name == "layout" || strings.HasPrefix(name, "_") {
			continue
		}
		s.pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, append([]string{"templates/layout.html", f}, partials...)...))
	}
	return s
}

// Handler returns the web application's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /signin", s.signinPage)
	mux.HandleFunc("POST /signin", s.signin)
	mux.HandleFunc("POST /signout", s.signedIn(s.signout))
	mux.HandleFunc("POST /lang", s.setLang)
	mux.HandleFunc("GET /switch", s.signedIn(s.switchAccount))
	mux.HandleFunc("GET /{$}", s.signedIn(s.home))
	mux.HandleFunc("GET /a/{account}/segments", s.inAccount(s.segments))
	mux.HandleFunc("GET /a/{account}/segments/new", s.inAccount(s.editor))
	mux.HandleFunc("GET /a/{account}/segments/{id}/edit", s.inAccount(s.editor))
	mux.HandleFunc("POST /a/{account}/segments", s.inAccount(s.saveSegment))
	mux.HandleFunc("POST /a/{account}/segments/{id}", s.inAccount(s.saveSegment))
	mux.HandleFunc("POST /a/{account}/preview", s.signedIn(s.preview))
	mux.HandleFunc("POST /a/{account}/explain", s.signedIn(s.explain))
	mux.HandleFunc("GET /a/{account}/friends", s.inAccount(s.friends))
	mux.HandleFunc("GET /a/{account}/friends/{id}", s.inAccount(s.friend))
	mux.HandleFunc("POST /a/{account}/friends/{id}/tags", s.inAccount(s.friendTags))
	mux.HandleFunc("GET /a/{account}/friends/{id}/why", s.inAccount(s.why))
	// "Ask the agent" (agent.go).
	mux.HandleFunc("POST /a/{account}/agent", s.inAccount(s.askAgent))
	mux.HandleFunc("GET /a/{account}/agent/{id}", s.inAccount(s.agentPage))
	mux.HandleFunc("POST /a/{account}/agent/{id}/approve", s.inAccount(s.approveProposal))
	mux.HandleFunc("POST /a/{account}/agent/{id}/cancel", s.inAccount(s.cancelProposal))
	// Broadcasts (broadcasts.go).
	mux.HandleFunc("GET /a/{account}/broadcasts", s.inAccount(s.broadcastList))
	mux.HandleFunc("GET /a/{account}/broadcasts/new", s.inAccount(s.newBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/compose", s.inAccount(s.composeBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/review", s.inAccount(s.reviewBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/test", s.inAccount(s.testBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/friends", s.signedIn(s.broadcastFriends))
	mux.HandleFunc("POST /a/{account}/broadcasts", s.inAccount(s.createBroadcast))
	mux.HandleFunc("GET /a/{account}/broadcasts/{id}", s.inAccount(s.showBroadcast))
	mux.HandleFunc("GET /a/{account}/broadcasts/{id}/edit", s.inAccount(s.editBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/{id}", s.inAccount(s.saveBroadcast))
	mux.HandleFunc("POST /a/{account}/broadcasts/{id}/cancel", s.inAccount(s.cancelBroadcast))
	// Segment list actions, deleted segments and history (manage.go), tags
	// (tags.go), settings: API tokens and the language (settings.go).
	mux.HandleFunc("POST /a/{account}/segments/{id}/duplicate", s.inAccount(s.duplicateSegment))
	mux.HandleFunc("POST /a/{account}/segments/{id}/delete", s.inAccount(s.deleteSegment))
	mux.HandleFunc("POST /a/{account}/segments/{id}/move", s.inAccount(s.moveSegment))
	mux.HandleFunc("POST /a/{account}/segments/{id}/restore", s.inAccount(s.restoreSegment))
	mux.HandleFunc("GET /a/{account}/segments/deleted", s.inAccount(s.deletedSegments))
	mux.HandleFunc("GET /a/{account}/segments/{id}/history", s.inAccount(s.segmentHistory))
	mux.HandleFunc("GET /a/{account}/segments/{id}/members", s.inAccount(s.segmentMembers))
	mux.HandleFunc("POST /a/{account}/folders", s.inAccount(s.createFolder))
	mux.HandleFunc("POST /a/{account}/folders/rename", s.inAccount(s.renameFolder))
	mux.HandleFunc("POST /a/{account}/folders/delete", s.inAccount(s.deleteFolder))
	mux.HandleFunc("GET /a/{account}/tags", s.inAccount(s.tags))
	mux.HandleFunc("POST /a/{account}/tags", s.inAccount(s.createTag))
	mux.HandleFunc("POST /a/{account}/tags/rename", s.inAccount(s.renameTag))
	mux.HandleFunc("POST /a/{account}/tags/delete", s.inAccount(s.deleteTag))
	mux.HandleFunc("POST /a/{account}/tags/apply", s.inAccount(s.applyTag))
	mux.HandleFunc("GET /a/{account}/settings", s.inAccount(s.settings))
	mux.HandleFunc("POST /a/{account}/settings/tokens", s.inAccount(s.createToken))
	mux.HandleFunc("POST /a/{account}/settings/tokens/{id}/revoke", s.inAccount(s.revokeToken))
	mux.HandleFunc("POST /a/{account}/settings/lang", s.inAccount(s.saveLang))
	mux.HandleFunc("POST /a/{account}/settings/members", s.inAccount(s.inviteMember))
	mux.HandleFunc("POST /a/{account}/settings/members/{id}/role", s.inAccount(s.setMemberRole))
	mux.HandleFunc("POST /a/{account}/settings/members/{id}/remove", s.inAccount(s.removeMember))
	mux.HandleFunc("POST /a/{account}/settings/password", s.inAccount(s.changePassword))
	mux.HandleFunc("POST /a/{account}/settings/invitations/{id}/revoke", s.inAccount(s.revokeInvitation))
	// Chat and Settings → LINE (chat.go, lineset.go).
	mux.HandleFunc("GET /a/{account}/chat", s.inAccount(s.chat))
	mux.HandleFunc("GET /a/{account}/chat/{id}", s.inAccount(s.conversation))
	mux.HandleFunc("POST /a/{account}/chat/{id}", s.inAccount(s.reply))
	mux.HandleFunc("POST /a/{account}/settings/line", s.inAccount(s.connectLine))
	mux.HandleFunc("POST /a/{account}/settings/line/disconnect", s.inAccount(s.disconnectLine))
	mux.HandleFunc("POST /a/{account}/settings/line/sync", s.inAccount(s.startLineSync))
	mux.HandleFunc("GET /a/{account}/settings/line/sync", s.inAccount(s.lineSyncStatus))
	// Settings → Integrations and a friend's links (sources.go).
	mux.HandleFunc("POST /a/{account}/settings/sources/{source}", s.inAccount(s.connectSource))
	mux.HandleFunc("POST /a/{account}/settings/sources/{source}/disconnect", s.inAccount(s.disconnectSource))
	mux.HandleFunc("POST /a/{account}/settings/sources/{source}/sync", s.inAccount(s.syncSource))
	mux.HandleFunc("GET /a/{account}/settings/sources/{source}/sync", s.inAccount(s.sourceSyncStatus))
	mux.HandleFunc("POST /a/{account}/friends/{id}/links", s.inAccount(s.friendLink))
	mux.HandleFunc("GET /invite/{token}", s.invitePage)
	mux.HandleFunc("POST /invite/{token}", s.acceptInvite)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { s.notFound(w, r, nil) })
	return securityHeaders(mux)
}

// contentSecurityPolicy allows the site's own files only: no inline
// script, handler or style (scripts live in static/), forms post to this
// site only, no <base> can move relative links, no framing, no plugins.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// securityHeaders sets headers every page carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		next.ServeHTTP(w, r)
	})
}

// page is what every template gets.
type page struct {
	Lang, Title, CSRF, Path, AccountName string
	User                                 *kizuna.User
	Accounts                             []kizuna.Membership
	// Page-specific.
	Error, Email, Message, Query, Sort string
	ErrorAt                            string // where Error is shown: under the form it concerns (atTop, atNewTag, ...)
	Groups                             []folderGroup
	Tag, Next                          string
	Friends                            []kizuna.FriendSummary
	Tags                               []kizuna.Tag
	Friend                             *kizuna.Friend
	InSegments                         []string
	Segments                           []*kizuna.Segment
	Why                                *kizuna.Explanation
	Segment                            *kizuna.Segment
	Name, FilterJSON                   string
	TagsJSON, IntegrationsJSON         string
	CatalogJSON                        string
	Editor                             *editorData // the segment editor's suggestions and dates (editor.go)
	FolderID                           int64
	NewFolder                          string // the editor's "Create Folder" field, kept on a refusal
	Folders                            []kizuna.Folder
	// The friend list's chosen segment, and who on the page is in it.
	Members map[string]bool
	// The friend page's integration data, named from the catalog.
	Integration []integrationSection
	// Chat's list and conversation (chat.go); the settings page's LINE
	// channel and follower sync (lineset.go).
	Chat     *chatData
	LineConf *lineSettings
	// Settings → Integrations, and the friend page's links (sources.go).
	SourcesConf *sourcesSettings
	Links       []friendLinkView
	// Segment management, tags and settings (manage.go, tags.go, settings.go).
	Notice   string
	History  []historyRow
	Deleted  []deletedRow
	TagRows  []tagRow
	Tokens   []tokenRow
	NewToken string
	IsOwner  bool
	Similar  *similarTag // the tags page: a new name equal to a tag after normalization
	// Settings: the account's members, pending invitations, and a new
	// invitation's link (shown once).
	AccountMembers []kizuna.Member
	Invitations    []invitationRow
	Invited        *kizuna.Invited
	InviteURL      string
	// The invitation page: the offer, and who is signed in.
	Offer *kizuna.InvitationOffer
	// Pages (pages.go, flash.go): the one-time message from the last POST,
	// the tags page's segments to tag, a segment's members page.
	Flash          *flash
	ApplyOptions   []applyOption
	SegmentMembers *membersPage
	Back           string // a message page's way back (backLink)
	OnlyMembers    bool   // the friend list shows only the segment's members
	// The broadcast screens (broadcasts.go); the segment list reads
	// whether the user may create broadcasts from it.
	Broadcasts *broadcastPage
	// The integration sources' freshness and flags (fresh.go): the
	// editor's words and notes, the broadcast screens' warnings.
	Fresh *freshView
	// "Ask the agent" (agent.go): the segment list's panel (nil: not for
	// this role), and a conversation's page.
	AgentPanel *agentPanel
	AgentView  *agentView
}

// session is a signed-in request's user, CSRF token and accounts.
type session struct {
	user     *kizuna.User
	csrf     string
	accounts []kizuna.Membership
}

// signedIn runs h for a signed-in user; others go to the sign-in page. A
// POST must carry the session's CSRF token.
func (s *Server) signedIn(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var u *kizuna.User
		var csrf string
		var err error = kizuna.Errorf(kizuna.EUNAUTHORIZED, "not signed in")
		if c, cerr := r.Cookie(sessionCookie); cerr == nil {
			u, csrf, err = s.Users.Session(r.Context(), c.Value)
		}
		if err != nil {
			if kizuna.ErrorCode(err) != kizuna.EUNAUTHORIZED {
				s.fail(w, r, err)
				return
			}
			if wantsJSON(r) { // the editor's calls: say so, and let the page offer sign-in
				s.jsonError(w, http.StatusUnauthorized, kizuna.Errorf(kizuna.EUNAUTHORIZED, "%s", t(s.lang(r, nil), "session.ended")))
				return
			}
			http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		given := r.Header.Get("X-CSRF-Token")
		if given == "" && r.Method == http.MethodPost && mediaType(r) == "application/x-www-form-urlencoded" {
			given = r.PostFormValue("csrf")
		}
		if r.Method == http.MethodPost && !sameToken(given, csrf) {
			if wantsJSON(r) {
				s.jsonError(w, http.StatusForbidden, kizuna.Errorf("forbidden", "%s", t(s.lang(r, u), "csrf")))
				return
			}
			s.render(w, r, http.StatusForbidden, "message", &page{Message: t(s.lang(r, u), "csrf")})
			return
		}
		accounts, err := s.Users.Memberships(r.Context(), u)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		h(w, r, &session{user: u, csrf: csrf, accounts: accounts})
	}
}

// wantsJSON reports whether the request is one of the pages' JSON calls.
func wantsJSON(r *http.Request) bool {
	return mediaType(r) == "application/json"
}

// mediaType is the request body's media type, lower case (media types are
// case-insensitive), without parameters; "" when absent or malformed.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return mt
}

// inAccount runs h for a signed-in member of the path's account; anyone
// else gets "not found", as for an account that does not exist.
func (s *Server) inAccount(h func(http.ResponseWriter, *http.Request, *session, *kizuna.Account)) http.HandlerFunc {
	return s.signedIn(func(w http.ResponseWriter, r *http.Request, ss *session) {
		a := ss.account(r.PathValue("account"))
		if a == nil {
			s.notFound(w, r, ss)
			return
		}
		h(w, r, ss, a)
	})
}

func sameToken(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// lang is the page's language: the switch's cookie, else the user's
// setting, else the browser's first choice between Japanese and English.
func (s *Server) lang(r *http.Request, u *kizuna.User) string {
	if c, err := r.Cookie(langCookie); err == nil && (c.Value == "ja" || c.Value == "en") {
		return c.Value
	}
	if u != nil && u.Lang != "" {
		return u.Lang
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ja"):
			return "ja"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "en"
}

// secure reports whether cookies can be marked Secure: the request came
// over HTTPS, directly or through a proxy that says so.
func secure(r *http.Request) bool {
	return r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https"
}

func (s *Server) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	if p.Lang == "" {
		p.Lang = s.lang(r, p.User)
	}
	if p.Flash == nil && p.CSRF != "" && r.Method == http.MethodGet {
		p.Flash = s.takeFlash(w, r, p.CSRF)
		if f := p.Flash; f != nil && f.Error && p.Error == "" && placeable(name, p, f.At) {
			// A refusal shown where the form it concerns is.
			p.Error, p.ErrorAt, p.Flash = f.Text, f.At, nil
		}
	}
	if name == "message" && p.Back == "" {
		p.Back = backLink(r)
	}
	if p.Path == "" && r.Method == http.MethodGet {
		// The page to come back to (after the language switch). A page
		// answering a POST has none unless its handler names one: its URL
		// would repeat the POST's target, not show this page.
		p.Path = r.URL.RequestURI()
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := s.pages[name].ExecuteTemplate(w, name+".html", p); err != nil {
		s.Logger.Error("web: render", "page", name, "err", err)
	}
}

// logRoute names a request in the log by its route ("GET /invite/{token}"),
// never by its path: a path can carry a secret (an invitation's token).
func logRoute(r *http.Request) string {
	if r.Pattern != "" {
		return r.Pattern
	}
	return r.Method + " (no route)"
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil { // the browser went away (another click): nothing failed
		s.Logger.Debug("web: request abandoned", "route", logRoute(r), "err", err)
		return
	}
	s.Logger.Error("web: request failed", "route", logRoute(r), "err", err)
	http.Error(w, t(s.lang(r, nil), "internal"), http.StatusInternalServerError)
}

// failOrNotFound answers "not found" for ENOTFOUND and fails otherwise.
func (s *Server) failOrNotFound(w http.ResponseWriter, r *http.Request, ss *session, err error) {
	if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		s.notFound(w, r, ss)
		return
	}
	s.fail(w, r, err)
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request, ss *session) {
	p := &page{}
	if ss != nil {
		p.User, p.CSRF, p.Accounts = ss.user, ss.csrf, ss.accounts
	}
	p.Title = t(s.lang(r, p.User), "notfound")
	s.render(w, r, http.StatusNotFound, "notfound", p)
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// signinPage shows the sign-in form with a fresh pre-session CSRF token.
func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	token := randomToken()
	s.setCookie(w, r, csrfCookie, token, 3600)
	lang := s.lang(r, nil)
	s.render(w, r, http.StatusOK, "signin", &page{Title: t(lang, "signin"), CSRF: token, Next: safeNext(r.URL.Query().Get("next"))})
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	lang := s.lang(r, nil)
	c, err := r.Cookie(csrfCookie)
	if err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.render(w, r, http.StatusForbidden, "message", &page{Message: t(lang, "csrf")})
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	again := func(status int, msg string) {
		token := randomToken()
		s.setCookie(w, r, csrfCookie, token, 3600)
		s.render(w, r, status, "signin", &page{Title: t(lang, "signin"), CSRF: token, Error: msg, Email: email, Next: safeNext(r.URL.Query().Get("next"))})
	}
	// The attempt is counted before the password is checked, by address and
	// by client; a refused or busy attempt checks nothing.
	now, ip := time.Now(), clientIP(r)
	addrKey, ipKey := "addr:"+strings.ToLower(email)+"|"+ip, "ip:"+ip
	if !s.limiter.reserve(now, budget{addrKey, signinPerAddress}, budget{ipKey, signinPerIP}) {
		w.Header().Set("Retry-After", strconv.Itoa(int(limitWindow.Seconds())))
		again(http.StatusTooManyRequests, t(lang, "signin.throttled"))
		return
	}
	u, err := s.Users.Authenticate(r.Context(), email, r.PostFormValue("password"))
	switch kizuna.ErrorCode(err) {
	case "":
		s.limiter.reset(addrKey)
		s.limiter.release(now, ipKey)
	case kizuna.EUNAUTHORIZED:
		again(http.StatusUnauthorized, t(lang, "signin.wrong"))
		return
	case kizuna.EUNAVAILABLE: // every hashing slot busy: nothing was checked
		s.limiter.release(now, addrKey, ipKey)
		w.Header().Set("Retry-After", "5")
		again(http.StatusServiceUnavailable, t(lang, "signin.busy"))
		return
	default:
		s.limiter.release(now, addrKey, ipKey)
		s.fail(w, r, err)
		return
	}
	token, _, err := s.Users.CreateSession(r.Context(), u)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, token, 0)
	s.setCookie(w, r, csrfCookie, "", -1)
	next := safeNext(r.URL.Query().Get("next"))
	if next == "" {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// safeNext returns next if it is a path of this site to go to (after
// signing in, or switching the language), else "". A browser reads a
// Location header loosely: it drops tabs and newlines, takes a backslash
// for a slash, and resolves "." and ".." after the host is known; and
// http.Redirect cleans the path before it writes the header. So next must
// be a plain absolute path whose decoded form is already clean: no control
// characters or backslashes (raw or percent-encoded), no empty, "." or
// ".." segments, no scheme, host or user.
func safeNext(next string) string {
	if len(next) > 2048 || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || !plainText(next) {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !plainText(u.Path) || !plainText(u.RawQuery) {
		return ""
	}
	p := u.Path
	if clean := path.Clean(p); clean != p && clean+"/" != p {
		return "" // "//", "/./", "/../": the cleaned path would differ
	}
	return next
}

// plainText reports whether s has no control character and no backslash.
func plainText(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == '\\' || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request, ss *session) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.Users.DeleteSession(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, r, sessionCookie, "", -1)
	http.Redirect(w, r, "/signin", http.StatusSeeOther)
}

// setLang switches the language (a cookie) and goes back. Signed in, it
// checks the session's CSRF token, and saves the choice on the user too;
// before sign-in, it checks the sign-in form's.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	want := ""
	var u *kizuna.User
	if c, err := r.Cookie(sessionCookie); err == nil {
		if su, csrf, err := s.Users.Session(r.Context(), c.Value); err == nil {
			u, want = su, csrf
		}
	}
	if want == "" {
		if c, err := r.Cookie(csrfCookie); err == nil {
			want = c.Value
		}
	}
	if !sameToken(r.PostFormValue("csrf"), want) {
		s.render(w, r, http.StatusForbidden, "message", &page{Message: t(s.lang(r, nil), "csrf")})
		return
	}
	lang := r.PostFormValue("lang")
	if lang != "ja" && lang != "en" {
		lang = "en"
	}
	if u != nil { // the choice follows the user to other browsers
		if err := s.Users.SetUserLang(r.Context(), u, lang); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.setCookie(w, r, langCookie, lang, 365*24*3600)
	back := safeNext(r.PostFormValue("back"))
	if back == "" {
		back = "/"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// home goes to the first account's segment list.
func (s *Server) home(w http.ResponseWriter, r *http.Request, ss *session) {
	if len(ss.accounts) == 0 {
		lang := s.lang(r, ss.user)
		s.render(w, r, http.StatusOK, "message", &page{User: ss.user, CSRF: ss.csrf, Message: t(lang, "noaccounts")})
		return
	}
	http.Redirect(w, r, "/a/"+url.PathEscape(ss.accounts[0].Account.Name)+"/segments", http.StatusSeeOther)
}

func (s *Server) switchAccount(w http.ResponseWriter, r *http.Request, ss *session) {
	http.Redirect(w, r, "/a/"+url.PathEscape(r.URL.Query().Get("account"))+"/segments", http.StatusSeeOther)
}

// account returns the account of the path if the user is a member of it.
func (ss *session) account(name string) *kizuna.Account {
	for _, m := range ss.accounts {
		if m.Account.Name == name {
			return m.Account
		}
	}
	return nil
}

// folderGroup is one folder's rows in the segment list.
type folderGroup struct {
	Name string
	Rows []segmentRow
	// CountText is how many segments the folder holds (that the search
	// shows): "3 segments", 「3件」.
	CountText string
}

type segmentRow struct {
	ID          int64
	Name, Count string
	Updated     string
	InFolder    bool
	Usage       []usageLink // the broadcasts that use the segment (broadcasts.go)
	UsageMore   int         // how many more than Usage names
	count       int64
	updatedAt   time.Time
	folderID    int64

	// Sources flags the sources it uses that are not connected or failing (fresh.go).
	Sources []sourceFlag
}

// segments is the segment list: folders, then segments, each with its
// current number of friends.
func (s *Server) segments(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.segmentList(w, r, ss, a, http.StatusOK, nil)
}

// segmentList shows the segment list with the "Ask the agent" panel: panel
// when given (a refused goal), else a new one (with a cancelled
// proposal's goal when ?agent= names one).
func (s *Server) segmentList(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, panel *agentPanel) {
	lang := s.lang(r, ss.user)
	segs, err := s.Store.Segments(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if panel == nil {
		panel = s.newAgentPanel(ss, a, lang, len(segs) == 0)
		s.restatePanel(r, a, panel)
	} else {
		panel.First = len(segs) == 0
	}
	folders, err := s.Store.Folders(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q != "" { // count only the segments the search shows
		segs = slices.DeleteFunc(segs, func(seg *kizuna.Segment) bool {
			return !strings.Contains(kizuna.Normalize(seg.Name), kizuna.Normalize(q))
		})
	}
	if err := kizuna.Recount(r.Context(), s.Store, a, segs); err != nil {
		s.fail(w, r, err)
		return
	}
	usage, err := s.segmentUsage(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sources, err := s.readSources(r.Context(), a, false) // once for the page
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sortBy := r.URL.Query().Get("sort")
	var rows []segmentRow
	for _, seg := range segs {
		row := segmentRow{ID: seg.ID, Name: seg.Name, updatedAt: seg.UpdatedAt, Updated: seg.UpdatedAt.In(a.Location()).Format("2006-01-02 15:04"), Count: t(lang, "count.unknown")}
		if seg.FolderID != nil {
			row.folderID, row.InFolder = *seg.FolderID, true
		}
		if seg.Count != nil {
			row.count, row.Count = *seg.Count, formatCount(*seg.Count)
		}
		row.Usage = usage[seg.ID]
		row.Sources = segmentFlags(lang, seg, sources.statuses)
		if n := len(row.Usage); n > maxUsageLinks {
			row.Usage, row.UsageMore = row.Usage[:maxUsageLinks], n-maxUsageLinks
		}
		rows = append(rows, row)
	}
	switch sortBy {
	case "count":
		slices.SortStableFunc(rows, func(x, y segmentRow) int { return int(y.count - x.count) })
	case "updated":
		slices.SortStableFunc(rows, func(x, y segmentRow) int { return y.updatedAt.Compare(x.updatedAt) })
	default:
		sortBy = "name"
	}
	var groups []folderGroup
	for _, f := range folders {
		g := folderGroup{Name: f.Name}
		for _, row := range rows {
			if row.folderID == f.ID {
				g.Rows = append(g.Rows, row)
			}
		}
		groups = append(groups, g)
	}
	loose := folderGroup{}
	for _, row := range rows {
		if row.folderID == 0 {
			loose.Rows = append(loose.Rows, row)
		}
	}
	if len(loose.Rows) > 0 || len(groups) == 0 && len(rows) > 0 {
		groups = append(groups, loose)
	}
	if q != "" { // a search shows the folders that hold what it found, or says nothing was
		groups = slices.DeleteFunc(groups, func(g folderGroup) bool { return len(g.Rows) == 0 })
	}
	for i := range groups {
		groups[i].CountText = fmt.Sprintf(plural(lang, int64(len(groups[i].Rows)), "folder.count"), len(groups[i].Rows))
	}
	p := &page{Lang: lang, Title: t(lang, "segments"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Query: q, Sort: sortBy, Groups: groups, Broadcasts: &broadcastPage{CanSend: canBroadcast(ss, a)}, AgentPanel: panel}
	if status != http.StatusOK {
		p.Path = listURL(a) // the language switch comes back to the list, not the POST's target
	}
	s.render(w, r, status, "segments", p)
}

func (s *Server) now() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// formatCount writes a count with thousands separators (the same in
// Japanese and English).
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// clientIP is the request's remote address without the port.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Sign-in budgets within limitWindow: attempts for one e-mail address from
// one client, and attempts from one client address whatever the e-mail
// (random addresses cost a hash each too). A successful sign-in gives its
// attempt back.
const (
	limitWindow      = 15 * time.Minute
	signinPerAddress = 5
	signinPerIP      = 30
)

// budget is a limiter key and the attempts it may have within the window.
type budget struct {
	key string
	max int
}

// limiter counts sign-in attempts per key within a window. An attempt is
// counted (reserved) before its password is checked, so parallel attempts
// cannot all pass the check before any failure is recorded; one that turns
// out not to be a failure is released.
type limiter struct {
	mu       sync.Mutex
	window   time.Duration
	attempts map[string][]time.Time
	reserved int // attempts reserved, for the occasional sweep
}

func newLimiter(window time.Duration) *limiter {
	return &limiter{window: window, attempts: map[string][]time.Time{}}
}

func (l *limiter) recent(key string, now time.Time) []time.Time {
	f := l.attempts[key]
	for len(f) > 0 && now.Sub(f[0]) > l.window {
		f = f[1:]
	}
	if len(f) == 0 {
		delete(l.attempts, key) // no entry for a key with no recent attempt
		return nil
	}
	l.attempts[key] = f
	return f
}

// reserve counts an attempt at now against every budget, or, when one of
// them is spent, counts nothing and reports false.
func (l *limiter) reserve(now time.Time, budgets ...budget) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, b := range budgets {
		if len(l.recent(b.key, now)) >= b.max {
			return false
		}
	}
	for _, b := range budgets {
		l.attempts[b.key] = append(l.attempts[b.key], now)
	}
	// Keys tried once and never again (random addresses) are swept now and
	// then, so the map holds only the last window's attempts.
	if l.reserved++; l.reserved%1024 == 0 {
		for k := range l.attempts {
			l.recent(k, now)
		}
	}
	return true
}

// release gives back the attempt reserved at `at` under each key.
func (l *limiter) release(at time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, key := range keys {
		f := l.attempts[key]
		if i := slices.Index(f, at); i >= 0 {
			f = slices.Delete(f, i, i+1)
		}
		if len(f) == 0 {
			delete(l.attempts, key)
		} else {
			l.attempts[key] = f
		}
	}
}

// reset forgets a key's attempts.
func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.attempts, key)
}
