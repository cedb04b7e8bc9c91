package kizuna_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Conformance is the vector file of testdata/conformance (a copy of the spec's vectors).
type conformance struct {
	Account struct {
		Timezone string `json:"timezone"`
	} `json:"account"`
	Now   string `json:"now"`
	Cases []struct {
		Name   string          `json:"name"`
		Filter json.RawMessage `json:"filter"`
		Now    string          `json:"now"`
		Expect struct {
			Count  *int     `json:"count"`
			Sample []string `json:"sample"`
			Error  string   `json:"error"`
		} `json:"expect"`
	} `json:"cases"`
}

func loadConformance(t *testing.T) (conformance, []*kizuna.Friend) {
	t.Helper()
	data, err := os.ReadFile("testdata/conformance/cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var c conformance
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile("testdata/conformance/friends.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var friends []*kizuna.Friend
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for n := 1; sc.Scan(); n++ {
		f, err := kizuna.ParseFriendLine(sc.Bytes())
		if err != nil {
			t.Fatalf("friends.ndjson line %d: %v", n, err)
		}
		friends = append(friends, f)
	}
	return c, friends
}

// TestConformanceMatcher runs every vector through the in-memory matcher.
func TestConformanceMatcher(t *testing.T) {
	c, friends := loadConformance(t)
	loc, err := time.LoadLocation(c.Account.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]bool{}
	for _, f := range friends {
		for _, tg := range f.Tags {
			tags[tg] = true
		}
	}
	for _, tc := range c.Cases {
		t.Run(tc.Name, func(t *testing.T) {
			f, err := kizuna.ParseFilter(tc.Filter)
			if err == nil {
				err = f.CheckTags(func(n string) bool { return tags[n] })
			}
			if tc.Expect.Error != "" {
				if kizuna.ErrorCode(err) != tc.Expect.Error {
					t.Fatalf("want refusal %s, got %v", tc.Expect.Error, err)
				}
				if e := err.(*kizuna.Error); e.Path == "" {
					t.Fatalf("refusal without a path: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			now, _ := time.Parse(time.RFC3339, tc.Now)
			m := kizuna.Matcher{Loc: loc, Now: now}
			var members []*kizuna.Friend
			for _, fr := range friends {
				if m.Match(f, fr) {
					members = append(members, fr)
				}
			}
			sort.Slice(members, func(i, j int) bool {
				a, b := members[i], members[j]
				if !a.AddedAt.Equal(b.AddedAt) {
					return a.AddedAt.After(b.AddedAt)
				}
				return a.LineUserID < b.LineUserID
			})
			if len(members) != *tc.Expect.Count {
				t.Errorf("count %d, want %d", len(members), *tc.Expect.Count)
			}
			var sample []string
			for i := 0; i < len(members) && i < 10; i++ {
				sample = append(sample, members[i].LineUserID)
			}
			if len(tc.Expect.Sample) == 0 && len(sample) == 0 {
				return
			}
			if !equal(sample, tc.Expect.Sample) {
				t.Errorf("sample %v\nwant   %v", sample, tc.Expect.Sample)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
