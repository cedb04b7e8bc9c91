package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/api"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestAgentAPI: a goal becomes a proposal with its count and assumptions;
// a turn refines it; nothing exists before approve, which creates one
// segment; cancel creates nothing; another account sees none of it; bad
// requests say what and where.
func TestAgentAPI(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	e := newEnv(t, db, func(s *api.Server) { s.Agent = &agent.Service{Store: db, Counts: db} }, "shop-a", "shop-b")
	e.importFriends(t, friends)
	post := func(path, token, body string) *response {
		return e.do("POST", "/api/v1/accounts/shop-a/agent/proposals"+path, token, jsonType, strings.NewReader(body))
	}
	var p agent.Proposal
	post("", e.tokenA, `{"goal": "VIPs", "lang": "en", "now": "2026-11-28T00:00:00Z"}`).must(t, http.StatusCreated, &p)
	if p.ID == 0 || p.Count != 3 || p.Name == "" || len(p.Assumptions) == 0 || len(p.Assumptions[0].Alternatives) < 2 || p.Planner != agent.PlannerOffline {
		t.Fatalf("proposal %+v", p)
	}
	var f struct {
		Groups []json.RawMessage `json:"groups"`
	}
	if err := json.Unmarshal(p.Filter, &f); err != nil || len(f.Groups) != 1 {
		t.Fatalf("filter %s", p.Filter)
	}
	// A refinement follows it: exclude the seminar attendees.
	var r agent.Proposal
	post("", e.tokenA, fmt.Sprintf(`{"after": %d, "goal": "but not Seminar Attendees"}`, p.ID)).must(t, http.StatusCreated, &r)
	if r.Count != 2 || len(r.Goals) != 2 {
		t.Fatalf("refined %+v", r)
	}
	// Nothing before approve.
	var segs struct {
		Segments []kizuna.Segment `json:"segments"`
	}
	e.do("GET", "/api/v1/accounts/shop-a/segments", e.tokenA, "", nil).must(t, http.StatusOK, &segs)
	if len(segs.Segments) != 0 {
		t.Fatalf("%d segments before approve", len(segs.Segments))
	}
	// Another account cannot see, approve or cancel it.
	e.do("GET", fmt.Sprintf("/api/v1/accounts/shop-b/agent/proposals/%d", r.ID), e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "proposal")
	e.do("POST", fmt.Sprintf("/api/v1/accounts/shop-b/agent/proposals/%d/approve", r.ID), e.tokenB, "", nil).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "proposal")
	var approved struct {
		Segment  kizuna.Segment `json:"segment"`
		Proposal agent.Proposal `json:"proposal"`
	}
	post(fmt.Sprintf("/%d/approve", r.ID), e.tokenA, `{"name": "VIPs, no seminar"}`).must(t, http.StatusCreated, &approved)
	if approved.Segment.Name != "VIPs, no seminar" || approved.Proposal.Status != kizuna.ProposalApproved || *approved.Proposal.SegmentID != approved.Segment.ID {
		t.Fatalf("approved %+v", approved)
	}
	post(fmt.Sprintf("/%d/approve", r.ID), e.tokenA, ``).mustError(t, http.StatusConflict, kizuna.ECONFLICT, "proposal")
	var got agent.Proposal
	e.do("GET", fmt.Sprintf("/api/v1/accounts/shop-a/agent/proposals/%d", r.ID), e.tokenA, "", nil).must(t, http.StatusOK, &got)
	if got.Status != kizuna.ProposalApproved {
		t.Fatalf("read back %+v", got)
	}
	// Cancel creates nothing.
	var c agent.Proposal
	post("", e.tokenA, `{"goal": "セミナー参加者", "lang": "ja"}`).must(t, http.StatusCreated, &c)
	post(fmt.Sprintf("/%d/cancel", c.ID), e.tokenA, ``).must(t, http.StatusOK, &c)
	if c.Status != kizuna.ProposalCancelled || len(c.Goals) != 1 {
		t.Fatalf("cancelled %+v", c)
	}
	e.do("GET", "/api/v1/accounts/shop-a/segments", e.tokenA, "", nil).must(t, http.StatusOK, &segs)
	if len(segs.Segments) != 1 {
		t.Fatalf("%d segments after cancel", len(segs.Segments))
	}
	// Refusals.
	post("", e.tokenA, `{"goal": ""}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "goal")
	post("", e.tokenA, `{"goal": "VIPs", "mode": "yolo"}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "mode")
	post("", e.tokenA, `{"goal": "VIPs", "wat": 1}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "wat")
	post("", e.tokenA, `{"goal": "VIPs", "after": "x"}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "after")
	post("", e.tokenA, `{"goal": "VIPs", "choose": [1]}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "choose")
	post("", e.tokenA, `{"goal": "VIPs", "now": "yesterday"}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "now")
	post("", e.tokenA, `{"goal": "`+strings.Repeat("x", agent.MaxGoalLength+1)+`"}`).mustError(t, http.StatusBadRequest, kizuna.EINVALID, "goal")
	post("", e.tokenA, fmt.Sprintf(`{"goal": "x", "after": %d}`, 999999)).mustError(t, http.StatusNotFound, kizuna.ENOTFOUND, "proposal")
}

// TestAgentUnavailable: without the agent the routes answer 503.
func TestAgentUnavailable(t *testing.T) {
	e := storeEnv(t, "sqlite", nil)
	e.do("POST", "/api/v1/accounts/shop-a/agent/proposals", e.tokenA, jsonType, strings.NewReader(`{"goal": "VIPs"}`)).mustError(t, http.StatusServiceUnavailable, kizuna.EUNAVAILABLE, "")
}
