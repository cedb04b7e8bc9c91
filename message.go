package kizuna

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Message types Kizuna sends.
const (
	MessageText    = "text"
	MessageImage   = "image"
	MessageSticker = "sticker"
)

// MaxTextLength is the longest text message, in UTF-16 code units as LINE
// counts them (TextLength).
const MaxTextLength = 5000

// MaxImageURL is the longest image URL LINE takes, in characters.
const MaxImageURL = 2000

// messageKeys are the keys of a message object and the type each belongs
// to ("" for every type).
var messageKeys = map[string]string{
	"type":               "",
	"text":               MessageText,
	"originalContentUrl": MessageImage,
	"previewImageUrl":    MessageImage,
	"packageId":          MessageSticker,
	"stickerId":          MessageSticker,
}

// TextLength returns the length of s as LINE counts it against
// MaxTextLength: UTF-16 code units, so that a character outside the Basic
// Multilingual Plane (an emoji such as 🍎) counts 2.
func TextLength(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// ParseMessages decodes and validates a broadcast's messages (a JSON array
// of LINE message objects) as LINE would, each error at its path
// ("messages[1].text"). It is strict: a key that is not a message field,
// a key written twice, a field of another type (text on an image) or a
// field that is not a string is refused at its path.
func ParseMessages(raw []byte) ([]Message, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, ErrorAt(EINVALID, "messages", "the messages are not valid JSON (at byte %d)", syn.Offset)
		}
		return nil, ErrorAt(EINVALID, "messages", "the messages must be a JSON array of message objects")
	}
	if err := checkMessageCount(len(items)); err != nil {
		return nil, err
	}
	ms := make([]Message, len(items))
	for i, item := range items {
		m, has, err := decodeMessage(i, item)
		if err != nil {
			return nil, err
		}
		if err := validateMessage(i, m, has); err != nil {
			return nil, err
		}
		ms[i] = m
	}
	return ms, nil
}

// decodeMessage decodes the message object item (messages[i]) strictly,
// and returns which keys it holds.
func decodeMessage(i int, item json.RawMessage) (Message, map[string]bool, error) {
	at := fmt.Sprintf("messages[%d]", i)
	var m Message
	if t := bytes.TrimSpace(item); len(t) == 0 || t[0] != '{' {
		return m, nil, ErrorAt(EINVALID, at, "each message must be a JSON object with a \"type\"")
	}
	if err := CheckDuplicateKeys(EINVALID, item); err != nil {
		var e *Error
		if errors.As(err, &e) {
			if strings.HasPrefix(e.Path, "[") {
				e.Path = at + e.Path
			} else {
				e.Path = at + "." + e.Path
			}
		}
		return m, nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item, &fields); err != nil {
		return m, nil, ErrorAt(EINVALID, at, "each message must be a JSON object with a \"type\"")
	}
	// Keys are checked in the document's order, so that the first wrong
	// one is named; encoding/json would also match "Text" to text.
	var bad error
	has := map[string]bool{}
	walkKeys(item, func(stack []keyFrame, k []byte) bool {
		if len(stack) != 1 {
			return false
		}
		key := string(k)
		if _, ok := messageKeys[key]; !ok {
			bad = ErrorAt(EINVALID, joinKey(at, key), "unknown key %q: a message has \"type\" and the fields of its type: \"text\"; \"originalContentUrl\" and \"previewImageUrl\"; or \"packageId\" and \"stickerId\"", key)
			return true
		}
		v := fields[key]
		var s string
		if bytes.Equal(bytes.TrimSpace(v), []byte("null")) || json.Unmarshal(v, &s) != nil {
			bad = ErrorAt(EINVALID, joinKey(at, key), "%s must be a string", key)
			return true
		}
		has[key] = true
		switch key {
		case "type":
			m.Type = s
		case "text":
			m.Text = s
		case "originalContentUrl":
			m.OriginalContentURL = s
		case "previewImageUrl":
			m.PreviewImageURL = s
		case "packageId":
			m.PackageID = s
		case "stickerId":
			m.StickerID = s
		}
		return false
	})
	return m, has, bad
}

// ValidateMessages checks messages as LINE would: 1 to MaxMessages, each
// valid for its type, each error at its path ("messages[0].text"). It
// returns the first problem.
func ValidateMessages(ms []Message) error {
	if err := checkMessageCount(len(ms)); err != nil {
		return err
	}
	for i, m := range ms {
		has := map[string]bool{
			"type":               m.Type != "",
			"text":               m.Text != "",
			"originalContentUrl": m.OriginalContentURL != "",
			"previewImageUrl":    m.PreviewImageURL != "",
			"packageId":          m.PackageID != "",
			"stickerId":          m.StickerID != "",
		}
		if err := validateMessage(i, m, has); err != nil {
			return err
		}
	}
	return nil
}

