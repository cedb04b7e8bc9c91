package shopifyfake

import (
	"encoding/json"
	"net/http"
	"strings"
)

// adminRoutes are the fake's own routes, for the standalone command and a
// person trying it: changes that send webhooks, and a JSON dump.
//
//	POST /fake/customers         {"line_user_id":"U…","email":"…"}
//	POST /fake/orders            {"customer_id":"…"}
//	POST /fake/tags              {"customer_id":"…","add":["vip"],"remove":["x"]}
//	POST /fake/checkouts         {"customer_id":"…"}         abandon a cart
//	POST /fake/checkouts/{id}/complete
//	POST /fake/replay/{webhookId}
//	POST /fake/mode              {"mode":"normal|duplicate|hold"}
//	POST /fake/release           send held deliveries, newest first
//	GET  /fake/deliveries        the deliveries made
//	GET  /fake/customers         NDJSON dump of every customer
//	GET  /fake/customers/{id}
//	GET  /fake/requests          the requests received
func (f *Fake) adminRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /fake/orders", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CustomerID string `json:"customer_id"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		o, err := f.PlaceOrder(r.Context(), in.CustomerID)
		respond(w, o, err)
	})
	m.HandleFunc("POST /fake/customers", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			LineUserID string `json:"line_user_id"`
			Email      string `json:"email"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		id, d := f.CreateCustomer(r.Context(), in.LineUserID, in.Email)
		respond(w, map[string]any{"customer_id": id, "delivery": d}, nil)
	})
	m.HandleFunc("POST /fake/tags", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CustomerID string   `json:"customer_id"`
			Add        []string `json:"add"`
			Remove     []string `json:"remove"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		d, err := f.TagCustomer(r.Context(), in.CustomerID, in.Add, in.Remove)
		respond(w, map[string]any{"deliveries": d}, err)
	})
	m.HandleFunc("POST /fake/checkouts", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			CustomerID string `json:"customer_id"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		id, d, err := f.AbandonCart(r.Context(), in.CustomerID)
		respond(w, map[string]any{"checkout_id": id, "delivery": d}, err)
	})
	m.HandleFunc("POST /fake/checkouts/{id}/complete", func(w http.ResponseWriter, r *http.Request) {
		d, err := f.CompleteCart(r.Context(), r.PathValue("id"))
		respond(w, map[string]any{"delivery": d}, err)
	})
	m.HandleFunc("POST /fake/replay/{id}", func(w http.ResponseWriter, r *http.Request) {
		err := f.Replay(r.Context(), r.PathValue("id"))
		respond(w, map[string]any{"replayed": r.PathValue("id")}, err)
	})
	m.HandleFunc("POST /fake/mode", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Mode string `json:"mode"`
		}
		if !readJSON(w, r, &in) {
			return
		}
		modes := map[string]Mode{"normal": Normal, "duplicate": Duplicate, "hold": Hold}
		mode, ok := modes[strings.ToLower(in.Mode)]
		if !ok {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "mode is normal, duplicate or hold"})
			return
		}
		f.SetWebhookMode(mode)
		writeJSON(w, http.StatusOK, map[string]string{"mode": in.Mode})
	})
	m.HandleFunc("POST /fake/release", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"released": f.Release(r.Context())})
	})
	m.HandleFunc("GET /fake/deliveries", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"deliveries": f.Deliveries()})
	})
	m.HandleFunc("GET /fake/requests", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"requests": f.Requests()})
	})
	m.HandleFunc("GET /fake/customers/{id}", func(w http.ResponseWriter, r *http.Request) {
		c, ok := f.GetCustomer(r.PathValue("id"))
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such customer"})
			return
		}
		writeJSON(w, http.StatusOK, c)
	})
	m.HandleFunc("GET /fake/customers", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		f.Dump(func(c Customer) error { return enc.Encode(c) })
	})
}

func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the body must be a JSON object: " + err.Error()})
		return false
	}
	return true
}

func respond(w http.ResponseWriter, v any, err error) {
	if err != nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, v)
}
