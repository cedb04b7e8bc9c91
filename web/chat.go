package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Chat, the inbox: the conversations by their latest message, and one
// conversation with the friend's messages, our replies, a reply form and
// the same friend-tag panel as the friend page (the tags are the same
// tags: adding one here changes the segments that test it).

// Chat page sizes.
const (
	chatPageSize      = 50  // conversations a page of the list shows
	chatMessagesShown = 200 // latest messages a conversation shows
)

// chatData is what Chat's pages show beyond the page's common fields.
type chatData struct {
	// The list, and the cursor of its next page ("" on the last).
	Rows []chatRow
	Next string
	// A conversation: whom with, their messages oldest first, the reply
	// being written (kept when it was refused), and why no reply can be
	// sent from here ("": the form is offered).
	LineUserID, Name string
	Status           string // following, blocked, or "" (not a friend)
	Messages         []chatBubble
	Reply            string
	NoReply          string
	NoReplyLink      bool // NoReply is fixed in Settings: link there
}

// chatRow is one conversation of the list.
type chatRow struct {
	LineUserID, Name string
	Named            bool   // Name is the friend's, not the LINE user ID
	Status           string // following, blocked, or "" (not a friend)
	Ours             bool   // the last message is our reply
	Text, When       string
}

// chatBubble is one message of a conversation.
type chatBubble struct {
	Ours           bool
	Text, When, By string
	Kind           string // what a message that is not text is ("Image", 「画像」), else ""
}

// chatURL is the account's Chat; conversationURL, one conversation in it.
func chatURL(a *kizuna.Account) string { return "/a/" + url.PathEscape(a.Name) + "/chat" }

func conversationURL(a *kizuna.Account, lineUserID string) string {
	return chatURL(a) + "/" + url.PathEscape(lineUserID)
}

// chatTime writes a message's time in the account's zone.
func chatTime(a *kizuna.Account, at time.Time) string {
	return at.In(a.Location()).Format("2006-01-02 15:04")
}

// chatKind names a message that is not text; "" for text.
func chatKind(lang, typ string) string {
	if typ == "text" {
		return ""
	}
	if _, ok := lookup("chat.kind." + typ); ok {
		return t(lang, "chat.kind."+typ)
	}
	return t(lang, "chat.kind.other")
}

// chat lists the conversations, the latest first, a page at a time: the
// friend's name (or LINE user ID), whether they blocked the account, and
// the last message, shortened, with its time.
func (s *Server) chat(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	lang := s.lang(r, ss.user)
	var before time.Time
	if us, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && us > 0 {
		before = time.UnixMicro(us)
	}
	convs, err := s.Store.Conversations(r.Context(), a, chatPageSize, before)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data := &chatData{}
	for _, c := range convs {
		row := chatRow{LineUserID: c.LineUserID, Name: c.DisplayName, Named: c.DisplayName != "", Status: c.Status, Ours: c.Last.Direction == kizuna.ChatOut,
			Text: short(strings.Join(strings.Fields(c.Last.Text), " "), 60), When: chatTime(a, c.Last.At)}
		if !row.Named {
			row.Name = c.LineUserID
		}
		if k := chatKind(lang, c.Last.Type); k != "" {
			row.Text = k
		}
		data.Rows = append(data.Rows, row)
	}
	if len(convs) == chatPageSize {
		data.Next = strconv.FormatInt(convs[len(convs)-1].Last.At.UnixMicro(), 10)
	}
	s.render(w, r, http.StatusOK, "chat", &page{Lang: lang, Title: t(lang, "nav.chat"), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts,
		AccountName: a.Name, Chat: data})
}

// conversation shows one conversation.
func (s *Server) conversation(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	s.conversationPage(w, r, ss, a, http.StatusOK, &page{})
}

// conversationWithSimilar shows the conversation asking about a tag being
// added that equals an existing one after normalization (the friend-tag
// panel's question, as on the friend page).
func (s *Server) conversationWithSimilar(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, similar *similarTag) {
	s.conversationPage(w, r, ss, a, status, &page{Similar: similar})
}

