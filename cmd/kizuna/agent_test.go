package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestAgentCLI: propose (Consult asks, the answer proposes), approve
// creates the segment, cancel creates nothing; --json carries what a
// script needs; bad input says where, on both backends.
func TestAgentCLI(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			k.ok("", "account", "create", "shop")
			k.ok(friendsNDJSON, "import", "--account", "shop", "-")
			var q struct {
				ID        int64 `json:"id"`
				Questions []struct {
					Key          string `json:"key"`
					Alternatives []struct {
						Value string `json:"value"`
						Count int64  `json:"count"`
					} `json:"alternatives"`
				} `json:"questions"`
			}
			r := k.ok("", "agent", "propose", "--account", "shop", "--mode", "consult", "--now", "2026-11-28T00:00:00Z", "--json", "最近", "購入していない人")
			if err := json.Unmarshal([]byte(r.stdout), &q); err != nil || len(q.Questions) != 1 || q.Questions[0].Key != "recency" {
				t.Fatalf("consult: %s", r.stdout)
			}
			var p struct {
				ID          int64           `json:"id"`
				Filter      json.RawMessage `json:"filter"`
				Name        string          `json:"name"`
				Count       int64           `json:"count"`
				Assumptions []struct {
					Key          string `json:"key"`
					Alternatives []struct {
						Count int64 `json:"count"`
					} `json:"alternatives"`
				} `json:"assumptions"`
				Warnings []struct {
					Code string `json:"code"`
				} `json:"warnings"`
				Lang string `json:"lang"`
			}
			r = k.ok("", "agent", "propose", "--account", "shop", "--after", itoa(q.ID), "--choose", "recency=90", "--now", "2026-11-28T00:00:00Z", "--json")
			if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || p.Count != 1 || p.Lang != "ja" || len(p.Filter) == 0 || p.Name == "" || len(p.Assumptions) == 0 || len(p.Assumptions[0].Alternatives) < 2 {
				t.Fatalf("answered: %s", r.stdout)
			}
			r = k.ok("", "agent", "approve", "--account", "shop", itoa(p.ID))
			if !strings.Contains(r.stdout, "created from proposal") {
				t.Fatalf("approve: %s", r.stdout)
			}
			if r := k.run("", "agent", "approve", "--account", "shop", "--json", itoa(p.ID)); r.code == 0 || !strings.Contains(r.stdout, `"conflict"`) {
				t.Fatalf("second approve: %+v", r)
			}
			// The human answer, and cancel.
			r = k.ok("", "agent", "propose", "--account", "shop", "VIPs")
			if !strings.Contains(r.stdout, "Recipients: 1 friend") || !strings.Contains(r.stdout, "kizuna agent approve --account shop") {
				t.Fatalf("human answer: %s", r.stdout)
			}
			var c struct {
				ID int64 `json:"id"`
			}
			if err := json.Unmarshal([]byte(k.ok("", "agent", "propose", "--account", "shop", "--json", "VIPs").stdout), &c); err != nil || c.ID == 0 {
				t.Fatalf("propose --json: %v %+v", err, c)
			}
			k.ok("", "agent", "cancel", "--account", "shop", itoa(c.ID))
			if r := k.run("", "agent", "approve", "--account", "shop", itoa(c.ID)); r.code == 0 {
				t.Fatalf("approve after cancel: %+v", r)
			}
			// Refusals.
			if r := k.run("", "agent", "propose", "--account", "shop"); r.code != exitUsage {
				t.Fatalf("no goal: %+v", r)
			}
			if r := k.run("", "agent", "propose", "--account", "shop", "--mode", "yolo", "--json", "VIPs"); r.code == 0 || !strings.Contains(r.stdout, `"path": "mode"`) {
				t.Fatalf("bad mode: %+v", r)
			}
			if r := k.run("", "agent", "propose", "--account", "shop", "--now", "yesterday", "--json", "VIPs"); r.code == 0 || !strings.Contains(r.stdout, `"path": "now"`) {
				t.Fatalf("bad now: %+v", r)
			}
		})
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// TestServeAnswersTheAgent: kizuna serve wires the agent (counts from the
// engine): a proposal through the API, approved into a segment.
func TestServeAnswersTheAgent(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	ts := startServer(t, "sqlite", serveConfig{})
	ts.waitReady(t, ctx)
	status, body, err := ts.api(ctx, "shop", "POST", "/agent/proposals", `{"goal": "VIPs", "now": "2026-11-28T00:00:00Z"}`)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("propose: %d %s %v", status, body, err)
	}
	var p struct {
		ID    int64 `json:"id"`
		Count int64 `json:"count"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Count != 1 {
		t.Fatalf("proposal %s", body)
	}
	status, body, err = ts.api(ctx, "shop", "POST", "/agent/proposals/"+itoa(p.ID)+"/approve", ``)
	if err != nil || status != http.StatusCreated || !strings.Contains(body, `"segment"`) {
		t.Fatalf("approve: %d %s %v", status, body, err)
	}
}
