package klaviyofake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// adminRoutes are the fake's own routes, for the standalone command and
// people trying it: no auth, JSON in and out.
//
//	GET  /fake/dump?offset=0&limit=100       lists, segments and a window of profiles
//	GET  /fake/requests                      the recorded requests
//	POST /fake/profiles                      {"email":…, "properties":{…}} → {"id":…}
//	POST /fake/profiles/{id}/properties      {"name": value, …} (null removes)
//	POST /fake/lists                         {"id":…, "name":…}
//	POST /fake/lists/{id}/members            {"add":[ids], "remove":[ids]}
//	POST /fake/segments                      {"id":…, "name":…}
//	POST /fake/segments/{id}/members         {"add":[ids], "remove":[ids]}
//	POST /fake/webhooks                      {"topic":…, "profile_id":…, "mismatched_id":false}
//	POST /fake/webhooks/{n}/replay           sends the n-th delivery again (0-based)
//	POST /fake/faults/{route}                a Fault, queued for the route
func (f *Fake) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /fake/dump", func(w http.ResponseWriter, r *http.Request) {
		off, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		lim := 100
		if v := r.URL.Query().Get("limit"); v != "" {
			lim, _ = strconv.Atoi(v)
		}
		writeJSON(w, http.StatusOK, f.Dump(off, lim))
	})
	m.HandleFunc("GET /fake/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, f.Requests())
	})
	m.HandleFunc("POST /fake/profiles", func(w http.ResponseWriter, r *http.Request) {
		var d ProfileData
		if !readJSON(w, r, &d) {
			return
		}
		id, err := f.AddProfile(d)
		if err != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusCreated, map[string]string{"id": id})
	})
	m.HandleFunc("POST /fake/profiles/{id}/properties", func(w http.ResponseWriter, r *http.Request) {
		var props map[string]json.RawMessage
		if !readJSON(w, r, &props) {
			return
		}
		done(w, f.SetProperties(r.PathValue("id"), props))
	})
	for _, seg := range []bool{false, true} {
		path := "/fake/lists"
		if seg {
			path = "/fake/segments"
		}
		m.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			var g struct{ ID, Name string }
			if !readJSON(w, r, &g) {
				return
			}
			id, err := f.createGroup(seg, g.ID, g.Name)
			if err != nil {
				writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
				return
			}
			writeJSON(w, http.StatusCreated, map[string]string{"id": id})
		})
		m.HandleFunc("POST "+path+"/{id}/members", func(w http.ResponseWriter, r *http.Request) {
			var ch struct{ Add, Remove []string }
			if !readJSON(w, r, &ch) {
				return
			}
			err := f.member(seg, true, r.PathValue("id"), ch.Add)
			if err == nil {
				err = f.member(seg, false, r.PathValue("id"), ch.Remove)
			}
			done(w, err)
		})
	}
	m.HandleFunc("POST /fake/webhooks", func(w http.ResponseWriter, r *http.Request) {
		var ev struct {
			Topic        string `json:"topic"`
			ProfileID    string `json:"profile_id"`
			MismatchedID bool   `json:"mismatched_id"`
		}
		if !readJSON(w, r, &ev) {
			return
		}
		if ev.Topic == "" {
			ev.Topic = "event:klaviyo.subscribed_to_email_marketing"
		}
		e := f.ProfileEvent(ev.Topic, ev.ProfileID)
		d := f.NewDelivery(e)
		if ev.MismatchedID {
			d = f.NewMismatchedDelivery(e)
		}
		f.sendAdmin(w, r.Context(), d)
	})
	m.HandleFunc("POST /fake/webhooks/{n}/replay", func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.PathValue("n"))
		sent := f.Sent()
		if n < 0 || n >= len(sent) {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such delivery"})
			return
		}
		f.sendAdmin(w, r.Context(), sent[n])
	})
	m.HandleFunc("POST /fake/faults/{route}", func(w http.ResponseWriter, r *http.Request) {
		var ft struct {
			Status     int    `json:"status"`
			Body       string `json:"body"`
			RetryAfter int    `json:"retry_after"`
			DelayMS    int    `json:"delay_ms"`
			Accept     bool   `json:"accept_then_fail"`
			Hang       bool   `json:"hang"`
			Drop       bool   `json:"drop"`
			Times      int    `json:"times"`
		}
		if !readJSON(w, r, &ft) {
			return
		}
		fault := Fault{Status: ft.Status, Body: ft.Body, RetryAfter: ft.RetryAfter, Delay: time.Duration(ft.DelayMS) * time.Millisecond,
			AcceptThenFail: ft.Accept, Hang: ft.Hang, Drop: ft.Drop}
		for range max(ft.Times, 1) {
			f.InjectFault(r.PathValue("route"), fault)
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

func (f *Fake) sendAdmin(w http.ResponseWriter, ctx context.Context, d *Delivery) {
	st, err := f.Send(ctx, d)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]any{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": st, "webhook_id": d.WebhookID, "events": d.Events, "index": len(f.Sent()) - 1})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return false
	}
	return true
}

func done(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, ErrNotFound):
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
	default:
		w.WriteHeader(http.StatusNoContent)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
