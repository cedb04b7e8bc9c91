package hubspotfake

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// DumpContact is one contact in Dump.
type DumpContact struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
	Lists      []string          `json:"lists"`
	CreatedAt  time.Time         `json:"createdAt"`
	UpdatedAt  time.Time         `json:"updatedAt"`
}

// DumpList is one list in Dump.
type DumpList struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	ProcessingType string `json:"processingType"`
	Size           int    `json:"size"`
}

// State is what Dump returns: the stored contacts (generated ones only
// once changed), the lists, and how many contacts were generated.
type State struct {
	Generated int           `json:"generated"`
	Total     int           `json:"total"`
	Contacts  []DumpContact `json:"contacts"`
	Lists     []DumpList    `json:"lists"`
}

// Dump returns the fake's state.
func (f *Fake) Dump() State {
	f.mu.Lock()
	defer f.mu.Unlock()
	st := State{Total: f.total(), Contacts: []DumpContact{}, Lists: []DumpList{}}
	if f.gen != nil {
		st.Generated = int(f.gen.n)
	}
	ids := make([]uint64, 0, len(f.contacts))
	for id := range f.contacts {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	lists := f.sortedLists()
	for _, id := range ids {
		c := f.contacts[id]
		d := DumpContact{ID: strconv.FormatUint(id, 10), Properties: c.props, Lists: []string{}, CreatedAt: c.created, UpdatedAt: c.updated}
		for _, l := range lists {
			if _, ok := f.member(l, id); ok {
				d.Lists = append(d.Lists, l.name)
			}
		}
		st.Contacts = append(st.Contacts, d)
	}
	for _, l := range lists {
		st.Lists = append(st.Lists, DumpList{ID: strconv.FormatUint(l.id, 10), Name: l.name, ProcessingType: l.kind, Size: f.size(l)})
	}
	return st
}

// routes sets the fake's own routes, under /fake/, without auth or rate
// limits: they stand for what happens in the portal.
func (f *Fake) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /fake/dump", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, f.Dump()) })
	m.HandleFunc("GET /fake/requests", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, f.Requests()) })
	m.HandleFunc("GET /fake/deliveries", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, f.Deliveries()) })
	m.HandleFunc("POST /fake/contacts", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Properties map[string]string `json:"properties"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		id, err := f.CreateContact(r.Context(), in.Properties)
		adminAnswer(w, map[string]string{"id": id}, err)
	})
	m.HandleFunc("POST /fake/contacts/{id}/properties", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Name  string  `json:"name"`
			Value *string `json:"value"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		adminAnswer(w, map[string]string{"id": r.PathValue("id")}, f.SetProperty(r.Context(), r.PathValue("id"), in.Name, in.Value))
	})
	m.HandleFunc("POST /fake/memberships", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			List      string `json:"list"`
			ContactID string `json:"contact_id"`
			Remove    bool   `json:"remove"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		err := f.changeList(in.List, in.ContactID, !in.Remove)
		adminAnswer(w, map[string]string{"list_id": f.ListID(in.List)}, err)
	})
	m.HandleFunc("POST /fake/webhooks/flush", func(w http.ResponseWriter, r *http.Request) {
		adminAnswer(w, map[string]int{"deliveries": len(f.Deliveries())}, f.FlushWebhooks(r.Context()))
	})
	m.HandleFunc("POST /fake/webhooks/mode", func(w http.ResponseWriter, r *http.Request) {
		var in WebhookMode
		if !decodeAdmin(w, r, &in) {
			return
		}
		f.SetWebhookMode(in)
		adminAnswer(w, in, nil)
	})
	m.HandleFunc("POST /fake/webhooks/replay", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Index int `json:"index"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		d, err := f.Replay(r.Context(), in.Index)
		adminAnswer(w, d, err)
	})
	m.HandleFunc("POST /fake/faults", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Route      string `json:"route"`
			Status     int    `json:"status"`
			Body       string `json:"body"`
			DelayMS    int    `json:"delay_ms"`
			Drop       bool   `json:"drop"`
			RetryAfter int    `json:"retry_after"`
			Count      int    `json:"count"`
		}
		if !decodeAdmin(w, r, &in) {
			return
		}
		ft := Fault{Status: in.Status, Body: in.Body, Delay: time.Duration(in.DelayMS) * time.Millisecond, Drop: in.Drop, RetryAfter: in.RetryAfter}
		for range max(in.Count, 1) {
			f.InjectFault(in.Route, ft)
		}
		adminAnswer(w, map[string]int{"pending": f.PendingFaults(in.Route)}, nil)
	})
	f.mux = m
}

func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err == nil && len(b) > 0 {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return false
	}
	return true
}

func adminAnswer(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, v)
}
