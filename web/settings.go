package web

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/kizuna-line/kizuna"
)

// The settings page: the account's API tokens (owners only) and the user's
// language.

// tokenRow is an API token as the settings page lists it (never the token).
type tokenRow struct {
	ID      int64
	Created string
}

// settingsURL is the account's settings page.
func settingsURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/settings"
}

// role returns the user's role in the account named name, or "".
func (ss *session) role(name string) string {
	for _, m := range ss.accounts {
		if m.Account.Name == name {
			return m.Role
		}
	}
	return ""
}

// settings shows the settings page: the language for everyone; API
// tokens for owners (a member reads that only owners manage them, and
// gets 403 from the token forms).
func (s *Server) settings(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.settingsPage(w, r, ss, a, http.StatusOK, "")
}

func (s *Server) settingsPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, newToken string) {
	s.renderSettings(w, r, ss, a, status, &page{NewToken: newToken})
}

// renderSettings fills p with the settings page's data and shows it:
// members for everyone, API tokens for owners.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, p *page) {
	lang := s.lang(r, ss.user)
	p.Lang, p.Title, p.User, p.CSRF, p.Accounts, p.AccountName, p.Path = lang, t(lang, "nav.settings"), ss.user, ss.csrf, ss.accounts, a.Name, settingsURL(a)
	members, err := s.Store.Members(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.AccountMembers = members
	if err := s.fillLineSettings(r, a, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.fillSourcesSettings(r, a, p); err != nil {
		s.fail(w, r, err)
		return
	}
	if ss.role(a.Name) == kizuna.RoleOwner {
		tokens, err := s.Store.Tokens(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		invs, err := s.Store.Invitations(r.Context(), a)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, inv := range invs {
			p.Invitations = append(p.Invitations, invitationRow{ID: inv.ID, Email: inv.Email, Role: inv.Role, Expires: inv.ExpiresAt.In(a.Location()).Format("2006-01-02 15:04")})
		}
		p.IsOwner = true
		for _, tk := range tokens {
			p.Tokens = append(p.Tokens, tokenRow{ID: tk.ID, Created: tk.CreatedAt.In(a.Location()).Format("2006-01-02 15:04")})
		}
	}
	s.render(w, r, status, "settings", p)
}

// isOwner reports whether the user owns the account; a member gets the
// settings page with 403.
func (s *Server) isOwner(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) bool {
	if ss.role(a.Name) != kizuna.RoleOwner {
		s.settingsPage(w, r, ss, a, http.StatusForbidden, "")
		return false
	}
	return true
}

// createToken makes an API token and shows it once, on the page this POST
// answers (never in a URL, a redirect or a cookie).
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	token, err := s.Store.CreateToken(r.Context(), a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.settingsPage(w, r, ss, a, http.StatusOK, token)
}

// revokeToken deletes one of the account's API tokens.
func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	if err := s.Store.RevokeToken(r.Context(), a, id); err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	s.notice(w, r, ss, fmt.Sprintf(t(s.lang(r, ss.user), "done.token.revoked"), id))
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}

// saveLang saves the user's language ("en", "ja", or "" for the
// browser's), and sets this browser's language cookie to match (or clears
// it, for the browser's).
func (s *Server) saveLang(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	lang := r.PostFormValue("lang")
	if err := s.Users.SetUserLang(r.Context(), ss.user, lang); err != nil {
		if kizuna.ErrorCode(err) == kizuna.EINVALID {
			s.refuse(w, r, ss, atLang, s.refusal(r, ss, err))
			http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
			return
		}
		s.fail(w, r, err)
		return
	}
	if lang == "" {
		s.setCookie(w, r, langCookie, "", -1)
	} else {
		s.setCookie(w, r, langCookie, lang, 365*24*3600)
	}
	shown := lang
	if shown == "" {
		shown = s.lang(&http.Request{Header: http.Header{"Accept-Language": r.Header.Values("Accept-Language")}}, nil) // the browser's
	}
	s.notice(w, r, ss, t(shown, "done.lang.saved"))
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}
