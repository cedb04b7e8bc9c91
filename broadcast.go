package kizuna

import (
	"context"
	"time"
)

// Message is one LINE message object of a broadcast: text, image or
// sticker, in LINE's own JSON shape (ParseMessages validates it as LINE
// would).
type Message struct {
	Type string `json:"type"` // text, image, sticker
	// text
	Text string `json:"text,omitempty"`
	// image
	OriginalContentURL string `json:"originalContentUrl,omitempty"`
	PreviewImageURL    string `json:"previewImageUrl,omitempty"`
	// sticker
	PackageID string `json:"packageId,omitempty"`
	StickerID string `json:"stickerId,omitempty"`
}

// Schedule kinds.
const (
	ScheduleNow     = "now"
	ScheduleAt      = "at"
	ScheduleDaily   = "daily"
	ScheduleWeekly  = "weekly"
	ScheduleMonthly = "monthly"
)

// Schedule says when a broadcast is sent: now, once at an instant, or
// again and again at a local time of the account's zone.
type Schedule struct {
	Kind string `json:"kind"`
	// At is the instant of a one-time ("at") broadcast.
	At *time.Time `json:"at,omitempty"`
	// Time is the local time ("HH:MM") of a recurring broadcast.
	Time string `json:"time,omitempty"`
	// Weekdays are a weekly broadcast's days, 0 (Sunday) to 6.
	Weekdays []int `json:"weekdays,omitempty"`
	// Day is a monthly broadcast's day of the month, 1 to 31 (a month
	// without it sends on its last day).
	Day int `json:"day,omitempty"`
}

// Recurring reports whether the schedule repeats.
func (s Schedule) Recurring() bool {
	return s.Kind == ScheduleDaily || s.Kind == ScheduleWeekly || s.Kind == ScheduleMonthly
}

// Broadcast statuses.
const (
	BroadcastScheduled = "scheduled" // a one-time broadcast waiting for its time
	BroadcastRecurring = "recurring" // a recurring broadcast, active
	BroadcastSending   = "sending"   // a one-time broadcast's run is under way
	BroadcastSent      = "sent"      // a one-time broadcast's run ended
	BroadcastCanceled  = "canceled"
)

// Broadcast is a message broadcast to a segment's members.
type Broadcast struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	SegmentID   int64     `json:"segment_id"`
	SegmentName string    `json:"segment_name"`
	Messages    []Message `json:"messages"`
	Schedule    Schedule  `json:"schedule"`
	Status      string    `json:"status"`
	// NextRunAt is when the next run starts (scheduled and recurring).
	NextRunAt *time.Time `json:"next_run_at,omitempty"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Version   int64      `json:"version"`
	// Runs are the broadcast's runs, latest first (filled by Broadcast,
	// not by Broadcasts, which fills only LastRun).
	Runs    []BroadcastRun `json:"runs,omitempty"`
	LastRun *BroadcastRun  `json:"last_run,omitempty"`
}

// BroadcastDraft is what a user gives to create or edit a broadcast.
type BroadcastDraft struct {
	Name      string
	SegmentID int64
	Messages  []Message
	Schedule  Schedule
	// Version, for an edit, is the version the user edited (a stale one is
	// ECONFLICT).
	Version int64
}

// Run statuses.
const (
	RunPending  = "pending"  // due, recipients not yet taken
	RunSending  = "sending"  // recipients taken, batches being sent
	RunSent     = "sent"     // every batch accepted
	RunPartial  = "partial"  // ended with failed or unsent batches
	RunFailed   = "failed"   // nothing was accepted
	RunCanceled = "canceled" // the broadcast was canceled before the run sent
)

// Batch statuses.
const (
	BatchPending  = "pending"
	BatchAccepted = "accepted"
	BatchFailed   = "failed"
	BatchUnsent   = "unsent" // kept back: the monthly limit was reached, or canceled
)

// BroadcastRun is one sending of a broadcast, with its reach waterfall.
type BroadcastRun struct {
	ID           int64      `json:"id"`
	BroadcastID  int64      `json:"broadcast_id"`
	ScheduledFor time.Time  `json:"scheduled_for"`
	Status       string     `json:"status"`
	StartedAt    *time.Time `json:"started_at,omitempty"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	Waterfall    Waterfall  `json:"waterfall"`
	// StopReason says why a run kept recipients unsent ("monthly_limit",
	// "canceled").
	StopReason string `json:"stop_reason,omitempty"`
}

