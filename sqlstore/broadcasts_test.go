package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// bcFixture is a database with a clock, an account "shop-a" (Asia/Tokyo)
// holding the segment "VIPs", and an account "shop-b" with one of its own.
type bcFixture struct {
	db     *sqlstore.DB
	clock  time.Time
	a, b   *kizuna.Account
	seg    *kizuna.Segment // shop-a's
	segB   *kizuna.Segment // shop-b's
	hello  []kizuna.Message
	bye    []kizuna.Message
	notSeg int64
}

var vipFilter = json.RawMessage(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`)

func newBCFixture(t testing.TB, db *sqlstore.DB) *bcFixture {
	t.Helper()
	ctx := context.Background()
	fx := &bcFixture{db: db, clock: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	db.Now = func() time.Time { return fx.clock }
	var err error
	if fx.a, err = db.CreateAccount(ctx, "shop-a", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	if fx.b, err = db.CreateAccount(ctx, "shop-b", "Asia/Tokyo"); err != nil {
		t.Fatal(err)
	}
	for _, acc := range []*kizuna.Account{fx.a, fx.b} {
		if err := db.CreateTag(ctx, acc, "VIP"); err != nil {
			t.Fatal(err)
		}
	}
	if fx.seg, err = db.CreateSegment(ctx, fx.a, "aiko@example.com", "VIPs", 0, vipFilter); err != nil {
		t.Fatal(err)
	}
	if fx.segB, err = db.CreateSegment(ctx, fx.b, "ben@example.com", "B VIPs", 0, vipFilter); err != nil {
		t.Fatal(err)
	}
	fx.hello = []kizuna.Message{{Type: "text", Text: "Hello"}}
	fx.bye = []kizuna.Message{{Type: "text", Text: "Bye"}, {Type: "sticker", PackageID: "446", StickerID: "1988"}}
	return fx
}

func (fx *bcFixture) at(d time.Duration) kizuna.Schedule {
	t := fx.clock.Add(d)
	return kizuna.Schedule{Kind: kizuna.ScheduleAt, At: &t}
}

func (fx *bcFixture) create(t *testing.T, name string, s kizuna.Schedule) *kizuna.Broadcast {
	t.Helper()
	b, err := fx.db.CreateBroadcast(context.Background(), fx.a, "aiko@example.com", kizuna.BroadcastDraft{Name: name, SegmentID: fx.seg.ID, Messages: fx.hello, Schedule: s})
	if err != nil {
		t.Fatalf("create %q: %v", name, err)
	}
	return b
}

// due calls DueRuns at the fixture's clock and returns the open runs of
// broadcast id.
func (fx *bcFixture) due(t *testing.T, id int64) []kizuna.RunRef {
	t.Helper()
	refs, err := fx.db.DueRuns(context.Background(), fx.clock)
	if err != nil {
		t.Fatal(err)
	}
	var out []kizuna.RunRef
	for _, r := range refs {
		if r.BroadcastID == id {
			out = append(out, r)
		}
	}
	return out
}

func wantCode(t *testing.T, what string, err error, code, path string) *kizuna.Error {
	t.Helper()
	var e *kizuna.Error
	if kizuna.ErrorCode(err) != code || !errors.As(err, &e) || (path != "" && e.Path != path) {
		t.Fatalf("%s: got %v, want %s at %q", what, err, code, path)
	}
	return e
}

func recipients(from, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = uid(from + i)
	}
	return out
}

// TestBroadcastCRUD covers creating, listing, reading, editing and
// canceling broadcasts on both backends, the refusals that change nothing,
// a stale edit, the segments' usage and the refused delete of a segment a
// broadcast will send to, and that accounts cannot see each other's.
func TestBroadcastCRUD(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fx := newBCFixture(t, testdb.Open(t, backend))
			db, a, b := fx.db, fx.a, fx.b
			tokyo := a.Location()
			draft := kizuna.BroadcastDraft{Name: " Winter sale ", SegmentID: fx.seg.ID, Messages: fx.hello, Schedule: fx.at(2 * time.Hour)}

			// Refusals.
			bad := draft
			bad.Name = " "
			_, err := db.CreateBroadcast(ctx, a, "aiko@example.com", bad)
			wantCode(t, "an empty name", err, kizuna.EINVALID, "name")
			bad = draft
			bad.Messages = nil
			_, err = db.CreateBroadcast(ctx, a, "aiko@example.com", bad)
			wantCode(t, "no messages", err, kizuna.EINVALID, "messages")
			bad = draft
			bad.Schedule = kizuna.Schedule{Kind: "hourly"}
			_, err = db.CreateBroadcast(ctx, a, "aiko@example.com", bad)
			wantCode(t, "an unknown schedule", err, kizuna.EINVALID, "schedule.kind")
			bad = draft
			bad.SegmentID = fx.segB.ID
			_, err = db.CreateBroadcast(ctx, a, "aiko@example.com", bad)
			wantCode(t, "another account's segment", err, kizuna.ENOTFOUND, "segment_id")
			gone, err := db.CreateSegment(ctx, a, "aiko@example.com", "Gone", 0, vipFilter)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteSegment(ctx, a, "aiko@example.com", gone.ID); err != nil {
				t.Fatal(err)
			}
			bad.SegmentID = gone.ID
			_, err = db.CreateBroadcast(ctx, a, "aiko@example.com", bad)
			wantCode(t, "a deleted segment", err, kizuna.ENOTFOUND, "segment_id")
			if list, err := db.Broadcasts(ctx, a); err != nil || len(list) != 0 {
				t.Fatalf("refused creates saved %d broadcasts (%v)", len(list), err)
			}

			// Create: an "at" broadcast is scheduled for its instant.
			created := fx.clock
			sale, err := db.CreateBroadcast(ctx, a, "aiko@example.com", draft)
			if err != nil {
				t.Fatal(err)
			}
			if sale.Name != "Winter sale" || sale.Status != kizuna.BroadcastScheduled || sale.SegmentName != "VIPs" || sale.Version != 1 ||
				sale.NextRunAt == nil || !sale.NextRunAt.Equal(*draft.Schedule.At) || sale.NextRunAt.Location() != tokyo ||
				sale.CreatedBy != "aiko@example.com" || !sale.CreatedAt.Equal(created) || len(sale.Runs) != 0 || sale.LastRun != nil ||
				sale.Schedule.Kind != kizuna.ScheduleAt || !sale.Schedule.At.Equal(*draft.Schedule.At) || len(sale.Messages) != 1 || sale.Messages[0] != fx.hello[0] {
				t.Fatalf("created %+v", sale)
			}
			// A "now" broadcast is due at once.
			fx.clock = fx.clock.Add(time.Minute)
			now := fx.create(t, "Flash", kizuna.Schedule{Kind: kizuna.ScheduleNow})
			if now.Status != kizuna.BroadcastScheduled || now.NextRunAt == nil || !now.NextRunAt.Equal(fx.clock) {
				t.Fatalf("a now broadcast: %+v", now)
			}

			// List: newest first, with the segment's name.
			list, err := db.Broadcasts(ctx, a)
			if err != nil || len(list) != 2 || list[0].ID != now.ID || list[1].ID != sale.ID || list[1].SegmentName != "VIPs" {
				t.Fatalf("Broadcasts: %+v %v", list, err)
			}
			got, err := db.Broadcast(ctx, a, sale.ID)
			if err != nil || got.Name != "Winter sale" || got.Version != 1 || got.Runs == nil || len(got.Runs) != 0 {
				t.Fatalf("Broadcast: %+v %v", got, err)
			}

			// Edit: a new name, segment, messages and time, and a version step.
			seg2, err := db.CreateSegment(ctx, a, "aiko@example.com", "Regulars", 0, vipFilter)
			if err != nil {
				t.Fatal(err)
			}
			fx.clock = fx.clock.Add(time.Minute)
			edit := kizuna.BroadcastDraft{Name: "Winter sale 2", SegmentID: seg2.ID, Messages: fx.bye, Schedule: fx.at(3 * time.Hour), Version: 1}
			edited, err := db.EditBroadcast(ctx, a, "ben@example.com", sale.ID, edit)
			if err != nil {
				t.Fatal(err)
			}
			if edited.Name != "Winter sale 2" || edited.SegmentName != "Regulars" || edited.Version != 2 || len(edited.Messages) != 2 ||
				!edited.NextRunAt.Equal(*edit.Schedule.At) || !edited.UpdatedAt.Equal(fx.clock) || edited.CreatedBy != "aiko@example.com" {
				t.Fatalf("edited %+v", edited)
			}
			// A stale edit names who changed it, and when, in the zone; it
			// changes nothing.
			fx.clock = fx.clock.Add(time.Minute)
			stale := edit
			stale.Name = "Old"
			e := wantCode(t, "a stale edit", err0(db.EditBroadcast(ctx, a, "aiko@example.com", sale.ID, stale)), kizuna.ECONFLICT, kizuna.StalePath)
			for _, want := range []string{"ben@example.com", "2026-11-28 21:02:00 JST", "version 1 (now 2)"} {
				if !strings.Contains(e.Message, want) {
					t.Errorf("stale message %q does not say %q", e.Message, want)
				}
			}
			// Refused edits change nothing.
			bad = edit
			bad.Version, bad.SegmentID = 2, fx.segB.ID
			wantCode(t, "an edit to another account's segment", err0(db.EditBroadcast(ctx, a, "ben@example.com", sale.ID, bad)), kizuna.ENOTFOUND, "segment_id")
			bad = edit
			bad.Version, bad.Messages = 2, make([]kizuna.Message, 6)
			wantCode(t, "an edit with six messages", err0(db.EditBroadcast(ctx, a, "ben@example.com", sale.ID, bad)), kizuna.EINVALID, "messages")
			if got, err := db.Broadcast(ctx, a, sale.ID); err != nil || got.Name != "Winter sale 2" || got.Version != 2 || got.SegmentID != seg2.ID {
				t.Fatalf("refused edits changed the broadcast: %+v %v", got, err)
			}

			// Segment usage: every broadcast not canceled.
			usage, err := db.SegmentUsage(ctx, a)
			if err != nil || len(usage) != 2 || len(usage[seg2.ID]) != 1 || usage[seg2.ID][0].Name != "Winter sale 2" ||
				len(usage[fx.seg.ID]) != 1 || usage[fx.seg.ID][0].Name != "Flash" {
				t.Fatalf("SegmentUsage: %v %v", usage, err)
			}
			// The segment of a scheduled broadcast cannot be deleted.
			fx.create(t, `Say "hi"`, fx.at(time.Hour))
			e = wantCode(t, "deleting a used segment", db.DeleteSegment(ctx, a, "aiko@example.com", fx.seg.ID), kizuna.ECONFLICT, "")
			if want := `the segment is used by broadcasts "Flash", "Say \"hi\""; cancel them first`; e.Message != want {
				t.Errorf("refusal %q, want %q", e.Message, want)
			}
			if _, err := db.Segment(ctx, a, fx.seg.ID); err != nil {
				t.Fatalf("the refused delete deleted: %v", err)
			}

			// Account isolation.
			for what, err := range map[string]error{
				"read":   err0(db.Broadcast(ctx, b, sale.ID)),
				"edit":   err0(db.EditBroadcast(ctx, b, "ben@example.com", sale.ID, kizuna.BroadcastDraft{Name: "x", SegmentID: fx.segB.ID, Messages: fx.hello, Schedule: fx.at(time.Hour)})),
				"cancel": err0(db.CancelBroadcast(ctx, b, "ben@example.com", sale.ID)),
			} {
				wantCode(t, "account B's "+what+" of A's broadcast", err, kizuna.ENOTFOUND, "")
			}
			if list, err := db.Broadcasts(ctx, b); err != nil || len(list) != 0 {
				t.Fatalf("account B lists %+v %v", list, err)
			}
			if usage, err := db.SegmentUsage(ctx, b); err != nil || len(usage) != 0 {
				t.Fatalf("account B's usage %+v %v", usage, err)
			}
			if got, err := db.Broadcast(ctx, a, sale.ID); err != nil || got.Status != kizuna.BroadcastScheduled || got.Version != 2 {
				t.Fatalf("B's attempts changed A's broadcast: %+v %v", got, err)
			}

			// Cancel: twice is fine; a canceled broadcast cannot be edited,
			// leaves the segments' usage and no longer holds its segment.
			fx.clock = fx.clock.Add(time.Minute)
			for range 2 {
				c, err := db.CancelBroadcast(ctx, a, "ben@example.com", now.ID)
				if err != nil || c.Status != kizuna.BroadcastCanceled || c.NextRunAt != nil || c.Version != 2 {
					t.Fatalf("cancel: %+v %v", c, err)
				}
			}
			c, _ := db.Broadcast(ctx, a, now.ID)
			wantCode(t, "editing a canceled broadcast", err0(db.EditBroadcast(ctx, a, "ben@example.com", now.ID, kizuna.BroadcastDraft{Name: "x", SegmentID: fx.seg.ID, Messages: fx.hello, Schedule: fx.at(time.Hour), Version: c.Version})), kizuna.ECONFLICT, "")
			usage, _ = db.SegmentUsage(ctx, a)
			if len(usage[fx.seg.ID]) != 1 || usage[fx.seg.ID][0].Name != `Say "hi"` {
				t.Fatalf("usage after a cancel: %+v", usage[fx.seg.ID])
			}
			e = wantCode(t, "deleting a segment still used", db.DeleteSegment(ctx, a, "aiko@example.com", fx.seg.ID), kizuna.ECONFLICT, "")
			if strings.Contains(e.Message, "Flash") {
				t.Errorf("the refusal names a canceled broadcast: %q", e.Message)
			}
			last := usage[fx.seg.ID][0]
			if _, err := db.CancelBroadcast(ctx, a, "aiko@example.com", last.ID); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteSegment(ctx, a, "aiko@example.com", fx.seg.ID); err != nil {
				t.Fatalf("deleting a segment whose broadcasts are canceled: %v", err)
			}
			// A broadcast keeps its deleted segment's name.
			if got, err := db.Broadcast(ctx, a, now.ID); err != nil || got.SegmentName != "VIPs" {
				t.Fatalf("a broadcast of a deleted segment: %+v %v", got, err)
			}
		})
	}
}

// err0 drops the value of a (value, error) pair.
func err0[T any](_ T, err error) error { return err }

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestBroadcastRuns covers the sender's side on both backends: due runs of
// "now" and "at" broadcasts, created once; the recipient snapshot, once;
// batches and their retry keys; finishing batches once and the run's end
// and waterfall; stopping a run; canceling during a run.
func TestBroadcastRuns(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fx := newBCFixture(t, testdb.Open(t, backend))
			db, a := fx.db, fx.a

			later := fx.create(t, "Later", fx.at(time.Hour))
			now := fx.create(t, "Now", kizuna.Schedule{Kind: kizuna.ScheduleNow})
			created := fx.clock
			fx.clock = fx.clock.Add(time.Second)
			refs := fx.due(t, now.ID)
			if len(refs) != 1 || refs[0].Status != kizuna.RunPending || refs[0].AccountID != a.ID || refs[0].AccountName != "shop-a" ||
				refs[0].SegmentID != fx.seg.ID || !refs[0].ScheduledFor.Equal(created) {
				t.Fatalf("DueRuns: %+v", refs)
			}
			if len(fx.due(t, later.ID)) != 0 {
				t.Fatal("a broadcast due in an hour has a run")
			}
			// Called again, DueRuns returns the same open run.
			if again := fx.due(t, now.ID); len(again) != 1 || again[0].RunID != refs[0].RunID {
				t.Fatalf("DueRuns again: %+v", again)
			}
			run := refs[0].RunID
			got, _ := db.Broadcast(ctx, a, now.ID)
			if got.Status != kizuna.BroadcastSending || got.NextRunAt != nil || len(got.Runs) != 1 || got.LastRun == nil || got.LastRun.Status != kizuna.RunPending {
				t.Fatalf("after DueRuns: %+v", got)
			}
			// A broadcast with a run can no longer be edited.
			wantCode(t, "an edit after a run", err0(db.EditBroadcast(ctx, a, "aiko@example.com", now.ID,
				kizuna.BroadcastDraft{Name: "x", SegmentID: fx.seg.ID, Messages: fx.bye, Schedule: fx.at(time.Hour)})), kizuna.ECONFLICT, "")
			// A sending broadcast holds its segment.
			if err := db.DeleteSegment(ctx, a, "aiko@example.com", fx.seg.ID); kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				t.Fatalf("deleting the segment of a sending broadcast: %v", err)
			}

			// The snapshot: 1,201 recipients in three batches, one with an
			// ID that JSON must escape.
			to := recipients(1, 1201)
			to[1200] = "U\"odd\\\u00e9\x01"
			quota := int64(5000)
			w := kizuna.Waterfall{Matched: 1300, Following: 1201, Quota: &quota, QuotaAllows: 1201}
			fx.clock = fx.clock.Add(time.Second)
			started := fx.clock
			batches, err := db.SnapshotRun(ctx, run, to, w)
			if err != nil || len(batches) != 3 {
				t.Fatalf("SnapshotRun: %v %v", batches, err)
			}
			// A second snapshot, with other recipients, changes nothing.
			again, err := db.SnapshotRun(ctx, run, recipients(5000, 10), kizuna.Waterfall{Matched: 1})
			if err != nil || fmt.Sprint(again) != fmt.Sprint(batches) {
				t.Fatalf("a second SnapshotRun: %v %v", again, err)
			}
			keys := map[string]bool{}
			var all []string
			for i, id := range batches {
				bt, err := db.Batch(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if bt.RunID != run || bt.AccountID != a.ID || bt.Seq != i || bt.Status != kizuna.BatchPending || bt.Attempts != 0 ||
					!uuidV4.MatchString(bt.RetryKey) || keys[bt.RetryKey] || len(bt.Messages) != 1 || bt.Messages[0] != fx.hello[0] {
					t.Fatalf("batch %d: %+v", i, bt)
				}
				keys[bt.RetryKey] = true
				all = append(all, bt.Recipients...)
			}
			if fmt.Sprint(all) != fmt.Sprint(to) {
				t.Fatalf("the batches hold other recipients than given")
			}
			if bt, _ := db.Batch(ctx, batches[2]); len(bt.Recipients) != 201 || bt.Recipients[200] != to[1200] {
				t.Fatalf("the last batch: %d recipients, last %q", len(bt.Recipients), bt.Recipients[len(bt.Recipients)-1])
			}
			got, _ = db.Broadcast(ctx, a, now.ID)
			r := got.Runs[0]
			if r.Status != kizuna.RunSending || r.StartedAt == nil || !r.StartedAt.Equal(started) || r.Waterfall.Matched != 1300 || r.Waterfall.Following != 1201 ||
				r.Waterfall.Quota == nil || *r.Waterfall.Quota != 5000 || r.Waterfall.QuotaAllows != 1201 || r.Waterfall.Sent != 0 {
				t.Fatalf("the run after its snapshot: %+v", r)
			}

			// Attempts, then outcomes: each batch finishes once.
			for range 2 {
				if err := db.BatchAttempt(ctx, batches[0]); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.BatchAttempt(ctx, batches[1]); err != nil {
				t.Fatal(err)
			}
			got, _ = db.Broadcast(ctx, a, now.ID)
			if wf := got.Runs[0].Waterfall; wf.Sent != 1000 || wf.Accepted != 0 {
				t.Fatalf("two batches attempted: %+v", wf)
			}
			if err := db.FinishBatch(ctx, batches[0], kizuna.BatchAccepted, "req-1", ""); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishBatch(ctx, batches[0], kizuna.BatchFailed, "", "too late"); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishBatch(ctx, batches[1], kizuna.BatchFailed, "req-2", "The request body has 1 error(s)"); err != nil {
				t.Fatal(err)
			}
			if bt, _ := db.Batch(ctx, batches[0]); bt.Status != kizuna.BatchAccepted || bt.RequestID != "req-1" || bt.Error != "" || bt.Attempts != 2 {
				t.Fatalf("a batch finished twice: %+v", bt)
			}
			if open := fx.due(t, now.ID); len(open) != 1 || open[0].Status != kizuna.RunSending {
				t.Fatalf("a run with a pending batch is not open: %+v", open)
			}
			fx.clock = fx.clock.Add(time.Second)
			if err := db.FinishBatch(ctx, batches[2], kizuna.BatchAccepted, "req-3", ""); err != nil {
				t.Fatal(err)
			}
			got, _ = db.Broadcast(ctx, a, now.ID)
			r = got.Runs[0]
			wf := r.Waterfall
			if got.Status != kizuna.BroadcastSent || r.Status != kizuna.RunPartial || r.FinishedAt == nil || !r.FinishedAt.Equal(fx.clock) ||
				wf.Sent != 1201 || wf.Accepted != 701 || wf.Failed != 500 || wf.Unsent != 0 ||
				len(wf.Failures) != 1 || wf.Failures[0] != (kizuna.Failure{Reason: "The request body has 1 error(s)", Recipients: 500}) {
				t.Fatalf("the ended run: %s %+v %+v", got.Status, r, wf)
			}
			if len(fx.due(t, now.ID)) != 0 {
				t.Fatal("an ended run is still open")
			}
			if list, _ := db.Broadcasts(ctx, a); list[0].ID != now.ID || list[0].LastRun == nil || list[0].LastRun.Waterfall.Accepted != 701 || len(list[0].LastRun.Waterfall.Failures) != 1 {
				t.Fatalf("the list's last run: %+v", list[0].LastRun)
			}
			// Finishing, stopping or canceling an ended run changes nothing.
			if err := db.FinishBatch(ctx, batches[2], kizuna.BatchFailed, "", "x"); err != nil {
				t.Fatal(err)
			}
			if err := db.StopRun(ctx, run, "monthly_limit"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, "canceling a sent broadcast", err0(db.CancelBroadcast(ctx, a, "aiko@example.com", now.ID)), kizuna.ECONFLICT, "")
			if got2, _ := db.Broadcast(ctx, a, now.ID); got2.Runs[0].Status != kizuna.RunPartial || got2.Runs[0].StopReason != "" || got2.Status != kizuna.BroadcastSent {
				t.Fatalf("an ended run changed: %+v", got2.Runs[0])
			}
			// A sent broadcast no longer holds its segment... but "Later"
			// still does.
			if err := db.DeleteSegment(ctx, a, "aiko@example.com", fx.seg.ID); kizuna.ErrorCode(err) != kizuna.ECONFLICT || !strings.Contains(err.Error(), `"Later"`) || strings.Contains(err.Error(), `"Now"`) {
				t.Fatalf("deleting a segment of a sent and a scheduled broadcast: %v", err)
			}

			// Unknown runs and batches.
			wantCode(t, "an unknown run", err0(db.SnapshotRun(ctx, 99999, to, w)), kizuna.ENOTFOUND, "")
			wantCode(t, "an unknown batch", err0(db.Batch(ctx, 99999)), kizuna.ENOTFOUND, "")
			wantCode(t, "an unknown batch's attempt", db.BatchAttempt(ctx, 99999), kizuna.ENOTFOUND, "")
			wantCode(t, "an unknown batch's end", db.FinishBatch(ctx, 99999, kizuna.BatchAccepted, "", ""), kizuna.ENOTFOUND, "")
			if err := db.FinishBatch(ctx, batches[0], kizuna.BatchPending, "", ""); err == nil {
				t.Fatal("FinishBatch took the status pending")
			}

			// runOf creates a "now" broadcast and its run, snapshotted with
			// n recipients; it returns the broadcast, run and batches.
			runOf := func(name string, n int) (int64, int64, []int64) {
				t.Helper()
				bc := fx.create(t, name, kizuna.Schedule{Kind: kizuna.ScheduleNow})
				refs := fx.due(t, bc.ID)
				if len(refs) != 1 {
					t.Fatalf("%s: runs %+v", name, refs)
				}
				ids, err := db.SnapshotRun(ctx, refs[0].RunID, recipients(1, n), kizuna.Waterfall{Matched: int64(n), Following: int64(n), QuotaAllows: int64(n)})
				if err != nil {
					t.Fatal(err)
				}
				return bc.ID, refs[0].RunID, ids
			}
			finishAll := func(ids []int64, status string) {
				t.Helper()
				for _, id := range ids {
					if err := db.FinishBatch(ctx, id, status, "", "LINE says no"); err != nil {
						t.Fatal(err)
					}
				}
			}
			runState := func(id int64) (*kizuna.Broadcast, kizuna.BroadcastRun) {
				t.Helper()
				bc, err := db.Broadcast(ctx, a, id)
				if err != nil || len(bc.Runs) != 1 {
					t.Fatalf("broadcast %d: %+v %v", id, bc, err)
				}
				return bc, bc.Runs[0]
			}

			// Every batch accepted: sent. None accepted, some failed: failed.
			id, _, ids := runOf("All", 1000)
			finishAll(ids, kizuna.BatchAccepted)
			if bc, r := runState(id); bc.Status != kizuna.BroadcastSent || r.Status != kizuna.RunSent || r.Waterfall.Accepted != 1000 {
				t.Fatalf("all accepted: %s %+v", bc.Status, r)
			}
			id, _, ids = runOf("None", 600)
			finishAll(ids, kizuna.BatchFailed)
			if bc, r := runState(id); bc.Status != kizuna.BroadcastSent || r.Status != kizuna.RunFailed || r.Waterfall.Failed != 600 || r.Waterfall.Failures[0].Recipients != 600 {
				t.Fatalf("all failed: %s %+v", bc.Status, r)
			}
			// No recipients: the run ends at once, sent.
			id, _, ids = runOf("Nobody", 0)
			if bc, r := runState(id); len(ids) != 0 || bc.Status != kizuna.BroadcastSent || r.Status != kizuna.RunSent || r.FinishedAt == nil || r.Waterfall.Matched != 0 {
				t.Fatalf("no recipients: %v %s %+v", ids, bc.Status, r)
			}

			// StopRun: the monthly limit after one batch keeps the rest
			// unsent; the run is partial, its reason kept.
			id, run, ids = runOf("Limit", 1500)
			finishAll(ids[:1], kizuna.BatchAccepted)
			if err := db.StopRun(ctx, run, "monthly_limit"); err != nil {
				t.Fatal(err)
			}
			if err := db.FinishBatch(ctx, ids[1], kizuna.BatchAccepted, "late", ""); err != nil {
				t.Fatal(err)
			}
			if bc, r := runState(id); bc.Status != kizuna.BroadcastSent || r.Status != kizuna.RunPartial || r.StopReason != "monthly_limit" ||
				r.Waterfall.Accepted != 500 || r.Waterfall.Unsent != 1000 || r.Waterfall.Sent != 500 {
				t.Fatalf("stopped: %s %+v", bc.Status, r)
			}
			if bt, _ := db.Batch(ctx, ids[1]); bt.Status != kizuna.BatchUnsent || bt.Error != "monthly_limit" || bt.RequestID != "" {
				t.Fatalf("an unsent batch: %+v", bt)
			}

			// Cancel during a run: the pending batches are kept unsent.
			id, run, ids = runOf("Cancel me", 1500)
			finishAll(ids[:1], kizuna.BatchAccepted)
			for range 2 {
				if bc, err := db.CancelBroadcast(ctx, a, "ben@example.com", id); err != nil || bc.Status != kizuna.BroadcastCanceled {
					t.Fatalf("cancel during a run: %+v %v", bc, err)
				}
			}
			if bc, r := runState(id); bc.Status != kizuna.BroadcastCanceled || r.Status != kizuna.RunPartial || r.StopReason != "canceled" ||
				r.Waterfall.Accepted != 500 || r.Waterfall.Unsent != 1000 || r.FinishedAt == nil {
				t.Fatalf("canceled during a run: %s %+v", bc.Status, r)
			}
			if pending, err := db.SnapshotRun(ctx, run, recipients(1, 10), kizuna.Waterfall{}); err != nil || len(pending) != 0 {
				t.Fatalf("a canceled run's pending batches: %v %v", pending, err)
			}
			// Canceled before its snapshot: the run is canceled and a late
			// snapshot takes nobody.
			bc := fx.create(t, "Cancel early", kizuna.Schedule{Kind: kizuna.ScheduleNow})
			refs = fx.due(t, bc.ID)
			if _, err := db.CancelBroadcast(ctx, a, "ben@example.com", bc.ID); err != nil {
				t.Fatal(err)
			}
			if pending, err := db.SnapshotRun(ctx, refs[0].RunID, recipients(1, 10), kizuna.Waterfall{}); err != nil || len(pending) != 0 {
				t.Fatalf("a snapshot after a cancel: %v %v", pending, err)
			}
			if _, r := runState(bc.ID); r.Status != kizuna.RunCanceled || r.StartedAt != nil || r.Waterfall.Unsent != 0 {
				t.Fatalf("a run canceled before its snapshot: %+v", r)
			}
			if len(fx.due(t, bc.ID)) != 0 {
				t.Fatal("a canceled run is open")
			}

			// "Later" runs when its time comes, once.
			fx.clock = later.NextRunAt.Add(time.Millisecond)
			if refs := fx.due(t, later.ID); len(refs) != 1 || !refs[0].ScheduledFor.Equal(*later.NextRunAt) {
				t.Fatalf("Later's run: %+v", refs)
			}
			if refs := fx.due(t, later.ID); len(refs) != 1 {
				t.Fatalf("Later's runs after a second DueRuns: %+v", refs)
			}
			if got, _ := db.Broadcast(ctx, a, later.ID); len(got.Runs) != 1 || got.Status != kizuna.BroadcastSending {
				t.Fatalf("Later: %+v", got)
			}
		})
	}
}

// TestBroadcastDaily checks a recurring broadcast on both backends: due at
// the schedule's time in the account's zone, one run per time however
// often DueRuns is called, a second run at the next time, one catch-up run
// after missed times, and a cancel that ends the run under way.
func TestBroadcastDaily(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			fx := newBCFixture(t, testdb.Open(t, backend))
			db, a := fx.db, fx.a
			tokyo := a.Location()
			// 12:00 UTC is 21:00 in Tokyo: the first 09:00 is tomorrow's.
			daily := fx.create(t, "Morning", kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: "09:00"})
			first := time.Date(2026, 11, 29, 9, 0, 0, 0, tokyo)
			if daily.Status != kizuna.BroadcastRecurring || daily.NextRunAt == nil || !daily.NextRunAt.Equal(first) {
				t.Fatalf("a daily broadcast: %+v", daily)
			}
			fx.clock = first.Add(-time.Second)
			if refs := fx.due(t, daily.ID); len(refs) != 0 {
				t.Fatalf("runs before the time: %+v", refs)
			}
			fx.clock = first.Add(2 * time.Second)
			for range 2 {
				if refs := fx.due(t, daily.ID); len(refs) != 1 || !refs[0].ScheduledFor.Equal(first) {
					t.Fatalf("runs at the first time: %+v", refs)
				}
			}
			got, _ := db.Broadcast(ctx, a, daily.ID)
			second := time.Date(2026, 11, 30, 9, 0, 0, 0, tokyo)
			if got.Status != kizuna.BroadcastRecurring || got.NextRunAt == nil || !got.NextRunAt.Equal(second) || len(got.Runs) != 1 {
				t.Fatalf("after the first run: %+v", got)
			}
			ids, err := db.SnapshotRun(ctx, got.Runs[0].ID, recipients(1, 3), kizuna.Waterfall{Matched: 3, Following: 3, QuotaAllows: 3})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.FinishBatch(ctx, ids[0], kizuna.BatchAccepted, "r1", ""); err != nil {
				t.Fatal(err)
			}
			got, _ = db.Broadcast(ctx, a, daily.ID)
			if got.Status != kizuna.BroadcastRecurring || got.Runs[0].Status != kizuna.RunSent {
				t.Fatalf("a recurring broadcast after a run: %+v", got)
			}
			// The second run, once.
			fx.clock = second
			for range 2 {
				if refs := fx.due(t, daily.ID); len(refs) != 1 || !refs[0].ScheduledFor.Equal(second) {
					t.Fatalf("runs at the second time: %+v", refs)
				}
			}
			got, _ = db.Broadcast(ctx, a, daily.ID)
			if len(got.Runs) != 2 || !got.Runs[0].ScheduledFor.Equal(second) || got.LastRun.ID != got.Runs[0].ID {
				t.Fatalf("runs, latest first: %+v", got.Runs)
			}
			// Down for three days: one catch-up run, then the next time after now.
			fx.clock = time.Date(2026, 12, 3, 12, 0, 0, 0, tokyo)
			refs := fx.due(t, daily.ID)
			if len(refs) != 2 || !refs[1].ScheduledFor.Equal(time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo)) {
				t.Fatalf("catching up: %+v", refs)
			}
			got, _ = db.Broadcast(ctx, a, daily.ID)
			if !got.NextRunAt.Equal(time.Date(2026, 12, 4, 9, 0, 0, 0, tokyo)) || len(got.Runs) != 3 {
				t.Fatalf("after catching up: next %v, %d runs", got.NextRunAt, len(got.Runs))
			}
			// Cancel: the open runs end, none comes again.
			if _, err := db.CancelBroadcast(ctx, a, "aiko@example.com", daily.ID); err != nil {
				t.Fatal(err)
			}
			fx.clock = fx.clock.Add(48 * time.Hour)
			if refs := fx.due(t, daily.ID); len(refs) != 0 {
				t.Fatalf("runs after a cancel: %+v", refs)
			}
			got, _ = db.Broadcast(ctx, a, daily.ID)
			if got.Status != kizuna.BroadcastCanceled || got.NextRunAt != nil || len(got.Runs) != 3 || got.Runs[0].Status != kizuna.RunCanceled || got.Runs[1].Status != kizuna.RunCanceled {
				t.Fatalf("a canceled daily broadcast: %+v", got)
			}
		})
	}
}

// TestDueRunsConcurrent has two processes' handles on one PostgreSQL call
// DueRuns at once, again and again, as the clock passes the times of many
// broadcasts: each gets exactly one run.
func TestDueRunsConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.DSN(t, "postgres")
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	fx := newBCFixture(t, dbs[0])
	start := fx.clock
	const n = 40
	var ids []int64
	for i := range n {
		s := kizuna.Schedule{Kind: kizuna.ScheduleNow}
		if i%2 == 1 {
			s = fx.at(time.Duration(i) * time.Second)
		}
		ids = append(ids, fx.create(t, fmt.Sprintf("b%d", i), s).ID)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for step := range 3 * n {
				if _, err := db.DueRuns(ctx, start.Add(time.Duration(step)*time.Second/2)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	refs, err := dbs[1].DueRuns(ctx, start.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	runs := map[int64]int{}
	for _, r := range refs {
		runs[r.BroadcastID]++
	}
	for _, id := range ids {
		b, err := dbs[1].Broadcast(ctx, fx.a, id)
		if err != nil || runs[id] != 1 || len(b.Runs) != 1 || b.Status != kizuna.BroadcastSending {
			t.Fatalf("broadcast %d: %d open runs, %+v %v", id, runs[id], b, err)
		}
	}
}

// BenchmarkSnapshotRun1M measures the recipient snapshot of a run of
// 1,000,000 recipients (2,000 batches with their retry keys, in one
// transaction) on each backend.
func BenchmarkSnapshotRun1M(b *testing.B) {
	const n = 1_000_000
	to := recipients(0, n)
	ctx := context.Background()
	for _, backend := range testdb.Backends() {
		b.Run(backend, func(b *testing.B) {
			fx := newBCFixture(b, testdb.Open(b, backend))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				bc, err := fx.db.CreateBroadcast(ctx, fx.a, "bench", kizuna.BroadcastDraft{Name: fmt.Sprint("b", i), SegmentID: fx.seg.ID, Messages: fx.hello, Schedule: kizuna.Schedule{Kind: kizuna.ScheduleNow}})
				if err != nil {
					b.Fatal(err)
				}
				refs, err := fx.db.DueRuns(ctx, fx.clock)
				if err != nil {
					b.Fatal(err)
				}
				var run int64
				for _, r := range refs {
					if r.BroadcastID == bc.ID {
						run = r.RunID
					}
				}
				b.StartTimer()
				ids, err := fx.db.SnapshotRun(ctx, run, to, kizuna.Waterfall{Matched: n, Following: n, QuotaAllows: n})
				if err != nil || len(ids) != n/kizuna.MaxMulticast {
					b.Fatalf("%d batches, %v", len(ids), err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/snapshot")
		})
	}
}

// TestDueRunsConcurrentDaily has two handles on one PostgreSQL, their
// clocks apart by up to 20 minutes, call DueRuns at once as four days pass:
// each daily broadcast gets exactly one run per time it passed, none
// skipped (a handle behind the other must not advance a broadcast past a
// time the other one has not run yet).
func TestDueRunsConcurrentDaily(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.DSN(t, "postgres")
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	fx := newBCFixture(t, dbs[0])
	tokyo := fx.a.Location()
	start := fx.clock // 21:00 in Tokyo
	type daily struct {
		id     int64
		h, m   int
		expect []time.Time
	}
	var all []*daily
	for i := range 8 {
		d := &daily{h: 6 + i, m: 10 * (i % 6)}
		d.id = fx.create(t, fmt.Sprintf("d%d", i), kizuna.Schedule{Kind: kizuna.ScheduleDaily, Time: fmt.Sprintf("%02d:%02d", d.h, d.m)}).ID
		all = append(all, d)
	}
	const steps = 4 * 24 * 6 // four days of 10 minutes
	end := start.Add(steps * 10 * time.Minute)
	for _, d := range all {
		for day := 29; day <= 33; day++ {
			at := time.Date(2026, 11, day, d.h, d.m, 0, 0, tokyo)
			if at.After(start) && !at.After(end) {
				d.expect = append(d.expect, at)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for i, db := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			skew := time.Duration(i) * 20 * time.Minute // the second handle's clock is behind
			for step := range steps + 3 {
				now := start.Add(time.Duration(step)*10*time.Minute - skew)
				if now.After(end) {
					now = end
				}
				if _, err := db.DueRuns(ctx, now); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, d := range all {
		b, err := dbs[1].Broadcast(ctx, fx.a, d.id)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		for i := len(b.Runs) - 1; i >= 0; i-- {
			got = append(got, b.Runs[i].ScheduledFor)
		}
		if fmt.Sprint(got) != fmt.Sprint(d.expect) {
			t.Errorf("%s: runs at %v, want %v", b.Name, got, d.expect)
		}
	}
}

// TestBatchesConcurrent has two handles on one PostgreSQL finish a run's
// batches at once, the last ones together: the run ends exactly once, sent.
// Then a cancel races the batches of another run: nothing deadlocks, and
// the run ends with each batch accepted or unsent.
func TestBatchesConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testdb.DSN(t, "postgres")
	var dbs [2]*sqlstore.DB
	for i := range dbs {
		db, err := sqlstore.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	fx := newBCFixture(t, dbs[0])
	start := func(name string) (int64, []int64) {
		t.Helper()
		b := fx.create(t, name, kizuna.Schedule{Kind: kizuna.ScheduleNow})
		refs := fx.due(t, b.ID)
		ids, err := dbs[0].SnapshotRun(ctx, refs[0].RunID, recipients(1, 40*kizuna.MaxMulticast), kizuna.Waterfall{})
		if err != nil || len(ids) != 40 {
			t.Fatalf("snapshot: %d batches, %v", len(ids), err)
		}
		return b.ID, ids
	}
	for round := range 5 {
		id, ids := start(fmt.Sprint("together ", round))
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for i, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := i; j < len(ids); j += 2 {
					if err := db.FinishBatch(ctx, ids[j], kizuna.BatchAccepted, fmt.Sprint("req", j), ""); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		b, _ := dbs[1].Broadcast(ctx, fx.a, id)
		if b.Status != kizuna.BroadcastSent || b.Runs[0].Status != kizuna.RunSent || b.Runs[0].Waterfall.Accepted != 40*kizuna.MaxMulticast {
			t.Fatalf("round %d: %s, run %+v", round, b.Status, b.Runs[0])
		}
	}
	for round := range 8 {
		id, ids := start(fmt.Sprint("canceled ", round))
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		cancel := make(chan struct{}) // closed when the cancel is to start
		wg.Add(2)
		go func() {
			defer wg.Done()
			for j := len(ids) - 1; j >= 0; j-- {
				if j == 2*round { // 2*round+1 batches left: the cancel may cross the run's end
					close(cancel)
				}
				if err := dbs[0].FinishBatch(ctx, ids[j], kizuna.BatchAccepted, "", ""); err != nil {
					errs <- err
					return
				}
			}
		}()
		go func() {
			defer wg.Done()
			<-cancel
			// Too late is a valid outcome: the run may have ended sent.
			if _, err := dbs[1].CancelBroadcast(ctx, fx.a, "ben@example.com", id); err != nil && kizuna.ErrorCode(err) != kizuna.ECONFLICT {
				errs <- err
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		b, _ := dbs[1].Broadcast(ctx, fx.a, id)
		r := b.Runs[0]
		if b.Status != kizuna.BroadcastCanceled && b.Status != kizuna.BroadcastSent || r.FinishedAt == nil ||
			r.Waterfall.Accepted+r.Waterfall.Unsent != 40*kizuna.MaxMulticast || (r.Waterfall.Unsent > 0) != (r.StopReason == "canceled") {
			t.Fatalf("round %d: %s, run %+v", round, b.Status, r)
		}
	}
}
