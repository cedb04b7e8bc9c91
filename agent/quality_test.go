package agent_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/demo"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// qualityBar is the share of the goal set the offline planner must map to
// a right member set (issue 12's target).
const qualityBar = 0.95

// independentBar is a floor on the goal set the planner was not written
// against (testdata/agent/independent): it stood at 63.9% when that set
// arrived and 86.5% after general fixes; the 95% is not reached
// there (docs/agent.md).
const independentBar = 0.85

// The fixture account: the demo shop's generator with a fixed seed, so
// that its tags, Shopify, HubSpot and Klaviyo data and catalog are those
// a newcomer sees in `kizuna demo`, at a fixed instant.
var (
	fixtureNow     = time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	fixtureFriends = 1500
)

// goal is one entry of testdata/agent/goals.json.
type goal struct {
	ID     string            `json:"id"`
	Lang   string            `json:"lang"`
	Goal   string            `json:"goal"`
	Then   []string          `json:"then"`
	Right  []json.RawMessage `json:"right"`
	Covers []string          `json:"covers"`
	Note   string            `json:"note"`
}

func loadGoals(t testing.TB) []goal { return loadGoalsFrom(t, "../testdata/agent/goals.json") }

func loadGoalsFrom(t testing.TB, path string) []goal {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var gs []goal
	if err := json.Unmarshal(data, &gs); err != nil {
		t.Fatal(err)
	}
	return gs
}

// fixture imports the demo shop into a fresh SQLite store and returns the
// store, the account and its friends (for the in-memory matcher).
func fixture(t testing.TB, connected bool) (*sqlstore.DB, *kizuna.Account, []*kizuna.Friend) {
	t.Helper()
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := demo.WriteFriends(&buf, demo.Options{Friends: fixtureFriends, Seed: 7, Now: fixtureNow}); err != nil {
		t.Fatal(err)
	}
	var friends []*kizuna.Friend
	var lines bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if !connected {
			// Only LINE data: drop the integrations.
			var m map[string]json.RawMessage
			if err := json.Unmarshal(line, &m); err != nil {
				t.Fatal(err)
			}
			delete(m, "shopify")
			delete(m, "hubspot")
			delete(m, "klaviyo")
			line, _ = json.Marshal(m)
		}
		fr, err := kizuna.ParseFriendLine(line)
		if err != nil {
			t.Fatal(err)
		}
		friends = append(friends, fr)
		lines.Write(line)
		lines.WriteByte('\n')
	}
	if _, err := db.ImportFriends(ctx, a, &lines, kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	// The catalog stays when a source is disconnected: the account
	// without integrations had all three connected once.
	cat, err := kizuna.ParseCatalog(demo.Catalog())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCatalog(ctx, a, cat); err != nil {
		t.Fatal(err)
	}
	if !connected {
		for _, src := range kizuna.Sources {
			secrets := kizuna.ConnectionSecrets{}
			for _, name := range kizuna.RequiredSecrets(src) {
				secrets[name] = "secret"
			}
			if err := db.Connect(ctx, a, "test", kizuna.Connection{Source: src, APIBase: "https://" + src + ".example.com"}, secrets); err != nil {
				t.Fatal(err)
			}
			if err := db.Disconnect(ctx, a, src); err != nil {
				t.Fatal(err)
			}
		}
	}
	return db, a, friends
}

// members is the set of friends a filter matches at the fixture's instant.
func members(t testing.TB, raw json.RawMessage, a *kizuna.Account, friends []*kizuna.Friend) map[string]bool {
	t.Helper()
	return membersAt(t, raw, a, friends, fixtureNow)
}

func membersAt(t testing.TB, raw json.RawMessage, a *kizuna.Account, friends []*kizuna.Friend, now time.Time) map[string]bool {
	t.Helper()
	f, err := kizuna.ParseFilter(raw)
	if err != nil {
		t.Fatalf("filter %s: %v", raw, err)
	}
	m := kizuna.Matcher{Loc: a.Location(), Now: now}
	out := map[string]bool{}
	for _, fr := range friends {
		if m.Match(f, fr) {
			out[fr.LineUserID] = true
		}
	}
	return out
}

