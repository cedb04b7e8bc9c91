package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestRefusalsInJapanese: a Japanese user meets each refusal in Japanese, at
// the field it concerns: an invalid between in the editor's preview (at the
// condition's path, in the JSON the editor shows), an empty segment name (at
// the name field), deleting a tag a segment uses, removing the last owner,
// and restoring a segment whose name was taken. An English user gets the
// English of the same refusals, and the JSON API keeps its English.
func TestRefusalsInJapanese(t *testing.T) {
	f := manageSetup(t)
	ctx := context.Background()
	for _, lang := range []string{"ja", "en"} {
		t.Run(lang, func(t *testing.T) {
			email := lang + "@example.com"
			u, err := f.db.CreateUser(ctx, email, "correct horse battery", lang)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.db.AddMember(ctx, u, f.a, kizuna.RoleOwner); err != nil {
				t.Fatal(err)
			}
			c := manageSignIn(t, f.newClient(), email)
			want := func(what, body, ja, en string) {
				t.Helper()
				w, not := ja, en
				if lang == "en" {
					w, not = en, ja
				}
				if !strings.Contains(body, w) || strings.Contains(body, not) {
					t.Errorf("%s: want %q and not %q in:\n%s", what, w, not, body)
				}
			}

			// The editor's preview: the message at the condition's path.
			req, _ := http.NewRequest("POST", f.url+"/a/shop-a/preview", strings.NewReader(`{"filter": {"groups": [{"conditions": [{"field": "shopify.orders_count", "op": "between", "value": [10, 2]}]}]}}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", c.csrf("/a/shop-a/segments"))
			res, err := c.c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			var out struct {
				Error struct{ Code, Message, Path string }
			}
			if err := json.Unmarshal(b, &out); err != nil || res.StatusCode != http.StatusBadRequest {
				t.Fatalf("preview of an invalid between: %d %s", res.StatusCode, b)
			}
			if out.Error.Code != kizuna.EINVALIDFILTER || out.Error.Path != "groups[0].conditions[0].value" {
				t.Errorf("preview of an invalid between: code %q path %q", out.Error.Code, out.Error.Path)
			}
			want("preview of an invalid between", out.Error.Message, "範囲は下限を上限以下にしてください（10 が 2 より大きくなっています）。", "between needs lo <= hi, got 10 > 2")

			// Saving a segment with a blank name: at the name field.
			code, _, body := submit(c, "/a/shop-a/segments", withCSRF(c, url.Values{"name": {"   "}, "filter": {f.vipFilter}}))
			if code != http.StatusBadRequest {
				t.Fatalf("saving a blank name: %d", code)
			}
			want("saving a blank name", between(body, `id="name-error">`, "<"), "名前を入力してください。", "the name is empty")
			if !strings.Contains(body, `aria-describedby="name-error"`) || strings.Contains(body, `id="save-error"`) {
				t.Errorf("the blank name's refusal is not at the name field:\n%s", body)
			}

			// Deleting a tag a segment uses.
			body = followRefusal(c, "/a/shop-a/tags/delete", withCSRF(c, url.Values{"name": {"VIP"}}))
			want("deleting a used tag (in the tag's row)", between(body, `data-tag="VIP"`, "</tr>"), "タグ「VIP」はセグメント「"+f.vipName+"」で使われています", `the tag &#34;VIP&#34; is used by segment(s) `)

			// Restoring a deleted segment whose name was taken meanwhile.
			seg, err := f.db.CreateSegment(ctx, f.a, "test", "Spring "+lang, 0, json.RawMessage(f.vipFilter))
			if err != nil {
				t.Fatal(err)
			}
			if code, _, _ := submit(c, fmt.Sprintf("/a/shop-a/segments/%d/delete", seg.ID), withCSRF(c, nil)); code != http.StatusSeeOther {
				t.Fatalf("delete: %d", code)
			}
			if _, err := f.db.CreateSegment(ctx, f.a, "test", "Spring "+lang, 0, json.RawMessage(f.vipFilter)); err != nil {
				t.Fatal(err)
			}
			body = followRefusal(c, fmt.Sprintf("/a/shop-a/segments/%d/restore", seg.ID), withCSRF(c, nil))
			want("restoring over a taken name", between(body, `role="alert"`, "</p>"), "「Spring "+lang+"」というセグメントはすでにあります。", `a segment named &#34;Spring `+lang+`&#34; already exists`)
		})
	}

	// Removing the last owner (refused in the members' section): the Japanese
	// owner is the account's only owner once the others have left.
	jaUser, err := f.db.Authenticate(ctx, "ja@example.com", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"owner@example.com", "en@example.com"} {
		u, err := f.db.Authenticate(ctx, email, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.db.RemoveMember(ctx, f.a, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	c := manageSignIn(t, f.newClient(), "ja@example.com")
	body := followRefusal(c, fmt.Sprintf("/a/shop-a/settings/members/%d/remove", jaUser.ID), withCSRF(c, nil))
	if !strings.Contains(between(body, `id="members-section"`, `id="password-section"`), "このアカウントのオーナーはこの人だけです。先にほかの人をオーナーにしてください。") {
		t.Errorf("removing the last owner:\n%s", body)
	}
}

// followRefusal posts a form that is refused, which goes back to its page
// (303, Post/Redirect/Get), and returns that page.
func followRefusal(c *client, path string, form url.Values) string {
	c.t.Helper()
	code, loc, body := submit(c, path, form)
	if code != http.StatusSeeOther {
		c.t.Fatalf("POST %s: %d, want 303 back to its page\n%s", path, code, body)
	}
	return get(c, loc, http.StatusOK)
}

// between returns the text of s after the first start, up to end.
func between(s, start, end string) string {
	_, after, ok := strings.Cut(s, start)
	if !ok {
		return ""
	}
	in, _, _ := strings.Cut(after, end)
	return in
}

// TestFailureInJapanese: a failure the server cannot recover from (here, its
// database closed) is said in the browser's language.
func TestFailureInJapanese(t *testing.T) {
	f := manageSetup(t)
	c := f.ownerClient
	c.do("GET", "/a/shop-a/segments", nil)
	f.db.Close()
	for lang, want := range map[string]string{"ja": "サーバーで問題が発生しました。", "en": "Something went wrong on our side."} {
		req, _ := http.NewRequest("GET", f.url+"/a/shop-a/segments", nil)
		req.Header.Set("Accept-Language", lang)
		res, err := c.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d %q, want 500 with %q", lang, res.StatusCode, b, want)
		}
	}
}
