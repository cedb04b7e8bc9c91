package main

import (
	"encoding/json"
	"net/http"

	"github.com/kizuna-line/kizuna/engine"
)

// healthz answers 200 while the process serves HTTP.
func healthz(w http.ResponseWriter, r *http.Request) {
	writeStatus(w, http.StatusOK, map[string]any{"status": "ok"})
}

// readyz answers 200 once every account's engine index has been loaded, and
// 503 before, saying how many accounts are still loading and which (by ID:
// the address is public, and account names are not told to strangers).
func readyz(eng *engine.Engine) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		loading := eng.Loading()
		if len(loading) == 0 {
			writeStatus(w, http.StatusOK, map[string]any{"status": "ready"})
			return
		}
		type account struct {
			ID    int64  `json:"account_id"`
			State string `json:"state"`
		}
		list := make([]account, len(loading))
		for i, l := range loading {
			list[i] = account{l.AccountID, l.State}
		}
		writeStatus(w, http.StatusServiceUnavailable, map[string]any{"status": "loading", "loading": list})
	})
}

func writeStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