func sameSet(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

// converse runs a goal's conversation in Auto mode: the goal, then each
// refinement after the proposal before it.
func converse(t testing.TB, svc *agent.Service, a *kizuna.Account, g goal) *agent.Proposal {
	t.Helper()
	return converseAt(t, svc, a, g, fixtureNow)
}

func converseAt(t testing.TB, svc *agent.Service, a *kizuna.Account, g goal, fixtureNow time.Time) *agent.Proposal {
	t.Helper()
	ctx := context.Background()
	p, err := svc.Propose(ctx, a, agent.Request{Mode: agent.ModeAuto, Lang: g.Lang, Now: fixtureNow, Goal: g.Goal, Actor: "test"})
	if err != nil {
		t.Fatalf("%s: %v", g.ID, err)
	}
	for _, turn := range g.Then {
		if p, err = svc.Propose(ctx, a, agent.Request{After: p.ID, Now: fixtureNow, Goal: turn, Actor: "test"}); err != nil {
			t.Fatalf("%s: %q: %v", g.ID, turn, err)
		}
	}
	return p
}

// TestGoalSetQuality maps every goal of the goal set in Auto mode, offline,
// and compares the proposal's member set with the right readings'. It
// reports the share and every miss, and fails below qualityBar. Every
// proposal must also pass Check and carry assumptions with alternatives.
func TestGoalSetQuality(t *testing.T) {
	t.Parallel()
	goals := loadGoals(t)
	ja := 0
	for _, g := range goals {
		if g.Lang == "ja" {
			ja++
		}
	}
	if len(goals) < 80 || ja*2 < len(goals) {
		t.Fatalf("the goal set has %d goals, %d Japanese: at least 80, half Japanese", len(goals), ja)
	}
	db, a, friends := fixture(t, true)
	svc := &agent.Service{Store: db, Counts: db}
	hits := 0
	for _, g := range goals {
		p := converse(t, svc, a, g)
		if len(p.Assumptions) == 0 || len(p.Assumptions[0].Alternatives) < 2 {
			t.Errorf("%s: a proposal without assumptions and alternatives: %+v", g.ID, p.Assumptions)
		}
		var got map[string]bool
		if len(p.Filter) > 0 {
			got = members(t, p.Filter, a, friends)
			if int64(len(got)) != p.Count {
				t.Errorf("%s: the proposal counts %d, the matcher %d", g.ID, p.Count, len(got))
			}
		}
		right := false
		for _, r := range g.Right {
			if got != nil && sameSet(got, members(t, r, a, friends)) {
				right = true
				break
			}
		}
		if right {
			hits++
			continue
		}
		t.Logf("MISS %s %q %v\n  proposed %s (%d)\n  summary  %s\n  warnings %v", g.ID, g.Goal, g.Then, p.Filter, p.Count, p.Summary, p.Warnings)
	}
	share := float64(hits) / float64(len(goals))
	t.Logf("goal set: %d of %d goals (%d Japanese) mapped to a right member set: %.1f%%", hits, len(goals), ja, 100*share)
	if share < qualityBar {
		t.Errorf("%.1f%% of the goal set is right; the bar is %.0f%%", 100*share, 100*qualityBar)
	}
}

// TestGoalSetRightReadingsDiffer checks the goal set itself: every right
// filter parses, and each goal's readings are told apart by the fixture
// (a reading that matches nobody would let an empty proposal pass).
func TestGoalSetRightReadingsDiffer(t *testing.T) {
	t.Parallel()
	goals := loadGoals(t)
	_, a, friends := fixture(t, true)
	for _, g := range goals {
		for _, r := range g.Right {
			if len(members(t, r, a, friends)) == 0 {
				t.Errorf("%s: the right reading %s matches nobody in the fixture", g.ID, r)
			}
		}
	}
}

// TestGoalSetNotConnected runs every goal on an account with only LINE
// data: no proposal tests a source (nothing is connected), every filter is
// valid, and a goal whose right readings all need a source says so.
func TestGoalSetNotConnected(t *testing.T) {
	t.Parallel()
	goals := loadGoals(t)
	db, a, _ := fixture(t, false)
	svc := &agent.Service{Store: db, Counts: db}
	for _, g := range goals {
		p := converse(t, svc, a, g)
		if len(p.Filter) > 0 {
			f, err := kizuna.ParseFilter(p.Filter)
			if err != nil {
				t.Fatalf("%s: %v", g.ID, err)
			}
			if src := f.Sources(); len(src) > 0 {
				t.Errorf("%s: the proposal tests %v, which are not connected: %s", g.ID, src, p.Filter)
			}
		}
		needs := true
		for _, r := range g.Right {
			f, _ := kizuna.ParseFilter(r)
			if len(f.Sources()) == 0 {
				needs = false
			}
		}
		if !needs {
			continue
		}
		warned := false
		for _, w := range p.Warnings {
			if w.Code == agent.WarnNotConnected {
				warned = true
			}
		}
		if !warned {
			t.Errorf("%s %q: needs a source, but no %s warning: %+v", g.ID, g.Goal, agent.WarnNotConnected, p.Warnings)
		}
	}
}

// independentFixture loads testdata/agent/independent: a goal set and its
// fixture account written by another engineer than the planner's, to
// measure the planner on goals it was not shaped on.
func independentFixture(t testing.TB) (*sqlstore.DB, *kizuna.Account, []*kizuna.Friend, time.Time) {
	t.Helper()
	ctx := context.Background()
	dir := "../testdata/agent/independent/"
	var info struct {
		Account  string    `json:"account"`
		Now      time.Time `json:"now"`
		TimeZone string    `json:"time_zone"`
	}
	data, err := os.ReadFile(dir + "fixture.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &info); err != nil {
		t.Fatal(err)
	}
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, info.Account, info.TimeZone)
	if err != nil {
		t.Fatal(err)
	}
	lines, err := os.ReadFile(dir + "friends.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var friends []*kizuna.Friend
	for _, line := range bytes.Split(lines, []byte("\n")) {
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		fr, err := kizuna.ParseFriendLine(line)
		if err != nil {
			t.Fatal(err)
		}
		friends = append(friends, fr)
	}
	if _, err := db.ImportFriends(ctx, a, bytes.NewReader(lines), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	catData, err := os.ReadFile(dir + "catalog.json")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog(catData)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCatalog(ctx, a, cat); err != nil {
		t.Fatal(err)
	}
	return db, a, friends, info.Now
}

// TestIndependentGoalSet runs the independent goal set like
// TestGoalSetQuality.
func TestIndependentGoalSet(t *testing.T) {
	t.Parallel()
	goals := loadGoalsFrom(t, "../testdata/agent/independent/goals.json")
	db, a, friends, now := independentFixture(t)
	svc := &agent.Service{Store: db, Counts: db}
	hits := 0
	for _, g := range goals {
		p := converseAt(t, svc, a, g, now)
		var got map[string]bool
		if len(p.Filter) > 0 {
			got = membersAt(t, p.Filter, a, friends, now)
		}
		right := false
		for _, r := range g.Right {
			if got != nil && sameSet(got, membersAt(t, r, a, friends, now)) {
				right = true
				break
			}
		}
		if right {
			hits++
			continue
		}
		t.Logf("MISS %s %q %v\n  proposed %s (%d)\n  summary  %s", g.ID, g.Goal, g.Then, p.Filter, p.Count, p.Summary)
	}
	share := float64(hits) / float64(len(goals))
	t.Logf("independent goal set: %d of %d goals mapped to a right member set: %.1f%%", hits, len(goals), 100*share)
	if share < independentBar {
		t.Errorf("%.1f%% of the independent goal set is right; the bar is %.0f%%", 100*share, 100*independentBar)
	}
}
