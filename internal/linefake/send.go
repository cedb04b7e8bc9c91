package linefake

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"unicode/utf16"
)

var (
	userIDRe   = regexp.MustCompile(`^U[0-9a-f]{32}$`)
	retryKeyRe = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	digitsRe   = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// LINE's limits on a send.
const (
	maxRecipients = 500
	maxMessages   = 5
	maxText       = 5000 // UTF-16 code units
	maxURL        = 2000
)

// sendRequest is the body of push, multicast, broadcast and narrowcast.
// To is raw because push takes a string and multicast an array.
type sendRequest struct {
	To                     json.RawMessage   `json:"to"`
	Messages               []json.RawMessage `json:"messages"`
	NotificationDisabled   bool              `json:"notificationDisabled"`
	CustomAggregationUnits []string          `json:"customAggregationUnits"`
}

// validation collects the details of a 400.
type validation []ErrorDetail

func (v *validation) add(prop, msg string) {
	*v = append(*v, ErrorDetail{Message: msg, Property: prop})
}

func (v validation) reply() reply {
	return reply{status: http.StatusBadRequest, body: errorBody{
		Message: fmt.Sprintf("The request body has %d error(s)", len(v)),
		Details: v,
	}}
}

func badJSON() reply {
	return fail(http.StatusBadRequest, "The request body has 1 error(s)")
}

// message is the part of a message object the fake checks.
type message struct {
	Type               *string `json:"type"`
	Text               *string `json:"text"`
	OriginalContentURL *string `json:"originalContentUrl"`
	PreviewImageURL    *string `json:"previewImageUrl"`
	PackageID          *string `json:"packageId"`
	StickerID          *string `json:"stickerId"`
}

// knownTypes are LINE's message types; only text, image and sticker are
// checked field by field.
var knownTypes = map[string]bool{
	"text": true, "textV2": true, "sticker": true, "image": true, "video": true, "audio": true,
	"location": true, "imagemap": true, "template": true, "flex": true, "coupon": true,
}

func checkMessages(v *validation, msgs []json.RawMessage) {
	if len(msgs) < 1 || len(msgs) > maxMessages {
		v.add("messages", fmt.Sprintf("Size must be between 1 and %d", maxMessages))
		return
	}
	for i, raw := range msgs {
		p := fmt.Sprintf("messages[%d]", i)
		var m message
		if err := json.Unmarshal(raw, &m); err != nil {
			v.add(p, "Must be an object")
			continue
		}
		if m.Type == nil || !knownTypes[*m.Type] {
			v.add(p+".type", "Must be one of the following values: [text, textV2, sticker, image, video, audio, location, imagemap, template, flex, coupon]")
			continue
		}
		switch *m.Type {
		case "text":
			switch {
			case m.Text == nil || *m.Text == "":
				v.add(p+".text", "May not be empty")
			case len(utf16.Encode([]rune(*m.Text))) > maxText:
				v.add(p+".text", fmt.Sprintf("Length must be between 0 and %d", maxText))
			}
		case "image":
			checkURL(v, p+".originalContentUrl", m.OriginalContentURL)
			checkURL(v, p+".previewImageUrl", m.PreviewImageURL)
		case "sticker":
			checkDigits(v, p+".packageId", m.PackageID)
			checkDigits(v, p+".stickerId", m.StickerID)
		}
	}
}

func checkURL(v *validation, prop string, s *string) {
	switch {
	case s == nil || *s == "":
		v.add(prop, "May not be empty")
	case len(*s) > maxURL:
		v.add(prop, fmt.Sprintf("Length must be between 0 and %d", maxURL))
	default:
		u, err := url.Parse(*s)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			v.add(prop, "Must be a valid HTTPS URL")
		}
	}
}

func checkDigits(v *validation, prop string, s *string) {
	switch {
	case s == nil || *s == "":
		v.add(prop, "May not be empty")
	case !digitsRe.MatchString(*s):
		v.add(prop, "Invalid sticker ID")
	}
}

// checkRetryKey refuses a key that is not a UUID and answers 409 for one
// already accepted within its 24 hours. It returns ok to go on.
func (f *Fake) checkRetryKey(c *call, route string) (reply, bool) {
	if c.retryKey == "" {
		return reply{}, true
	}
	if !retryKeyRe.MatchString(c.retryKey) {
		return reply{status: http.StatusBadRequest, body: errorBody{
			Message: "The request body has 1 error(s)",
			Details: []ErrorDetail{{Message: "must be a UUID in hexadecimal format", Property: "X-Line-Retry-Key"}},
		}}, false
	}
	now := f.now()
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.keys[c.retryKey]
	if k != nil && now.Sub(k.firstSeen) >= retryKeyTTL {
		delete(f.keys, c.retryKey)
		k = nil
	}
	if k == nil {
		f.keys[c.retryKey] = &retryKey{firstSeen: now}
		return reply{}, true
	}
	if !k.accepted {
		return reply{}, true
	}
	body := errorBody{Message: MsgRetryKey}
	if route == RoutePush {
		body.SentMessages = k.sentMessages
	}
	return reply{status: http.StatusConflict, header: http.Header{"X-Line-Accepted-Request-Id": {k.requestID}}, body: body}, false
}