func checkMessageCount(n int) error {
	if n == 0 || n > MaxMessages {
		return ErrorAt(EINVALID, "messages", "a broadcast has 1 to %d messages; this one has %d", MaxMessages, n)
	}
	return nil
}

// validateMessage checks messages[i]; has says which of its keys were
// given (a field of another type is refused even when empty).
func validateMessage(i int, m Message, has map[string]bool) error {
	at := fmt.Sprintf("messages[%d]", i)
	switch m.Type {
	case "":
		return ErrorAt(EINVALID, at+".type", "each message needs a type: text, image or sticker")
	case MessageText, MessageImage, MessageSticker:
	default:
		return ErrorAt(EINVALID, at+".type", "the message type %q is not supported; a message is text, image or sticker", clip(m.Type, 30))
	}
	for _, key := range []string{"text", "originalContentUrl", "previewImageUrl", "packageId", "stickerId"} {
		if has[key] && messageKeys[key] != m.Type {
			return ErrorAt(EINVALID, at+"."+key, "a message of type %s has no %s field", m.Type, key)
		}
	}
	switch m.Type {
	case MessageText:
		return checkMessageText(at+".text", m.Text)
	case MessageImage:
		if err := checkImageURL(at+".originalContentUrl", "originalContentUrl", m.OriginalContentURL); err != nil {
			return err
		}
		return checkImageURL(at+".previewImageUrl", "previewImageUrl", m.PreviewImageURL)
	default:
		if err := checkStickerID(at+".packageId", "packageId", m.PackageID); err != nil {
			return err
		}
		return checkStickerID(at+".stickerId", "stickerId", m.StickerID)
	}
}

func checkMessageText(path, s string) error {
	if s == "" {
		return ErrorAt(EINVALID, path, "a text message needs its text")
	}
	if err := CheckText(EINVALID, path, "text", s); err != nil {
		return err
	}
	// LINE takes a text of spaces, but it shows an empty bubble: never
	// what a broadcast means to send.
	if strings.TrimSpace(s) == "" {
		return ErrorAt(EINVALID, path, "the text is only spaces")
	}
	if n := TextLength(s); n > MaxTextLength {
		return ErrorAt(EINVALID, path, "text is %s characters as LINE counts them (UTF-16); the limit is %s", thousands(n), thousands(MaxTextLength))
	}
	return nil
}

// checkImageURL checks an image message's URL field: an absolute https
// URL with a host, of at most MaxImageURL characters, without spaces (LINE
// wants them percent-encoded).
func checkImageURL(path, field, s string) error {
	if s == "" {
		return ErrorAt(EINVALID, path, "an image message needs %s", field)
	}
	if err := CheckText(EINVALID, path, field, s); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(s); n > MaxImageURL {
		return ErrorAt(EINVALID, path, "%s has at most %d characters; this one has %d", field, MaxImageURL, n)
	}
	if strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0 {
		return ErrorAt(EINVALID, path, "%s contains a space or a control character; percent-encode it", field)
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Opaque != "" {
		return ErrorAt(EINVALID, path, "%s must be an https:// URL (LINE fetches images over HTTPS only)", field)
	}
	if u.Hostname() == "" {
		return ErrorAt(EINVALID, path, "%s names no host", field)
	}
	return nil
}

// checkStickerID checks a sticker message's packageId or stickerId: LINE's
// IDs are decimal digits.
func checkStickerID(path, field, s string) error {
	if s == "" {
		return ErrorAt(EINVALID, path, "a sticker message needs %s", field)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return ErrorAt(EINVALID, path, "%s must be decimal digits, such as 446", field)
		}
	}
	return nil
}

// thousands writes n with a comma between groups of three digits
// ("5,012").
func thousands(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// clip shortens s to at most n characters (with "…"), so that an error
// does not echo a long input back whole.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ValidateBroadcastName checks a broadcast's name by the rules of segment
// names (CleanName): not empty once trimmed, valid text, at most
// MaxNameLength characters; errors are at the path "name".
func ValidateBroadcastName(name string) error {
	_, err := CleanName("name", name)
	return err
}

// Validate checks a draft given at now: its name (ValidateBroadcastName),
// its segment (segment_id), its messages (ValidateMessages) and its
// schedule (ValidateSchedule). It returns the first problem, at its path.
// Whether the segment exists is the store's to check.
func (d BroadcastDraft) Validate(now time.Time) error {
	if err := ValidateBroadcastName(d.Name); err != nil {
		return err
	}
	if d.SegmentID <= 0 {
		return ErrorAt(EINVALID, "segment_id", "choose the segment to send to (segment_id)")
	}
	if err := ValidateMessages(d.Messages); err != nil {
		return err
	}
	return ValidateSchedule(d.Schedule, now)
}
