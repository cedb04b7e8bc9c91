package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// broadcastSend: kizuna broadcast send --account NAME --segment NAME
// --messages FILE|- [--at RFC3339] [--name NAME]. It validates the
// messages, creates the broadcast (sent now, or once at --at) and prints
// its ID alone on standard output, for scripts. The command sends nothing
// itself: kizuna serve (or kizuna demo) sends it.
func (c *cmd) broadcastSend(ctx context.Context, args []string) error {
	fs, db := c.flags("broadcast send")
	account := fs.String("account", "", "account name")
	segment := fs.String("segment", "", "the segment to send to (its name, or its ID)")
	messagesFile := fs.String("messages", "", "a JSON array of 1 to 5 LINE message objects, or - for standard input")
	atFlag := fs.String("at", "", "send once at this instant, RFC 3339 (default: now)")
	name := fs.String("name", "", "the broadcast's name (default: the segment's name and the time)")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" || *segment == "" || *messagesFile == "" {
		return &usageError{"broadcast send needs --account NAME, --segment NAME and --messages FILE|-"}
	}
	sched := kizuna.Schedule{Kind: kizuna.ScheduleNow}
	if *atFlag != "" {
		at, err := time.Parse(time.RFC3339, *atFlag)
		if err != nil {
			return &usageError{fmt.Sprintf("--at %q is not an RFC 3339 time such as 2026-12-01T09:00:00+09:00", *atFlag)}
		}
		sched = kizuna.Schedule{Kind: kizuna.ScheduleAt, At: &at}
	}
	in, _, err := c.input(*messagesFile)
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(in, 1<<20))
	in.Close()
	if err != nil {
		return err
	}
	msgs, err := kizuna.ParseMessages(raw)
	if err != nil {
		return err
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	seg, err := findSegment(ctx, store, a, *segment)
	if err != nil {
		return err
	}
	loc := a.Location()
	d := kizuna.BroadcastDraft{Name: *name, SegmentID: seg.ID, Messages: msgs, Schedule: sched}
	if d.Name == "" {
		d.Name = seg.Name + " " + time.Now().In(loc).Format("2006-01-02 15:04")
	}
	if err := d.Validate(time.Now()); err != nil {
		return err
	}
	b, err := c.lineService(store, "").CreateBroadcast(ctx, a, cliActor, d)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, b.ID)
	when := "queued to send now"
	if b.NextRunAt != nil && sched.Kind == kizuna.ScheduleAt {
		when = "scheduled for " + b.NextRunAt.In(loc).Format("2006-01-02 15:04 MST")
	}
	fmt.Fprintf(c.stderr, "broadcast %d %q to segment %q: %s; kizuna serve sends it (or kizuna demo), not this command\n", b.ID, b.Name, seg.Name, when)
	fmt.Fprintf(c.stderr, "follow it with: kizuna broadcast show --account %s %d\n", a.Name, b.ID)
	return nil
}

// findSegment finds a live segment by its name (exactly, else ignoring
// case when only one matches) or by its ID.
func findSegment(ctx context.Context, store *sqlstore.DB, a *kizuna.Account, ref string) (*kizuna.Segment, error) {
	segs, err := store.Segments(ctx, a)
	if err != nil {
		return nil, err
	}
	ref = strings.TrimSpace(ref)
	var folded []*kizuna.Segment
	for _, s := range segs {
		if s.Name == ref {
			return s, nil
		}
		if strings.EqualFold(s.Name, ref) {
			folded = append(folded, s)
		}
	}
	if len(folded) == 1 {
		return folded[0], nil
	}
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		for _, s := range segs {
			if s.ID == id {
				return s, nil
			}
		}
	}
	return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no segment named %q in account %q", ref, a.Name)
}

// broadcastArg reads a broadcast ID.
func broadcastArg(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &usageError{fmt.Sprintf("%q is not a broadcast ID (a positive number, as broadcast list shows)", s)}
	}
	return id, nil
}

