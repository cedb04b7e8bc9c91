package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
)

// landsOn posts form to path, expects a redirect (303) to want, follows it
// and returns the page, which must show the flash: a refusal (role="alert")
// when refused, else a notice, containing text.
func landsOn(c *client, path string, form url.Values, want string, refused bool, text string) string {
	c.t.Helper()
	code, loc, body := submit(c, path, form)
	if code != http.StatusSeeOther || loc != want {
		c.t.Fatalf("POST %s: %d %q, want 303 to %q\n%s", path, code, loc, want, body)
	}
	page := get(c, loc, http.StatusOK)
	// A notice is the flash at the top; a refusal is an alert, at the top
	// or under the form it concerns.
	role := `role="status" id="flash"`
	if refused {
		role = `role="alert"`
	}
	if !strings.Contains(page, role) || !strings.Contains(page, html.EscapeString(text)) && !strings.Contains(page, text) {
		c.t.Fatalf("the page after POST %s should show %s %q:\n%s", path, role, text, page)
	}
	// Shown once: the next visit is quiet.
	if again := get(c, loc, http.StatusOK); strings.Contains(again, `id="flash"`) || refused && strings.Contains(again, `role="alert"`) {
		c.t.Fatalf("the flash after POST %s is shown twice", path)
	}
	return page
}