// conversationPage fills p with the conversation of the path's LINE user
// and shows it. Someone who wrote but is not a friend (no follow seen) has
// a conversation without tags or replies; a LINE user ID with neither
// friend nor message is not found, as is another account's friend.
func (s *Server) conversationPage(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, p *page) {
	id := r.PathValue("id")
	if !kizuna.ValidLineUserID(id) {
		s.notFound(w, r, ss)
		return
	}
	ctx := r.Context()
	fr, err := s.Store.FindFriend(ctx, a, id)
	if err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		s.fail(w, r, err)
		return
	}
	msgs, err := s.Store.ChatMessages(ctx, a, id, chatMessagesShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if fr == nil && len(msgs) == 0 {
		s.notFound(w, r, ss)
		return
	}
	lang := s.lang(r, ss.user)
	data := p.Chat
	if data == nil {
		data = &chatData{}
	}
	data.LineUserID, data.Name = id, id
	if fr != nil {
		data.Status = fr.Status
		if fr.DisplayName != "" {
			data.Name = fr.DisplayName
		}
		if p.Tags, err = s.Store.Tags(ctx, a); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, m := range msgs {
		b := chatBubble{Ours: m.Direction == kizuna.ChatOut, Text: m.Text, When: chatTime(a, m.At), Kind: chatKind(lang, m.Type)}
		if b.Ours {
			b.By = m.SentBy
		}
		data.Messages = append(data.Messages, b)
	}
	data.NoReply, data.NoReplyLink = s.whyNoReply(r, a, fr, lang)
	p.Lang, p.Title, p.User, p.CSRF, p.Accounts, p.AccountName = lang, data.Name, ss.user, ss.csrf, ss.accounts, a.Name
	p.Path, p.Friend, p.Chat = conversationURL(a, id), fr, data
	s.render(w, r, status, "conversation", p)
}

// whyNoReply says why a reply cannot be sent to fr from this page, in
// lang, and whether Settings is where to fix it; "" when one can.
func (s *Server) whyNoReply(r *http.Request, a *kizuna.Account, fr *kizuna.Friend, lang string) (string, bool) {
	switch {
	case s.Line == nil:
		return t(lang, "line.unavailable"), false
	case fr == nil:
		return t(lang, "chat.notfriend"), false
	case fr.Status != kizuna.StatusFollowing:
		return t(lang, "chat.blocked"), false
	}
	if _, err := s.Store.LineChannel(r.Context(), a); kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		return t(lang, "chat.nochannel"), true
	}
	return "", false
}

// reply sends a text reply to the friend through LINE (a push) and shows
// the conversation again (Post/Redirect/Get). A refusal (an empty or too
// long text, a friend who blocked the account, no channel, LINE's refusal)
// is shown at the form, which keeps the text.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	id := r.PathValue("id")
	lang := s.lang(r, ss.user)
	text := r.PostFormValue("text")
	refused := func(status int, msg string) {
		s.conversationPage(w, r, ss, a, status, &page{Error: msg, ErrorAt: atReply, Chat: &chatData{Reply: text}})
	}
	if s.Line == nil {
		refused(http.StatusServiceUnavailable, t(lang, "line.unavailable"))
		return
	}
	if strings.TrimSpace(text) == "" {
		refused(http.StatusBadRequest, t(lang, "chat.empty"))
		return
	}
	_, err := s.Line.Reply(r.Context(), a, ss.user.Email, id, text)
	if err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			s.notFound(w, r, ss)
			return
		}
		if status, ok := refusalStatus(err); ok {
			refused(status, s.refusal(r, ss, err))
			return
		}
		s.fail(w, r, err)
		return
	}
	s.notice(w, r, ss, t(lang, "chat.sent"))
	http.Redirect(w, r, conversationURL(a, id), http.StatusSeeOther)
}

// refusalStatus is the status of a page that shows a refusal of err, for
// the errors a person can meet with LINE; ok false for any other (a
// failure).
func refusalStatus(err error) (status int, ok bool) {
	switch kizuna.ErrorCode(err) {
	case kizuna.EINVALID, kizuna.EUNAUTHORIZED:
		return http.StatusBadRequest, true
	case kizuna.ECONFLICT:
		return http.StatusConflict, true
	case kizuna.EFORBIDDEN:
		return http.StatusForbidden, true
	case kizuna.EUPSTREAM:
		return http.StatusBadGateway, true
	case kizuna.EUNAVAILABLE:
		return http.StatusServiceUnavailable, true
	}
	return 0, false
}

// atReply is the place of a refusal at Chat's reply form.
const atReply = "reply"