// broadcastShow: kizuna broadcast show --account NAME ID [--json]. It
// prints the status, the schedule, the latest run's waterfall and every
// run's counts; --json prints the broadcast object of the API instead.
func (c *cmd) broadcastShow(ctx context.Context, args []string) error {
	fs, db := c.flags("broadcast show")
	account := fs.String("account", "", "account name")
	asJSON := fs.Bool("json", false, "print the broadcast as JSON")
	pos, err := c.parse(fs, args, 1, 1, "one broadcast ID")
	if err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"broadcast show needs --account NAME"}
	}
	id, err := broadcastArg(pos[0])
	if err != nil {
		return err
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	b, err := store.Broadcast(ctx, a, id)
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(c.stdout, b)
	}
	loc := a.Location()
	const when = "2006-01-02 15:04 MST"
	w := c.stdout
	fmt.Fprintf(w, "broadcast %d: %s\n", b.ID, b.Name)
	fmt.Fprintf(w, "status:    %s\n", b.Status)
	fmt.Fprintf(w, "segment:   %s (%d)\n", b.SegmentName, b.SegmentID)
	fmt.Fprintf(w, "schedule:  %s (%s)\n", b.Schedule.Describe("en", loc), loc)
	if b.NextRunAt != nil && b.Status != kizuna.BroadcastCanceled {
		fmt.Fprintf(w, "next run:  %s\n", b.NextRunAt.In(loc).Format(when))
	}
	fmt.Fprintf(w, "messages:  %s\n", describeMessages(b.Messages))
	fmt.Fprintf(w, "created:   %s by %s\n", b.CreatedAt.In(loc).Format(when), b.CreatedBy)
	if len(b.Runs) == 0 {
		fmt.Fprintln(w, "\nno run yet")
		return nil
	}
	latest := b.Runs[0]
	fmt.Fprintf(w, "\nwaterfall of the latest run (%s, %s):\n", latest.ScheduledFor.In(loc).Format(when), latest.Status)
	writeWaterfall(w, latest.Waterfall)
	if latest.StopReason != "" {
		fmt.Fprintf(w, "  stopped: %s\n", latest.StopReason)
	}
	fmt.Fprintln(w, "\nruns:")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RUN\tSCHEDULED FOR\tSTATUS\tMATCHED\tFOLLOWING\tQUOTA ALLOWS\tSENT\tACCEPTED\tFAILED\tUNSENT\t")
	for _, r := range b.Runs {
		wf := r.Waterfall
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.ID, r.ScheduledFor.In(loc).Format(when), r.Status,
			thousands64(wf.Matched), thousands64(wf.Following), thousands64(wf.QuotaAllows),
			thousands64(wf.Sent), thousands64(wf.Accepted), thousands64(wf.Failed), thousands64(wf.Unsent))
	}
	return tw.Flush()
}

// writeWaterfall prints a run's reach, step by step.
func writeWaterfall(w io.Writer, wf kizuna.Waterfall) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	quota := ""
	if wf.Quota != nil {
		quota = fmt.Sprintf("(%s messages left this month)", thousands64(*wf.Quota))
	}
	for _, step := range []struct {
		name string
		n    int64
		note string
	}{
		{"matched by the segment", wf.Matched, "(blocked friends included)"},
		{"following", wf.Following, ""},
		{"quota allows", wf.QuotaAllows, quota},
		{"sent", wf.Sent, ""},
		{"accepted by LINE", wf.Accepted, ""},
		{"failed", wf.Failed, ""},
		{"unsent", wf.Unsent, ""},
	} {
		if step.note == "" {
			fmt.Fprintf(tw, "  %s\t%12s\n", step.name, thousands64(step.n))
		} else {
			fmt.Fprintf(tw, "  %s\t%12s\t%s\n", step.name, thousands64(step.n), step.note)
		}
	}
	tw.Flush()
	for _, f := range wf.Failures {
		fmt.Fprintf(w, "  failed: %s (%s recipients)\n", f.Reason, thousands64(f.Recipients))
	}
}

// describeMessages says how many messages of which types: "2 (text, image)".
func describeMessages(ms []kizuna.Message) string {
	types := make([]string, len(ms))
	for i, m := range ms {
		types[i] = m.Type
	}
	return fmt.Sprintf("%d (%s)", len(ms), strings.Join(types, ", "))
}

// broadcastList: kizuna broadcast list --account NAME.
func (c *cmd) broadcastList(ctx context.Context, args []string) error {
	fs, db := c.flags("broadcast list")
	account := fs.String("account", "", "account name")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"broadcast list needs --account NAME"}
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	bs, err := store.Broadcasts(ctx, a)
	if err != nil {
		return err
	}
	if len(bs) == 0 {
		fmt.Fprintf(c.stdout, "account %s has no broadcast; create one with: kizuna broadcast send --account %s --segment NAME --messages FILE\n", a.Name, a.Name)
		return nil
	}
	loc := a.Location()
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSEGMENT\tSTATUS\tSCHEDULE\tNEXT RUN\tLAST RUN")
	for _, b := range bs {
		next := "-"
		if b.NextRunAt != nil && b.Status != kizuna.BroadcastCanceled {
			next = b.NextRunAt.In(loc).Format("2006-01-02 15:04")
		}
		last := "-"
		if r := b.LastRun; r != nil {
			last = fmt.Sprintf("%s: %s of %s accepted", r.Status, thousands64(r.Waterfall.Accepted), thousands64(r.Waterfall.Following))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", b.ID, b.Name, b.SegmentName, b.Status, b.Schedule.Describe("en", loc), next, last)
	}
	return tw.Flush()
}

func thousands64(n int64) string { return thousands(int(n)) }
