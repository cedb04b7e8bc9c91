package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/lineops"
)

// The account's LINE channel, its follower sync, test sends and Chat. The
// channel's secret and access token go in through PUT line/channel and
// never come out: no answer carries them, and the request log has no body.
func (s *Server) lineRoutes(mux *http.ServeMux) {
	mux.Handle("PUT /api/v1/accounts/{account}/line/channel", s.account(s.connectLine))
	mux.Handle("GET /api/v1/accounts/{account}/line/channel", s.account(s.lineChannel))
	mux.Handle("DELETE /api/v1/accounts/{account}/line/channel", s.account(s.disconnectLine))
	mux.Handle("POST /api/v1/accounts/{account}/line/sync", s.account(s.startLineSync))
	mux.Handle("GET /api/v1/accounts/{account}/line/sync", s.account(s.latestLineSync))
	mux.Handle("POST /api/v1/accounts/{account}/line/test", s.account(s.testSend))
	mux.Handle("GET /api/v1/accounts/{account}/chat", s.account(s.conversations))
	mux.Handle("GET /api/v1/accounts/{account}/chat/{line_user_id}", s.account(s.chatMessages))
	mux.Handle("POST /api/v1/accounts/{account}/chat/{line_user_id}", s.account(s.chatReply))
}

// line returns the LINE service, or EUNAVAILABLE (503) when this server
// has none: the routes that call LINE need it, the ones that only read the
// store do not.
func (s *Server) line() (*lineops.Service, error) {
	if s.Line == nil {
		return nil, kizuna.Errorf(kizuna.EUNAVAILABLE, "LINE is not available on this server")
	}
	return s.Line, nil
}

// channelAnswer is a connected channel as the API shows it: never its
// secrets, which LineChannel does not hold; with the webhook URL when the
// server knows its public address.
type channelAnswer struct {
	*kizuna.LineChannel
	WebhookPath string `json:"webhook_path"`
	WebhookURL  string `json:"webhook_url,omitempty"`
}

func (s *Server) channelAnswer(a *kizuna.Account, ch *kizuna.LineChannel) channelAnswer {
	out := channelAnswer{LineChannel: ch, WebhookPath: "/line/webhook/" + url.PathEscape(a.Name)}
	if s.Line != nil {
		out.WebhookURL = s.Line.WebhookURL(a)
	}
	return out
}

// connectLine connects the account's channel:
// {"channel_secret", "access_token", "api_base"?}. LINE is asked once to
// check the token; the answer is the channel, without its secrets.
func (s *Server) connectLine(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "channel_secret", "access_token", "api_base")
	if err != nil {
		return err
	}
	secret, err := requiredString(obj, "channel_secret", "send the channel's \"channel_secret\"")
	if err != nil {
		return err
	}
	token, err := requiredString(obj, "access_token", "send the channel's \"access_token\"")
	if err != nil {
		return err
	}
	base, err := stringField(obj, "api_base")
	if err != nil {
		return err
	}
	if base == nil {
		base = new(string) // Connect takes "" as LINE's own API
	}
	l, err := s.line()
	if err != nil {
		return err
	}
	ch, err := l.Connect(r.Context(), a, apiActor, *base, *secret, *token)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, s.channelAnswer(a, ch))
	return nil
}

func (s *Server) lineChannel(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ch, err := s.Store.LineChannel(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, s.channelAnswer(a, ch))
	return nil
}

// disconnectLine forgets the channel and its secrets; friends, Chat and
// broadcasts stay (broadcasts cannot be sent until a channel is connected
// again).
func (s *Server) disconnectLine(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	if err := s.Store.DisconnectLine(r.Context(), a); err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]bool{"disconnected": true})
	return nil
}

// startLineSync begins a follower sync in the background: 202 with the
// sync, whose progress GET line/sync shows.
func (s *Server) startLineSync(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	l, err := s.line()
	if err != nil {
		return err
	}
	ls, err := l.StartSync(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusAccepted, ls)
	return nil
}

func (s *Server) latestLineSync(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	ls, err := s.Store.LatestLineSync(r.Context(), a)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, ls)
	return nil
}

// testSend pushes messages to a few friends: {"to": [ids], "messages": [...]}
// → {"sent": N}.
func (s *Server) testSend(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "to", "messages")
	if err != nil {
		return err
	}
	var to []string
	if raw, ok := obj["to"]; !ok || isNull(raw) || json.Unmarshal(raw, &to) != nil {
		return kizuna.ErrorAt(kizuna.EINVALID, "to", "\"to\" must be an array of the LINE user IDs to send the test to")
	}
	msgs, err := messagesField(obj)
	if err != nil {
		return err
	}
	l, err := s.line()
	if err != nil {
		return err
	}
	n, err := l.TestSend(r.Context(), a, to, msgs)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]int{"sent": n})
	return nil
}

// Chat page sizes: the store's own bounds.
const (
	maxConversations = 200
	maxChatMessages  = 500
)

// chatLimit reads ?limit=, 1 to max; absent is max.
func chatLimit(v url.Values, max int) (int, error) {
	l := v.Get("limit")
	if l == "" {
		return max, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n <= 0 || n > max {
		return 0, kizuna.ErrorAt(kizuna.EINVALID, "limit", "limit must be a number from 1 to %d", max)
	}
	return n, nil
}

// conversations lists Chat's conversations, latest message first:
// ?limit= (1 to 200) and ?before= (an RFC 3339 time: the "next" of the
// previous page).
func (s *Server) conversations(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	v := r.URL.Query()
	limit, err := chatLimit(v, maxConversations)
	if err != nil {
		return err
	}
	var before time.Time
	if b := v.Get("before"); b != "" {
		if before, err = time.Parse(time.RFC3339Nano, b); err != nil {
			return kizuna.ErrorAt(kizuna.EINVALID, "before", "before must be an RFC 3339 time, such as the \"next\" of the previous page")
		}
	}
	convs, err := s.Store.Conversations(r.Context(), a, limit, before)
	if err != nil {
		return err
	}
	if convs == nil {
		convs = []kizuna.Conversation{}
	}
	out := map[string]any{"conversations": convs}
	if len(convs) == limit {
		out["next"] = convs[len(convs)-1].Last.At.UTC().Format(time.RFC3339Nano)
	}
	s.respond(w, r, http.StatusOK, out)
	return nil
}

// chatMessages returns a conversation's latest messages, oldest first
// (?limit=, 1 to 500).
func (s *Server) chatMessages(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	limit, err := chatLimit(r.URL.Query(), maxChatMessages)
	if err != nil {
		return err
	}
	id := r.PathValue("line_user_id")
	msgs, err := s.Store.ChatMessages(r.Context(), a, id, limit)
	if err != nil {
		return err
	}
	if msgs == nil {
		msgs = []kizuna.ChatMessage{}
	}
	s.respond(w, r, http.StatusOK, map[string]any{"line_user_id": id, "messages": msgs})
	return nil
}

// chatReply sends a text reply to a friend from Chat: {"text"} → 201 with
// the message as Chat records it.
func (s *Server) chatReply(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "text")
	if err != nil {
		return err
	}
	text, err := requiredString(obj, "text", "send the reply's \"text\"")
	if err != nil {
		return err
	}
	l, err := s.line()
	if err != nil {
		return err
	}
	m, err := l.Reply(r.Context(), a, apiActor, r.PathValue("line_user_id"), *text)
	var ke *kizuna.Error
	if errors.As(err, &ke) && strings.HasPrefix(ke.Path, "messages") {
		ke.Path = "text" // the reply is one text message: its problem is the text's
	}
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, m)
	return nil
}
