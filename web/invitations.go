package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Invitations: an owner invites an e-mail address (members.go); the link
// goes to /invite/{token}, where the person of that address accepts,
// signed in as that address, or with its password, or (a new address) by
// choosing a password. Nobody becomes a member before accepting.

// invitationRow is a pending invitation as the settings page lists it.
type invitationRow struct {
	ID                   int64
	Email, Role, Expires string
}

// inviteURL is the invitation's link on this site, for the owner to hand
// over.
func inviteURL(r *http.Request, token string) string {
	scheme := "http"
	if secure(r) {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/invite/" + url.PathEscape(token)
}

// revokeInvitation withdraws a pending invitation; its link stops working,
// and the settings page says so.
func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	if err := s.Store.RevokeInvitation(r.Context(), a, id); err != nil {
		s.settingsRefusal(w, r, ss, a, err)
		return
	}
	s.notice(w, r, ss, t(s.lang(r, ss.user), "done.invite.revoked"))
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}

// currentUser returns the signed-in user and the session's CSRF token, or
// nil.
func (s *Server) currentUser(r *http.Request) (*kizuna.User, string) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if u, csrf, err := s.Users.Session(r.Context(), c.Value); err == nil {
			return u, csrf
		}
	}
	return nil, ""
}

// invitePage shows an invitation's offer: to its address's user signed
// in, an Accept button; to someone else signed in, whom it is for; to
// anyone not signed in, a password field (the address's password, or a
// new one for a new address).
func (s *Server) invitePage(w http.ResponseWriter, r *http.Request) {
	u, csrf := s.currentUser(r)
	s.renderInvite(w, r, http.StatusOK, u, csrf, "")
}

func (s *Server) renderInvite(w http.ResponseWriter, r *http.Request, status int, u *kizuna.User, csrf, errMsg string) {
	lang := s.lang(r, u)
	offer, err := s.Users.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			s.render(w, r, http.StatusNotFound, "message", &page{User: u, CSRF: csrf, Title: t(lang, "invite.title"), Message: t(lang, "invite.invalid")})
			return
		}
		s.fail(w, r, err)
		return
	}
	if u == nil { // the form's CSRF token before sign-in, as on the sign-in page
		csrf = randomToken()
		s.setCookie(w, r, csrfCookie, csrf, 3600)
	}
	s.render(w, r, status, "invite", &page{Lang: lang, Title: t(lang, "invite.title"), User: u, CSRF: csrf, Offer: offer, Error: errMsg,
		Path: "/invite/" + url.PathEscape(r.PathValue("token"))})
}

// acceptInvite accepts an invitation: as the signed-in user (the session's
// CSRF token), or with a password before sign-in (the form's CSRF token,
// and the sign-in limits: the password is checked like a sign-in's).
func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	u, csrf := s.currentUser(r)
	lang := s.lang(r, u)
	if u != nil {
		if !sameToken(r.PostFormValue("csrf"), csrf) {
			s.render(w, r, http.StatusForbidden, "message", &page{User: u, CSRF: csrf, Message: t(lang, "csrf")})
			return
		}
		offer, err := s.Users.Invitation(r.Context(), token)
		if err == nil {
			err = s.Users.AcceptInvitation(r.Context(), token, u)
		}
		switch kizuna.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/a/"+url.PathEscape(offer.AccountName)+"/segments", http.StatusSeeOther)
		case kizuna.EUNAUTHORIZED: // signed in as another address
			s.renderInvite(w, r, http.StatusForbidden, u, csrf, "")
		default:
			s.renderInviteError(w, r, u, csrf, err)
		}
		return
	}
	if c, err := r.Cookie(csrfCookie); err != nil || !sameToken(r.PostFormValue("csrf"), c.Value) {
		s.render(w, r, http.StatusForbidden, "message", &page{Message: t(lang, "csrf")})
		return
	}
	offer, err := s.Users.Invitation(r.Context(), token)
	if err != nil {
		s.renderInviteError(w, r, nil, "", err)
		return
	}
	now, ip := time.Now(), clientIP(r)
	addrKey, ipKey := "addr:"+strings.ToLower(offer.Email)+"|"+ip, "ip:"+ip
	if !s.limiter.reserve(now, budget{addrKey, signinPerAddress}, budget{ipKey, signinPerIP}) {
		w.Header().Set("Retry-After", "900")
		s.renderInvite(w, r, http.StatusTooManyRequests, nil, "", t(lang, "signin.throttled"))
		return
	}
	nu, err := s.Users.AcceptInvitationWithPassword(r.Context(), token, r.PostFormValue("password"))
	switch kizuna.ErrorCode(err) {
	case "":
		s.limiter.reset(addrKey)
		s.limiter.release(now, ipKey)
	case kizuna.EUNAUTHORIZED:
		s.renderInvite(w, r, http.StatusUnauthorized, nil, "", t(lang, "invite.wrong"))
		return
	default:
		s.limiter.release(now, addrKey, ipKey)
		s.renderInviteError(w, r, nil, "", err)
		return
	}
	session, _, err := s.Users.CreateSession(r.Context(), nu)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.setCookie(w, r, sessionCookie, session, 0)
	s.setCookie(w, r, csrfCookie, "", -1)
	http.Redirect(w, r, "/a/"+url.PathEscape(offer.AccountName)+"/segments", http.StatusSeeOther)
}

// renderInviteError answers a refused acceptance: the link no longer
// valid, a short new password, the server busy, or a failure.
func (s *Server) renderInviteError(w http.ResponseWriter, r *http.Request, u *kizuna.User, csrf string, err error) {
	lang := s.lang(r, u)
	switch kizuna.ErrorCode(err) {
	case kizuna.ENOTFOUND:
		s.render(w, r, http.StatusNotFound, "message", &page{User: u, CSRF: csrf, Title: t(lang, "invite.title"), Message: t(lang, "invite.invalid")})
	case kizuna.EINVALID:
		s.renderInvite(w, r, http.StatusBadRequest, u, csrf, t(lang, "password.short"))
	case kizuna.EUNAVAILABLE:
		w.Header().Set("Retry-After", "5")
		s.renderInvite(w, r, http.StatusServiceUnavailable, u, csrf, t(lang, "busy"))
	default:
		s.fail(w, r, err)
	}
}
