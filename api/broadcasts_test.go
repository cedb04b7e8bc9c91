package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

const (
	textMessages = `[{"type": "text", "text": "Hello from Kizuna"}]`
	nowSchedule  = `{"kind": "now"}`
)

// TestBroadcastBodies: a broadcast's body is read strictly, each problem
// answered 400 at its path before anything is stored or LINE is asked
// (the server here has no LINE service at all).
func TestBroadcastBodies(t *testing.T) {
	e := storeEnv(t, "sqlite", nil)
	create := "/api/v1/accounts/shop-a/broadcasts"
	edit := "/api/v1/accounts/shop-a/broadcasts/1"
	good := func(replace, with string) string {
		return strings.Replace(`{"name": "Sale", "segment_id": 1, "messages": `+textMessages+`, "schedule": `+nowSchedule+`}`, replace, with, 1)
	}
	for _, c := range []struct {
		name, method, path, body string
		code, at                 string
	}{
		{"not JSON", "POST", create, `{"name": `, kizuna.EINVALID, ""},
		{"not an object", "POST", create, `[1]`, kizuna.EINVALID, ""},
		{"a key twice", "POST", create, `{"name": "a", "name": "b"}`, kizuna.EINVALID, "name"},
		{"a key twice in a message", "POST", create, good(`"type": "text"`, `"type": "text", "type": "text"`), kizuna.EINVALID, "messages[0].type"},
		{"unknown key", "POST", create, good(`"name"`, `"colour": 1, "name"`), kizuna.EINVALID, "colour"},
		{"no name", "POST", create, good(`"name": "Sale", `, ``), kizuna.EINVALID, "name"},
		{"name a number", "POST", create, good(`"Sale"`, `7`), kizuna.EINVALID, "name"},
		{"segment_id a string", "POST", create, good(`"segment_id": 1`, `"segment_id": "VIP"`), kizuna.EINVALID, "segment_id"},
		{"segment_id zero", "POST", create, good(`"segment_id": 1`, `"segment_id": 0`), kizuna.EINVALID, "segment_id"},
		{"no messages", "POST", create, good(`"messages": `+textMessages+`, `, ``), kizuna.EINVALID, "messages"},
		{"no message", "POST", create, good(textMessages, `[]`), kizuna.EINVALID, "messages"},
		{"six messages", "POST", create, good(textMessages, `[`+strings.Repeat(`{"type": "text", "text": "x"}, `, 5)+`{"type": "text", "text": "x"}]`), kizuna.EINVALID, "messages"},
		{"a message's unknown key", "POST", create, good(`"text": "Hello`, `"txt": "Hello`), kizuna.EINVALID, "messages[0].txt"},
		{"a text too long", "POST", create, good(`"Hello from Kizuna"`, `"`+strings.Repeat("🍎", 2501)+`"`), kizuna.EINVALID, "messages[0].text"},
		{"an image over http", "POST", create, good(textMessages, `[{"type": "image", "originalContentUrl": "http://example.com/a.jpg", "previewImageUrl": "https://example.com/p.jpg"}]`), kizuna.EINVALID, "messages[0].originalContentUrl"},
		{"no schedule", "POST", create, good(`, "schedule": `+nowSchedule, ``), kizuna.EINVALID, "schedule"},
		{"schedule a string", "POST", create, good(nowSchedule, `"now"`), kizuna.EINVALID, "schedule"},
		{"schedule without kind", "POST", create, good(nowSchedule, `{}`), kizuna.EINVALID, "schedule.kind"},
		{"schedule's unknown key", "POST", create, good(nowSchedule, `{"kind": "now", "every": 2}`), kizuna.EINVALID, "schedule.every"},
		{"schedule at without offset", "POST", create, good(nowSchedule, `{"kind": "at", "at": "2026-12-01T09:00:00"}`), kizuna.EINVALID, "schedule.at"},
		{"weekdays not numbers", "POST", create, good(nowSchedule, `{"kind": "weekly", "time": "09:00", "weekdays": ["mon"]}`), kizuna.EINVALID, "schedule.weekdays"},
		{"day a string", "POST", create, good(nowSchedule, `{"kind": "monthly", "time": "09:00", "day": "1"}`), kizuna.EINVALID, "schedule.day"},
		{"edit without version", "PUT", edit, good("", ""), kizuna.EINVALID, "version"},
		{"edit with version 0", "PUT", edit, good(`"name"`, `"version": 0, "name"`), kizuna.EINVALID, "version"},
		{"estimate without segment", "POST", "/api/v1/accounts/shop-a/broadcasts/estimate", `{}`, kizuna.EINVALID, "segment_id"},
		{"estimate with a filter", "POST", "/api/v1/accounts/shop-a/broadcasts/estimate", `{"segment_id": 1, "filter": {}}`, kizuna.EINVALID, "filter"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.do(c.method, c.path, e.tokenA, jsonType, strings.NewReader(c.body)).mustError(t, http.StatusBadRequest, c.code, c.at)
		})
	}
	// The content type is checked as for every JSON body.
	e.do("POST", create, e.tokenA, "text/plain", strings.NewReader(good("", ""))).mustError(t, http.StatusUnsupportedMediaType, kizuna.EUNSUPPORTED, "")
	// An ID that is not a number is a broadcast that does not exist.
	e.do("GET", "/api/v1/accounts/shop-a/broadcasts/abc", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
	e.do("POST", "/api/v1/accounts/shop-a/broadcasts/-1/cancel", e.tokenA, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
	// Without a token, nothing.
	e.do("GET", create, "", "", nil).mustError(t, http.StatusUnauthorized, kizuna.EUNAUTHORIZED, "")
	e.do("GET", create, e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "")
}

// TestLineWithoutService: a server without a LINE service answers 503 on
// every route that needs LINE, once the body is valid.
func TestLineWithoutService(t *testing.T) {
	e := storeEnv(t, "sqlite", nil)
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/accounts/shop-a/broadcasts", `{"name": "Sale", "segment_id": 1, "messages": ` + textMessages + `, "schedule": ` + nowSchedule + `}`},
		{"POST", "/api/v1/accounts/shop-a/broadcasts/estimate", `{"segment_id": 1}`},
		{"POST", "/api/v1/accounts/shop-a/line/test", `{"to": ["` + uid(1) + `"], "messages": ` + textMessages + `}`},
		{"PUT", "/api/v1/accounts/shop-a/line/channel", `{"channel_secret": "s", "access_token": "t"}`},
		{"POST", "/api/v1/accounts/shop-a/line/sync", ``},
		{"POST", "/api/v1/accounts/shop-a/chat/" + uid(1), `{"text": "Thanks!"}`},
	} {
		ct := ""
		if c.body != "" {
			ct = jsonType
		}
		eb := e.do(c.method, c.path, e.tokenA, ct, strings.NewReader(c.body)).mustError(t, http.StatusServiceUnavailable, kizuna.EUNAVAILABLE, "")
		if !strings.Contains(eb.Error.Message, "LINE") {
			t.Errorf("%s %s: %q", c.method, c.path, eb.Error.Message)
		}
	}
}

