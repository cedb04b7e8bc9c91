package klaviyofake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// LoadCatalog names the fake's lists as the Klaviyo section of a Kizuna
// catalog does (a list is made for an ID the fake lacks). Klaviyo has no
// property schema: the section's properties are not the fake's to hold.
func (f *Fake) LoadCatalog(s *kizuna.CatalogSection) error {
	if s == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	for _, l := range s.Lists {
		if g := f.store.group(false, l.ID); g != nil {
			g.name, g.updated = l.Name, now.Unix()
		} else if _, err := f.store.newGroup(false, l.ID, l.Name, now); err != nil {
			return err
		}
	}
	return nil
}

// RenameList renames a list, as Klaviyo's UI or PATCH /api/lists/{id}
// does.
func (f *Fake) RenameList(id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.store.group(false, id)
	if g == nil {
		return fmt.Errorf("list %s: %w", id, ErrNotFound)
	}
	g.name, g.updated = name, f.now().Unix()
	return nil
}

// updateList serves PATCH /api/lists/{id}: a new name.
func (f *Fake) updateList(c *call) reply {
	var doc struct {
		Data struct {
			Type       string `json:"type"`
			ID         string `json:"id"`
			Attributes struct {
				Name string `json:"name"`
			} `json:"attributes"`
		} `json:"data"`
	}
	id := c.r.PathValue("id")
	if err := json.Unmarshal(c.body, &doc); err != nil || doc.Data.Type != "list" || strings.TrimSpace(doc.Data.Attributes.Name) == "" {
		return errReply(http.StatusBadRequest, "invalid", "Invalid input.", "Send {\"data\":{\"type\":\"list\",\"id\":\"…\",\"attributes\":{\"name\":\"…\"}}}.", &source{Pointer: "/data"})
	}
	if doc.Data.ID != id {
		return errReply(http.StatusConflict, "conflict", "Conflict.", "The id in the document does not match the id in the URL.", &source{Pointer: "/data/id"})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	g := f.store.group(false, id)
	if g == nil {
		return notFound("A list with id " + id + " does not exist.")
	}
	g.name, g.updated = doc.Data.Attributes.Name, f.now().Unix()
	return reply{body: single{Data: c.groupResource(false, g), Links: map[string]any{"self": c.self()}}}
}
