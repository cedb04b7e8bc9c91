package hubspotfake

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// ModificationMetadata is HubSpot's note of what of a property may
// change; ReadOnlyValue marks a value HubSpot computes.
type ModificationMetadata struct {
	Archivable         bool `json:"archivable"`
	ReadOnlyDefinition bool `json:"readOnlyDefinition"`
	ReadOnlyValue      bool `json:"readOnlyValue"`
}

var readOnlyValue = ModificationMetadata{ReadOnlyDefinition: true, ReadOnlyValue: true}

// LoadCatalog makes the fake answer the HubSpot section of a Kizuna
// catalog: each segment becomes the name of the list with its ID (a
// MANUAL list is made when there is none; IDs must be numbers), and each
// property is defined with its label and the HubSpot type a sync maps
// back to the catalog's (string with options: an enumeration; date: date;
// number, bool: theirs; string: string). Load friends first: LoadFriends
// finds a segment's list by name.
func (f *Fake) LoadCatalog(s *kizuna.CatalogSection) error {
	if s == nil {
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, seg := range s.Segments {
		id, err := strconv.ParseUint(seg.ID, 10, 64)
		if err != nil || id == 0 {
			return fmt.Errorf("hubspotfake: segment ID %q is not a HubSpot list ID", seg.ID)
		}
		if l := f.lists[id]; l != nil {
			f.renameList(l, seg.Name)
		} else {
			f.newListID(id, seg.Name, "MANUAL")
		}
	}
	for _, cp := range s.Properties {
		p := Property{Name: cp.Name, Label: cp.Label, Type: "string", FieldType: "text"}
		if old := f.props[cp.Name]; old != nil {
			p.GroupName = old.GroupName
		}
		switch {
		case cp.Type == kizuna.TypeNumber:
			p.Type, p.FieldType = "number", "number"
		case cp.Type == kizuna.TypeBool:
			p.Type, p.FieldType, p.Options = "bool", "booleancheckbox", options("true", "Yes", "false", "No")
		case cp.Type == kizuna.TypeDate || cp.Type == kizuna.TypeDaysSince:
			p.Type, p.FieldType = "date", "date"
		case len(cp.Options) > 0:
			p.Type, p.FieldType = "enumeration", "select"
			for i, o := range cp.Options {
				p.Options = append(p.Options, Option{Label: o.Label, Value: o.Value, DisplayOrder: i})
			}
		}
		f.addProperty(p)
	}
	return nil
}

// RenameList renames the list with that ID, as HubSpot's UI or its
// update-list-name call does.
func (f *Fake) RenameList(id, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	n, err := strconv.ParseUint(id, 10, 64)
	l := f.lists[n]
	if err != nil || l == nil {
		return fmt.Errorf("hubspotfake: no list %s", id)
	}
	f.renameList(l, name)
	return nil
}

func (f *Fake) renameList(l *list, name string) {
	l.name = name
	l.version++
	l.updated = f.now()
}

// updateListName is PUT lists/{id}/update-list-name?listName=…: the list
// renamed ({"updatedList": …}); a name another list has is refused.
func (f *Fake) updateListName(w http.ResponseWriter, r *request) {
	name := strings.TrimSpace(r.URL.Query().Get("listName"))
	if name == "" {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "listName is required")
		return
	}
	f.mu.Lock()
	l := f.lookupList(w, r.seg[1])
	if l == nil {
		f.mu.Unlock()
		notFoundList(w, r.seg[1])
		return
	}
	if other := f.listByName(name); other != nil && other != l {
		f.mu.Unlock()
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("A list named %s already exists.", name))
		return
	}
	f.renameList(l, name)
	out := f.listJSON(l)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"updatedList": out})
}