// TestLineBodies: the LINE routes' bodies are read strictly too.
func TestLineBodies(t *testing.T) {
	e := storeEnv(t, "sqlite", nil)
	for _, c := range []struct{ name, method, path, body, at string }{
		{"channel without secret", "PUT", "/api/v1/accounts/shop-a/line/channel", `{"access_token": "t"}`, "channel_secret"},
		{"channel without token", "PUT", "/api/v1/accounts/shop-a/line/channel", `{"channel_secret": "s"}`, "access_token"},
		{"channel's token a number", "PUT", "/api/v1/accounts/shop-a/line/channel", `{"channel_secret": "s", "access_token": 5}`, "access_token"},
		{"channel's unknown key", "PUT", "/api/v1/accounts/shop-a/line/channel", `{"channel_secret": "s", "access_token": "t", "channel_id": "1"}`, "channel_id"},
		{"channel's key twice", "PUT", "/api/v1/accounts/shop-a/line/channel", `{"channel_secret": "s", "access_token": "t", "access_token": "u"}`, "access_token"},
		{"test without to", "POST", "/api/v1/accounts/shop-a/line/test", `{"messages": ` + textMessages + `}`, "to"},
		{"test to a string", "POST", "/api/v1/accounts/shop-a/line/test", `{"to": "` + uid(1) + `", "messages": ` + textMessages + `}`, "to"},
		{"test without messages", "POST", "/api/v1/accounts/shop-a/line/test", `{"to": ["` + uid(1) + `"]}`, "messages"},
		{"reply without text", "POST", "/api/v1/accounts/shop-a/chat/" + uid(1), `{}`, "text"},
		{"reply's unknown key", "POST", "/api/v1/accounts/shop-a/chat/" + uid(1), `{"text": "hi", "type": "text"}`, "type"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e.do(c.method, c.path, e.tokenA, jsonType, strings.NewReader(c.body)).mustError(t, http.StatusBadRequest, kizuna.EINVALID, c.at)
		})
	}
	e.do("GET", "/api/v1/accounts/shop-a/chat?limit=201", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "limit")
	e.do("GET", "/api/v1/accounts/shop-a/chat?before=yesterday", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "before")
	e.do("GET", "/api/v1/accounts/shop-a/chat/"+uid(1)+"?limit=0", e.tokenA, "", nil).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "limit")
}
