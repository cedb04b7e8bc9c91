package kizuna_test

import (
	"bufio"
	"bytes"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/conformance"
)

// conformanceFriends parses the vectors' friends.
func conformanceFriends(t *testing.T, v *conformance.Vectors) []*kizuna.Friend {
	t.Helper()
	var friends []*kizuna.Friend
	sc := bufio.NewScanner(bytes.NewReader(v.Friends))
	for n := 1; sc.Scan(); n++ {
		f, err := kizuna.ParseFriendLine(sc.Bytes())
		if err != nil {
			t.Fatalf("friends.ndjson line %d: %v", n, err)
		}
		friends = append(friends, f)
	}
	return friends
}

// TestConformanceMatcher runs every vector through the in-memory matcher.
func TestConformanceMatcher(t *testing.T) {
	c := conformance.Load(t)
	friends := conformanceFriends(t, c)
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
			m := kizuna.Matcher{Loc: loc, Now: tc.Now}
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
			if int64(len(members)) != *tc.Expect.Count {
				t.Errorf("count %d, want %d", len(members), *tc.Expect.Count)
			}
			var sample []string
			for i := 0; i < len(members) && i < 10; i++ {
				sample = append(sample, members[i].LineUserID)
			}
			if len(tc.Expect.Sample) == 0 && len(sample) == 0 {
				return
			}
			if !slices.Equal(sample, tc.Expect.Sample) {
				t.Errorf("sample %v\nwant   %v", sample, tc.Expect.Sample)
			}
		})
	}
}
