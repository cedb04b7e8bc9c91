package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// A flash is a one-time message for the next page: a POST handler sets it
// (what was done, or why it was refused) and redirects; the GET page it
// lands on shows it once and clears it. It travels in a short-lived cookie
// signed with the session's CSRF token (a secret of the session), so a link
// cannot put words on a page (the query-parameter notices could), and a
// flash made for another session does not verify.

const (
	flashCookie = "kizuna_flash"
	flashTTL    = time.Minute
	// maxFlashText bounds the cookie (browsers keep about 4 kB a cookie);
	// longer text is cut at a character boundary.
	maxFlashText = 1500
)

// flash is the message a page shows once.
type flash struct {
	Error bool   `json:"e,omitempty"`
	Text  string `json:"t"`
	At    string `json:"a,omitempty"` // a refusal's place on the page (atTop, atNewTag, ...)
	Until int64  `json:"u"`           // Unix seconds
}

func flashMAC(csrf, payload string) string {
	m := hmac.New(sha256.New, []byte("kizuna flash\x00"+csrf))
	m.Write([]byte(payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// setFlash keeps text for the session's next page: a notice, or a refusal
// when isErr.
func (s *Server) setFlash(w http.ResponseWriter, r *http.Request, ss *session, isErr bool, text, at string) {
	if len(text) > maxFlashText {
		cut := maxFlashText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut] + "…"
	}
	b, _ := json.Marshal(flash{Error: isErr, Text: text, At: at, Until: s.Now().Add(flashTTL).Unix()})
	payload := base64.RawURLEncoding.EncodeToString(b)
	s.setCookie(w, r, flashCookie, payload+"."+flashMAC(ss.csrf, payload), int(flashTTL/time.Second))
}

// Places where a page shows a refusal (page.ErrorAt): under the form it
// concerns. The handler that refuses names it; atTop is the top of the page.
const (
	atTop      = ""
	atName     = "name"      // the editor's name
	atNewTag   = "new-tag"   // the tags page's "create"
	atApplyTag = "apply-tag" // the tags page's "give a tag to every member"
	atAddTag   = "add-tag"   // a friend's "Add tag"
	atMembers  = "members"   // the settings page's members
	atPassword = "password"  // the settings page's password
	atLang     = "lang"      // the settings page's language
)

// atTagRow is the place of a tag's row on the tags page, for its rename
// ("rename") or delete ("delete") form.
func atTagRow(form, tag string) string { return form + ":" + tag }

// notice keeps a notice for the next page.
func (s *Server) notice(w http.ResponseWriter, r *http.Request, ss *session, text string) {
	s.setFlash(w, r, ss, false, text, atTop)
}

// refuse keeps a refusal for the next page, to be shown at (one of the
// places above) when that page has it, else at the top. Store errors are
// said with s.refusal, in the user's language.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, ss *session, at, text string) {
	s.setFlash(w, r, ss, true, text, at)
}

// takeFlash returns the flash the request carries for the session whose
// CSRF token is csrf, and clears the cookie; nil when there is none, or it
// does not verify, or it is too old.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request, csrf string) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	s.setCookie(w, r, flashCookie, "", -1)
	payload, mac, ok := strings.Cut(c.Value, ".")
	if !ok || csrf == "" || !hmac.Equal([]byte(mac), []byte(flashMAC(csrf, payload))) {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Text == "" || s.Now().Unix() > f.Until {
		return nil
	}
	return &f
}

// short returns a name cut to n characters with "…", for messages that
// quote a name a person typed (which may be long).
func short(name string, n int) string {
	if utf8.RuneCountInString(name) <= n {
		return name
	}
	r := []rune(name)
	return string(r[:n]) + "…"
}

// placeable reports whether the page name, about to show p, has the place at
// for a refusal: a form of the tags or settings page, the
// row of a tag still listed, or a friend's "Add tag". Elsewhere the refusal
// stays at the top.
func placeable(name string, p *page, at string) bool {
	switch name {
	case "tags":
		if at == atNewTag || at == atApplyTag {
			return true
		}
		return slices.ContainsFunc(p.TagRows, func(row tagRow) bool {
			return at == atTagRow("rename", row.Name) || at == atTagRow("delete", row.Name)
		})
	case "friend":
		return at == atAddTag || at == atLink
	case "conversation":
		return at == atAddTag || at == atReply
	case "settings":
		return at == atMembers && p.IsOwner || at == atPassword || at == atLang || at == atLine && p.IsOwner || strings.HasPrefix(at, "source-") && p.IsOwner
	case "segments":
		for _, g := range p.Groups {
			if slices.ContainsFunc(g.Rows, func(row segmentRow) bool { return at == atSegmentRow(row.ID) }) {
				return true
			}
		}
	}
	return false
}