// accept records a send under the lock: quota, retry key, delivery. It
// answers 429 when the month's quota cannot take the recipients.
func (f *Fake) accept(c *call, route string, to []string, msgs []json.RawMessage, status int, sent []SentMessage) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.quotaType == "limited" && f.usage+int64(len(to)) > f.quotaValue {
		return fail(http.StatusTooManyRequests, MsgMonthlyLimit)
	}
	if c.retryKey != "" {
		k := f.keys[c.retryKey]
		if k == nil {
			k = &retryKey{firstSeen: f.now()}
			f.keys[c.retryKey] = k
		}
		if k.accepted {
			// Another request with the key was accepted meanwhile.
			body := errorBody{Message: MsgRetryKey}
			if route == RoutePush {
				body.SentMessages = k.sentMessages
			}
			return reply{status: http.StatusConflict, header: http.Header{"X-Line-Accepted-Request-Id": {k.requestID}}, body: body}
		}
		k.accepted, k.requestID, k.sentMessages = true, c.requestID, sent
	}
	f.usage += int64(len(to))
	for _, id := range to {
		f.counts[id]++
	}
	f.deliveries = append(f.deliveries, Delivery{
		RequestID: c.requestID,
		RetryKey:  c.retryKey,
		Endpoint:  route,
		To:        to,
		Messages:  msgs,
		At:        f.now(),
	})
	if route == RoutePush {
		return reply{status: status, body: map[string]any{"sentMessages": sent}}
	}
	return reply{status: status}
}

// decode reads a send's body: a JSON object; "to" is left to the route.
func decodeSend(body []byte) (*sendRequest, bool) {
	var req sendRequest
	d := json.NewDecoder(bytes.NewReader(body))
	if err := d.Decode(&req); err != nil {
		return nil, false
	}
	return &req, true
}

func (f *Fake) multicast(c *call) reply {
	if rep, ok := f.checkRetryKey(c, RouteMulticast); !ok {
		return rep
	}
	req, ok := decodeSend(c.body)
	if !ok {
		return badJSON()
	}
	var v validation
	var to []string
	if err := json.Unmarshal(req.To, &to); err != nil {
		v.add("to", "Must be an array of user IDs")
	} else if len(to) < 1 || len(to) > maxRecipients {
		v.add("to", fmt.Sprintf("Size must be between 1 and %d", maxRecipients))
	} else {
		for i, id := range to {
			if !userIDRe.MatchString(id) {
				v.add("to["+strconv.Itoa(i)+"]", "Invalid user ID")
			}
		}
	}
	checkMessages(&v, req.Messages)
	if len(req.CustomAggregationUnits) > 1 {
		v.add("customAggregationUnits", "Size must be between 0 and 1")
	}
	if len(v) > 0 {
		return v.reply()
	}
	return f.accept(c, RouteMulticast, to, req.Messages, http.StatusOK, nil)
}

func (f *Fake) push(c *call) reply {
	if rep, ok := f.checkRetryKey(c, RoutePush); !ok {
		return rep
	}
	req, ok := decodeSend(c.body)
	if !ok {
		return badJSON()
	}
	var v validation
	var to string
	if err := json.Unmarshal(req.To, &to); err != nil || to == "" {
		v.add("to", "May not be empty")
	} else if !userIDRe.MatchString(to) {
		v.add("to", "Invalid user ID")
	}
	checkMessages(&v, req.Messages)
	if len(v) > 0 {
		return v.reply()
	}
	f.mu.Lock()
	sent := make([]SentMessage, len(req.Messages))
	for i := range sent {
		f.msgSeq++
		sent[i] = SentMessage{ID: strconv.FormatInt(500000000000000000+f.msgSeq, 10), QuoteToken: fmt.Sprintf("q%016x", f.msgSeq)}
	}
	f.mu.Unlock()
	return f.accept(c, RoutePush, []string{to}, req.Messages, http.StatusOK, sent)
}

// broadcast sends to every following friend.
func (f *Fake) broadcast(c *call) reply {
	if rep, ok := f.checkRetryKey(c, RouteBroadcast); !ok {
		return rep
	}
	req, ok := decodeSend(c.body)
	if !ok {
		return badJSON()
	}
	var v validation
	checkMessages(&v, req.Messages)
	if len(v) > 0 {
		return v.reply()
	}
	return f.accept(c, RouteBroadcast, f.followingIDs(), req.Messages, http.StatusOK, nil)
}

// narrowcast is minimal: the messages are checked and the request is
// accepted (202) with no recipients, since the fake has no audiences.
func (f *Fake) narrowcast(c *call) reply {
	if rep, ok := f.checkRetryKey(c, RouteNarrowcast); !ok {
		return rep
	}
	req, ok := decodeSend(c.body)
	if !ok {
		return badJSON()
	}
	var v validation
	checkMessages(&v, req.Messages)
	if len(v) > 0 {
		return v.reply()
	}
	return f.accept(c, RouteNarrowcast, nil, req.Messages, http.StatusAccepted, nil)
}

func (f *Fake) followingIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.followingLocked()...)
}
