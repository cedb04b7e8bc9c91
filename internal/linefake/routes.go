package linefake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

func (f *Fake) botInfo(*call) reply {
	return reply{status: http.StatusOK, body: map[string]string{
		"userId":         f.cfg.BotUserID,
		"basicId":        f.cfg.BasicID,
		"displayName":    f.cfg.DisplayName,
		"chatMode":       "chat",
		"markAsReadMode": "manual",
	}}
}

// followers pages the following friends in the order they were added. The
// next token is opaque to clients: an offset, encoded.
func (f *Fake) followers(c *call) reply {
	q := c.r.URL.Query()
	limit := 300
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return reply{status: http.StatusBadRequest, body: errorBody{
				Message: "The request body has 1 error(s)",
				Details: []ErrorDetail{{Message: "must be between 1 and 1000", Property: "limit"}},
			}}
		}
		limit = n
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.forbidden {
		return fail(http.StatusForbidden, MsgForbidden)
	}
	start := 0
	if s := q.Get("start"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "o"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "o") || n < 0 {
			return fail(http.StatusBadRequest, "The value for the 'start' parameter is invalid")
		}
		start = n
	}
	size := limit
	if f.pageCap > 0 && f.pageCap < size {
		size = f.pageCap
	}
	following := f.followingLocked()
	ids := []string{}
	end := min(start+size, len(following))
	if start < end {
		ids = append(ids, following[start:end]...)
	}
	body := map[string]any{"userIds": ids}
	if end < len(following) {
		body["next"] = base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("o%d", end)))
	}
	return reply{status: http.StatusOK, body: body}
}

// followingLocked returns the following friends in order; f.mu is held.
func (f *Fake) followingLocked() []string {
	if f.following == nil {
		f.following = make([]string, 0, len(f.order))
		for _, id := range f.order {
			if !f.friends[id].blocked {
				f.following = append(f.following, id)
			}
		}
	}
	return f.following
}

func (f *Fake) profile(c *call) reply {
	id := c.r.PathValue("userId")
	f.mu.Lock()
	defer f.mu.Unlock()
	fr, ok := f.friends[id]
	if !ok || fr.blocked {
		return fail(http.StatusNotFound, MsgNotFound)
	}
	return reply{status: http.StatusOK, body: map[string]string{"displayName": fr.name, "userId": id, "language": "ja"}}
}

func (f *Fake) quota(*call) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.quotaType != "limited" {
		return reply{status: http.StatusOK, body: map[string]any{"type": "none"}}
	}
	return reply{status: http.StatusOK, body: map[string]any{"type": "limited", "value": f.quotaValue}}
}

func (f *Fake) consumption(*call) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	return reply{status: http.StatusOK, body: map[string]int64{"totalUsage": f.usage}}
}

func (f *Fake) setWebhook(c *call) reply {
	var req struct {
		Endpoint string `json:"endpoint"`
	}
	if err := json.Unmarshal(c.body, &req); err != nil || req.Endpoint == "" {
		return reply{status: http.StatusBadRequest, body: errorBody{
			Message: "The request body has 1 error(s)",
			Details: []ErrorDetail{{Message: "must be specified", Property: "endpoint"}},
		}}
	}
	f.mu.Lock()
	f.webhookURL = req.Endpoint
	f.mu.Unlock()
	return reply{status: http.StatusOK}
}

func (f *Fake) getWebhook(*call) reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.webhookURL == "" {
		return fail(http.StatusNotFound, MsgNotFound)
	}
	return reply{status: http.StatusOK, body: map[string]any{"endpoint": f.webhookURL, "active": true}}
}

// listDeliveries serves GET /fake/deliveries.
func (f *Fake) listDeliveries(w http.ResponseWriter, _ *http.Request) {
	d := f.Deliveries()
	if d == nil {
		d = []Delivery{}
	}
	writeJSON(w, http.StatusOK, d)
}
