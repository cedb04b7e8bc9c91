package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestAgentProposals: proposals are the account's alone; approving creates
// exactly one segment whose history names the agent and the approver;
// a refused segment leaves the proposal open; cancel creates nothing; the
// open ones are bounded.
func TestAgentProposals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			db := testdb.Open(t, backend)
			a, _ := db.CreateAccount(ctx, "shop-a", "")
			b, _ := db.CreateAccount(ctx, "shop-b", "")
			if _, err := db.ImportFriends(ctx, a, strings.NewReader(ndjson(fullLine(1, "VIP"))), kizuna.ImportOptions{}); err != nil {
				t.Fatal(err)
			}
			wantErr := func(err error, code, path string) {
				t.Helper()
				var e *kizuna.Error
				if kizuna.ErrorCode(err) != code || (path != "" && (!errors.As(err, &e) || e.Path != path)) {
					t.Fatalf("got %v, want %s at %q", err, code, path)
				}
			}
			filter := json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)
			body := json.RawMessage(`{"name":"VIPs","filter":` + string(filter) + `}`)
			p, err := db.CreateAgentProposal(ctx, a, "asker@example.com", body)
			if err != nil {
				t.Fatal(err)
			}
			if p.Status != kizuna.ProposalOpen || p.Actor != "asker@example.com" || string(p.Body) != string(body) {
				t.Fatalf("created %+v", p)
			}
			_, err = db.AgentProposal(ctx, b, p.ID)
			wantErr(err, kizuna.ENOTFOUND, "proposal")
			_, err = db.ApproveAgentProposal(ctx, b, "x", p.ID, "VIPs", filter)
			wantErr(err, kizuna.ENOTFOUND, "proposal")
			wantErr(db.CancelAgentProposal(ctx, b, "x", p.ID), kizuna.ENOTFOUND, "proposal")

			// A refused segment leaves it open.
			if _, err := db.CreateSegment(ctx, a, "someone", "Taken", 0, filter); err != nil {
				t.Fatal(err)
			}
			_, err = db.ApproveAgentProposal(ctx, a, "boss@example.com", p.ID, "Taken", filter)
			wantErr(err, kizuna.ECONFLICT, "name")
			_, err = db.ApproveAgentProposal(ctx, a, "boss@example.com", p.ID, "Bad", json.RawMessage(`{"groups":[]}`))
			wantErr(err, kizuna.EINVALIDFILTER, "")
			if got, _ := db.AgentProposal(ctx, a, p.ID); got.Status != kizuna.ProposalOpen {
				t.Fatalf("after refusals: %+v", got)
			}

			// Concurrent approvals create one segment.
			var wg sync.WaitGroup
			results := make([]error, 4)
			for i := range results {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, results[i] = db.ApproveAgentProposal(ctx, a, "boss@example.com", p.ID, "VIPs", filter)
				}()
			}
			wg.Wait()
			ok := 0
			for _, err := range results {
				if err == nil {
					ok++
				} else {
					wantErr(err, kizuna.ECONFLICT, "proposal")
				}
			}
			segs, _ := db.Segments(ctx, a)
			if ok != 1 || len(segs) != 2 {
				t.Fatalf("%d approvals succeeded, %d segments", ok, len(segs))
			}
			got, _ := db.AgentProposal(ctx, a, p.ID)
			if got.Status != kizuna.ProposalApproved || got.SegmentID == nil || got.DecidedBy != "boss@example.com" || got.DecidedAt == nil {
				t.Fatalf("approved: %+v", got)
			}
			hist, err := db.SegmentHistory(ctx, a, *got.SegmentID)
			if err != nil || len(hist) != 1 || hist[0].Action != kizuna.SegmentActionAgent || hist[0].Actor != "boss@example.com" {
				t.Fatalf("history %+v %v", hist, err)
			}
			wantErr(db.CancelAgentProposal(ctx, a, "x", p.ID), kizuna.ECONFLICT, "proposal")

			// Cancel creates nothing and closes it.
			c, _ := db.CreateAgentProposal(ctx, a, "asker@example.com", body)
			if err := db.CancelAgentProposal(ctx, a, "asker@example.com", c.ID); err != nil {
				t.Fatal(err)
			}
			_, err = db.ApproveAgentProposal(ctx, a, "boss@example.com", c.ID, "Other", filter)
			wantErr(err, kizuna.ECONFLICT, "proposal")
			if segs, _ := db.Segments(ctx, a); len(segs) != 2 {
				t.Fatalf("%d segments after cancel", len(segs))
			}

			// Open proposals are bounded; decided ones stay.
			var last *kizuna.AgentProposal
			for i := 0; i < kizuna.MaxOpenProposals+5; i++ {
				if last, err = db.CreateAgentProposal(ctx, b, "x", json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
					t.Fatal(err)
				}
			}
			var open int
			if err := db.WriteDB().QueryRowContext(ctx, db.Q(`SELECT COUNT(*) FROM agent_proposals WHERE account_id = ? AND status = 'open'`), b.ID).Scan(&open); err != nil {
				t.Fatal(err)
			}
			if open != kizuna.MaxOpenProposals {
				t.Fatalf("%d open proposals, want %d", open, kizuna.MaxOpenProposals)
			}
			if _, err := db.AgentProposal(ctx, b, last.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.AgentProposal(ctx, a, p.ID); err != nil {
				t.Fatalf("a decided proposal was forgotten: %v", err)
			}
		})
	}
}