// Waterfall is a broadcast's reach, step by step: the friends matching the
// segment's conditions (blocked ones included), those of them following,
// those the month's message quota allows, then what happened to them.
type Waterfall struct {
	Matched   int64 `json:"matched"`
	Following int64 `json:"following"`
	// Quota is the month's remaining messages (nil: no limit, or unknown).
	Quota       *int64    `json:"quota_remaining,omitempty"`
	QuotaAllows int64     `json:"quota_allows"`
	Sent        int64     `json:"sent"`     // recipients in batches sent to LINE
	Accepted    int64     `json:"accepted"` // recipients in batches LINE accepted
	Failed      int64     `json:"failed"`   // recipients in batches LINE refused
	Unsent      int64     `json:"unsent"`   // recipients kept back (monthly limit, cancel)
	Failures    []Failure `json:"failures,omitempty"`
}

// Failure is one reason batches failed, with how many recipients it cost.
type Failure struct {
	Reason     string `json:"reason"`
	Recipients int64  `json:"recipients"`
}

// Batch is one multicast of a run: at most MaxMulticast recipients and the
// retry key stored before its first attempt.
type Batch struct {
	ID         int64
	RunID      int64
	AccountID  int64
	Seq        int
	RetryKey   string
	Recipients []string
	Messages   []Message
	Status     string
	RequestID  string
	Attempts   int
	Error      string
}

// MaxMulticast is the most recipients of one LINE multicast.
const MaxMulticast = 500

// MaxMessages is the most message objects of one LINE send.
const MaxMessages = 5

// BroadcastStore keeps an account's broadcasts and their runs. The sending
// side (DueRuns, SnapshotRun, batches) is used by the sender.
type BroadcastStore interface {
	// CreateBroadcast validates the draft (the segment must be live) and
	// schedules it; a "now" broadcast is due at once.
	CreateBroadcast(ctx context.Context, account *Account, actor string, d BroadcastDraft) (*Broadcast, error)
	Broadcasts(ctx context.Context, account *Account) ([]*Broadcast, error)
	Broadcast(ctx context.Context, account *Account, id int64) (*Broadcast, error)
	// EditBroadcast changes a broadcast no run of which has started
	// (ECONFLICT otherwise, or when the version is stale).
	EditBroadcast(ctx context.Context, account *Account, actor string, id int64, d BroadcastDraft) (*Broadcast, error)
	// CancelBroadcast stops a scheduled or recurring broadcast; a run
	// under way keeps its unsent batches unsent.
	CancelBroadcast(ctx context.Context, account *Account, actor string, id int64) (*Broadcast, error)
	// SegmentUsage names, per segment ID, the broadcasts that use it
	// (scheduled, recurring, sending or sent; canceled ones are left out).
	SegmentUsage(ctx context.Context, account *Account) (map[int64][]*Broadcast, error)

	// DueRuns creates the runs of every account's broadcasts due at now
	// (once per broadcast and instant) and advances their next run; it
	// returns every run not yet finished, due ones included.
	DueRuns(ctx context.Context, now time.Time) ([]RunRef, error)
	// SnapshotRun records a pending run's recipients as batches of at most
	// MaxMulticast, each with its retry key, and its waterfall's first
	// steps; a run already snapshotted is left as it is. It returns the
	// run's pending batches.
	SnapshotRun(ctx context.Context, runID int64, recipients []string, w Waterfall) ([]int64, error)
	// Batch reads a batch with its recipients and messages.
	Batch(ctx context.Context, batchID int64) (*Batch, error)
	// FinishBatch records a batch's outcome (accepted with LINE's request
	// ID, failed with LINE's message, unsent); a batch already finished is
	// left as it is. The run ends when its last batch does.
	FinishBatch(ctx context.Context, batchID int64, status, requestID, reason string) error
	// BatchAttempt counts an attempt of a batch (before it is made).
	BatchAttempt(ctx context.Context, batchID int64) error
	// StopRun keeps every pending batch of the run unsent, with the reason.
	StopRun(ctx context.Context, runID int64, reason string) error
}

// RunRef names a run for the sender.
type RunRef struct {
	RunID        int64
	BroadcastID  int64
	AccountID    int64
	AccountName  string
	SegmentID    int64
	ScheduledFor time.Time
	Status       string
}
