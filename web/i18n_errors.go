package web

import (
	"net/http"

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
