package web

import (
	"net/http"

	"github.com/kizuna-line/kizuna"
)

// The settings page's members (owners invite, change roles and remove;
// everyone sees who is in the account) and the user's own password.

// inviteMember invites an e-mail address; the invitation's link is shown
// once, on the page this POST answers, the same whether or not the address
// has a user. The person becomes a member by accepting it (invitations.go).
func (s *Server) inviteMember(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	inv, err := s.Store.InviteMember(r.Context(), a, r.PostFormValue("email"), r.PostFormValue("role"))
	if err != nil {
		s.settingsRefusal(w, r, ss, a, err)
		return
	}
	s.renderSettings(w, r, ss, a, http.StatusOK, &page{Invited: inv, InviteURL: inviteURL(r, inv.Token)})
}

// setMemberRole changes a member's role; the last owner stays an owner.
func (s *Server) setMemberRole(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	if err := s.Store.SetMemberRole(r.Context(), a, id, r.PostFormValue("role")); err != nil {
		s.settingsRefusal(w, r, ss, a, err)
		return
	}
	s.notice(w, r, ss, t(s.lang(r, ss.user), "done.member.role"))
	if id == ss.user.ID { // an owner who made themselves a member no longer manages this page
		http.Redirect(w, r, listURL(a), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}

// removeMember takes a member out of the account; the last owner stays.
func (s *Server) removeMember(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.isOwner(w, r, ss, a) {
		return
	}
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return
	}
	if err := s.Store.RemoveMember(r.Context(), a, id); err != nil {
		s.settingsRefusal(w, r, ss, a, err)
		return
	}
	s.notice(w, r, ss, t(s.lang(r, ss.user), "done.member.removed"))
	if id == ss.user.ID { // left the account: back to the accounts still theirs
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}

// changePassword sets the user's password after checking the current one;
// the user's other sessions end, this one stays.
func (s *Server) changePassword(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	keep := ""
	if c, err := r.Cookie(sessionCookie); err == nil {
		keep = c.Value
	}
	lang := s.lang(r, ss.user)
	err := s.Users.ChangePassword(r.Context(), ss.user, r.PostFormValue("current"), r.PostFormValue("new"), keep)
	switch kizuna.ErrorCode(err) {
	case "":
		s.notice(w, r, ss, t(lang, "password.changed"))
	case kizuna.EUNAUTHORIZED:
		s.refuse(w, r, ss, atPassword, t(lang, "password.wrong"))
	case kizuna.EINVALID:
		s.refuse(w, r, ss, atPassword, t(lang, "password.short"))
	case kizuna.EUNAVAILABLE:
		s.refuse(w, r, ss, atPassword, t(lang, "busy"))
	default:
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
}

// settingsRefusal goes back to the settings page with the store's refusal
// (Post/Redirect/Get: a reload does not send the form again), or answers
// "not found" (another account's member) or fails.
func (s *Server) settingsRefusal(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, err error) {
	switch kizuna.ErrorCode(err) {
	case kizuna.EINVALID, kizuna.ECONFLICT:
		s.refuse(w, r, ss, atMembers, s.refusal(r, ss, err))
		http.Redirect(w, r, settingsURL(a), http.StatusSeeOther)
	default:
		s.failOrNotFound(w, r, ss, err)
	}
}
