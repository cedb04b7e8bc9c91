package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// refusal is err's message in the language of the page: the Japanese of a
// refusal (kizuna.LocalMessage) for a Japanese page, its English otherwise.
// Pages and the editor's JSON calls show this; the JSON API keeps the
// English message.
func (s *Server) refusal(r *http.Request, ss *session, err error) string {
	var u *kizuna.User
	if ss != nil {
		u = ss.user
	}
	return kizuna.LocalMessage(err, s.lang(r, u))
}

// i18nMessages are the words of failures that the web pages say
// themselves, in English and Japanese.
var i18nMessages = map[string][2]string{
	"internal": {"Something went wrong on our side. Try again in a moment.", "サーバーで問題が発生しました。しばらくしてからもう一度お試しください。"},
}

// errorControl names where a page shows a refusal: under the form that was
// sent (on the tags page, in the row of the tag it concerns; on a friend's
// page, under "Add tag"), or, in the editor, under the name when the
// refusal concerns the name. "" shows it at the top of the page.
func errorControl(r *http.Request, err error) string {
	if r.Method != http.MethodPost {
		return ""
	}
	p := r.URL.Path
	switch {
	case strings.Contains(p, "/friends/") && strings.HasSuffix(p, "/tags"):
		if r.PostForm.Has("add") {
			return "add-tag"
		}
		return ""
	case strings.HasSuffix(p, "/tags"):
		return "new-tag"
	case strings.HasSuffix(p, "/tags/rename"):
		return "rename:" + r.PostFormValue("from")
	case strings.HasSuffix(p, "/tags/delete"):
		return "delete:" + r.PostFormValue("name")
	case strings.HasSuffix(p, "/tags/apply"):
		return "apply-tag"
	case strings.Contains(p, "/settings/members"):
		return "members"
	case strings.HasSuffix(p, "/settings/password"):
		return "password"
	case strings.HasSuffix(p, "/settings/lang"):
		return "lang"
	}
	var e *kizuna.Error
	if errors.As(err, &e) && e.Path == "name" {
		return "name"
	}
	return ""
}
