package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// The marketer's broadcast screens: the list of an account's broadcasts,
// the composer (new, or an edit before any run started), the review step
// with the reach waterfall, a test send and the final "Send now" or
// "Schedule", and a broadcast's page with each run's waterfall.
//
// The composer posts its draft to the review step, which renders the
// review page (nothing is stored yet); the review page carries the draft in
// hidden fields to "Send now" (or "Schedule", or "Save changes"), to a test
// send, or back to the composer. A refusal renders the composer again with
// what was typed and the message at its field: a redirect would lose the
// draft.
//
// Owners and members send; any other role sees every screen but cannot
// create, edit, cancel or test (canBroadcast).

// broadcastsURL is the account's list of broadcasts.
func broadcastsURL(a *kizuna.Account) string {
	return "/a/" + url.PathEscape(a.Name) + "/broadcasts"
}

// broadcastURL is a broadcast's page.
func broadcastURL(a *kizuna.Account, id int64) string {
	return broadcastsURL(a) + "/" + strconv.FormatInt(id, 10)
}

// canBroadcast reports whether the user's role in a may create, edit,
// cancel and test broadcasts: owners and members may; any other role only
// looks.
func canBroadcast(ss *session, a *kizuna.Account) bool {
	switch ss.role(a.Name) {
	case kizuna.RoleOwner, kizuna.RoleMember:
		return true
	}
	return false
}

// broadcastPage is what the broadcast screens show (page.Broadcasts); the
// segment list reads CanSend from it too.
type broadcastPage struct {
	CanSend bool
	// NoChannel: no LINE channel is connected; NoLine: this process cannot
	// reach LINE at all.
	NoChannel, NoLine bool
	Zone              string // the account's time zone, named

	// The list.
	Rows []broadcastRow

	// The composer and the review page.
	Form     *draftForm
	Errors   map[string]string // message by place: a field's path, or "" for the top
	Segments []*kizuna.Segment
	Review   *reviewData

	// A broadcast's page.
	View *broadcastView
}

// broadcastRow is a broadcast as the list shows it.
type broadcastRow struct {
	ID                                int64
	Name, Segment                     string
	SegmentID                         int64
	Status, StatusText                string
	Schedule, Next, Last, LastTooltip string
}

// draftForm is the composer's form as typed: the fields keep the user's
// text, so that a refusal shows it again unchanged.
type draftForm struct {
	ID, Version int64 // an edit's broadcast and the version it was opened at
	Name        string
	SegmentID   int64
	Messages    []messageForm
	When        string // now, at, recurring
	Date, Clock string // "at": YYYY-MM-DD and HH:MM in the account's zone
	Kind        string // recurring: daily, weekly, monthly
	Time        string // recurring: HH:MM
	Weekdays    [7]bool
	Day         string
	TestTo      string // the review page's test recipients, as typed
}

// messageForm is one message of the composer.
type messageForm struct {
	Type, Text, Original, Preview, Package, Sticker string
}

// The composer's kinds of "when".
const (
	whenNow       = "now"
	whenAt        = "at"
	whenRecurring = "recurring"
)

// maxFormMessages bounds how many message blocks a form is read for: more
// than kizuna.MaxMessages, so that too many is refused with LINE's rule
// rather than cut silently.
const maxFormMessages = 10

// readDraftForm reads the composer's fields (the review page sends them
// again as hidden fields).
func readDraftForm(r *http.Request) *draftForm {
	v := func(k string) string { return r.PostFormValue(k) }
	f := &draftForm{Name: v("name"), When: v("when"), Date: v("schedule.date"), Clock: v("schedule.clock"),
		Kind: v("schedule.kind"), Time: v("schedule.time"), Day: strings.TrimSpace(v("schedule.day")), TestTo: v("test_to")}
	f.ID, _ = strconv.ParseInt(v("id"), 10, 64)
	f.Version, _ = strconv.ParseInt(v("version"), 10, 64)
	f.SegmentID, _ = strconv.ParseInt(v("segment_id"), 10, 64)
	for i := 0; i < maxFormMessages; i++ {
		at := fmt.Sprintf("messages[%d].", i)
		typ, ok := r.PostForm[at+"type"]
		if !ok {
			continue
		}
		// A browser sends a textarea's line breaks as CRLF; the text is
		// counted and sent with LF, as the page counted it.
		f.Messages = append(f.Messages, messageForm{Type: strings.Join(typ, ""), Text: strings.ReplaceAll(v(at+"text"), "\r\n", "\n"),
			Original: strings.TrimSpace(v(at + "originalContentUrl")), Preview: strings.TrimSpace(v(at + "previewImageUrl")),
			Package: strings.TrimSpace(v(at + "packageId")), Sticker: strings.TrimSpace(v(at + "stickerId"))})
	}
	for _, d := range r.PostForm["schedule.weekdays"] {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 6 {
			f.Weekdays[n] = true
		}
	}
	return f
}

// newDraftForm is a new broadcast's form: one text message, sent now, to
// the segment given (0: none chosen); the date and time for "at" start at
// the next full hour in the account's zone.
func newDraftForm(segmentID int64, now time.Time, loc *time.Location) *draftForm {
	next := now.In(loc).Truncate(time.Minute).Add(time.Hour)
	next = next.Add(-time.Duration(next.Minute()) * time.Minute)
	return &draftForm{SegmentID: segmentID, Messages: []messageForm{{Type: kizuna.MessageText}}, When: whenNow,
		Date: next.Format("2006-01-02"), Clock: next.Format("15:04"), Kind: kizuna.ScheduleDaily, Time: next.Format("15:04")}
}

// formOf is the form of a stored broadcast, to edit it.
func formOf(b *kizuna.Broadcast, now time.Time, loc *time.Location) *draftForm {
	f := newDraftForm(b.SegmentID, now, loc)
	f.ID, f.Version, f.Name, f.Messages = b.ID, b.Version, b.Name, nil
	for _, m := range b.Messages {
		f.Messages = append(f.Messages, messageForm{Type: m.Type, Text: m.Text, Original: m.OriginalContentURL, Preview: m.PreviewImageURL, Package: m.PackageID, Sticker: m.StickerID})
	}
	sc := b.Schedule
	switch {
	case sc.Kind == kizuna.ScheduleAt && sc.At != nil:
		f.When, f.Date, f.Clock = whenAt, sc.At.In(loc).Format("2006-01-02"), sc.At.In(loc).Format("15:04")
	case sc.Recurring():
		f.When, f.Kind, f.Time = whenRecurring, sc.Kind, sc.Time
		for _, d := range sc.Weekdays {
			if d >= 0 && d <= 6 {
				f.Weekdays[d] = true
			}
		}
		if sc.Day > 0 {
			f.Day = strconv.Itoa(sc.Day)
		}
	}
	return f
}

// draft turns the form into a draft, or says which field cannot be read
// (its place and the message's key): the date and time of "at" are read
// here, in the account's zone; everything else is checked by
// kizuna.BroadcastDraft.Validate and the store.
func (f *draftForm) draft(loc *time.Location) (kizuna.BroadcastDraft, string, string) {
	d := kizuna.BroadcastDraft{Name: f.Name, SegmentID: f.SegmentID, Version: f.Version}
	for _, m := range f.Messages {
		km := kizuna.Message{Type: m.Type}
		switch m.Type {
		case kizuna.MessageText:
			km.Text = m.Text
		case kizuna.MessageImage:
			km.OriginalContentURL, km.PreviewImageURL = m.Original, m.Preview
		case kizuna.MessageSticker:
			km.PackageID, km.StickerID = m.Package, m.Sticker
		}
		d.Messages = append(d.Messages, km)
	}
	switch f.When {
	case whenNow:
		d.Schedule.Kind = kizuna.ScheduleNow
	case whenAt:
		at, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(f.Date)+" "+strings.TrimSpace(f.Clock), loc)
		if err != nil {
			return d, "schedule.at", "bc.err.at"
		}
		d.Schedule = kizuna.Schedule{Kind: kizuna.ScheduleAt, At: &at}
	case whenRecurring:
		d.Schedule = kizuna.Schedule{Kind: f.Kind, Time: strings.TrimSpace(f.Time)}
		switch f.Kind {
		case kizuna.ScheduleWeekly:
			for day, on := range f.Weekdays {
				if on {
					d.Schedule.Weekdays = append(d.Schedule.Weekdays, day)
				}
			}
		case kizuna.ScheduleMonthly:
			n, err := strconv.Atoi(f.Day)
			if err != nil {
				return d, "schedule.day", "bc.err.day"
			}
			d.Schedule.Day = n
		}
	default:
		return d, "schedule", "bc.err.when"
	}
	return d, "", ""
}

// weekdayBox is a weekday's checkbox of the composer.
type weekdayBox struct {
	Value   int
	Label   string
	Checked bool
}

// WeekdayBoxes are the weekly schedule's checkboxes, Monday first.
func (f *draftForm) WeekdayBoxes(lang string) []weekdayBox {
	var out []weekdayBox
	for _, d := range []int{1, 2, 3, 4, 5, 6, 0} {
		out = append(out, weekdayBox{Value: d, Label: t(lang, "bc.day."+strconv.Itoa(d)), Checked: f.Weekdays[d]})
	}
	return out
}

// messageRow is one message block of the composer: its index in the
// field names ("__i__" in the block compose.js copies), its values and its
// errors by field.
type messageRow struct {
	Index, Lang string
	N           int // 1-based, for the legend
	M           messageForm
	Err         map[string]string
	Length      string // the text's length as LINE counts it
	Only        bool   // the only message: it cannot be removed
}

// MessageRows are the composer's message blocks.
func (p *broadcastPage) MessageRows(lang string) []messageRow {
	var rows []messageRow
	for i, m := range p.Form.Messages {
		row := messageRow{Index: strconv.Itoa(i), Lang: lang, N: i + 1, M: m, Err: map[string]string{}, Length: formatCount(int64(kizuna.TextLength(m.Text))), Only: len(p.Form.Messages) == 1}
		prefix := fmt.Sprintf("messages[%d].", i)
		for path, msg := range p.Errors {
			if field, ok := strings.CutPrefix(path, prefix); ok {
				row.Err[field] = msg
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// BlankRow is the message block compose.js copies to add a message.
func (p *broadcastPage) BlankRow(lang string) messageRow {
	return messageRow{Index: "__i__", Lang: lang, N: 0, M: messageForm{Type: kizuna.MessageText}, Err: map[string]string{}, Length: "0"}
}

// Bubbles are the form's messages, as the preview shows them.
func (p *broadcastPage) Bubbles(lang string) []bubble { return bubbles(lang, p.Form.Messages) }

// bubble is a message as a LINE chat bubble. An image is shown by its host
// and a link: the pages' policy loads images from this site only.
type bubble struct {
	Lang, Type, Text, Host, URL, Package, Sticker string
}

func bubbles(lang string, ms []messageForm) []bubble {
	var out []bubble
	for _, m := range ms {
		b := bubble{Lang: lang, Type: m.Type, Text: m.Text, Package: m.Package, Sticker: m.Sticker}
		if m.Type == kizuna.MessageImage {
			if u, err := url.Parse(m.Original); err == nil && u.Scheme == "https" && u.Host != "" {
				b.Host, b.URL = u.Host, u.String()
			}
		}
		if m.Type == kizuna.MessageText && strings.TrimSpace(m.Text) == "" {
			continue
		}
		out = append(out, b)
	}
	return out
}

func bubblesOf(lang string, ms []kizuna.Message) []bubble {
	var forms []messageForm
	for _, m := range ms {
		forms = append(forms, messageForm{Type: m.Type, Text: m.Text, Original: m.OriginalContentURL, Preview: m.PreviewImageURL, Package: m.PackageID, Sticker: m.StickerID})
	}
	return bubbles(lang, forms)
}

// messagePath matches a message field's error path.
var messagePath = regexp.MustCompile(`^messages\[(\d+)\]\.(type|text|originalContentUrl|previewImageUrl|packageId|stickerId)$`)

// errorPlace is where the composer shows an error of path: the field it
// names, or the top ("") for a path the composer has no field for.
func errorPlace(f *draftForm, path string) string {
	switch path {
	case "name", "segment_id", "messages", "schedule.at", "schedule.time", "schedule.weekdays", "schedule.day":
		return path
	case "schedule", "schedule.kind":
		return "schedule"
	}
	if m := messagePath.FindStringSubmatch(path); m != nil {
		if i, _ := strconv.Atoi(m[1]); i < len(f.Messages) {
			return path
		}
	}
	return ""
}

// reviewData is the review page's: the draft as it will be sent, and its
// reach now.
type reviewData struct {
	SegmentName string
	Schedule    string
	Bubbles     []bubble
	Steps       []stepView
	Button      string // "Send now", "Schedule" or "Save changes"
	Action      string // where the final form posts
	TestDone    string // a test send's result
}

// stepView is one step of a reach waterfall.
type stepView struct {
	Key, Label, Count, Note string
	Unit                    string // "friends", "friend"
	Pct                     int64  // the bar, in percent of the first step
	Reasons                 []string
}

// reviewSteps is the waterfall before sending.
func reviewSteps(lang string, w *kizuna.Waterfall) []stepView {
	quota := t(lang, "bc.step.quota.none")
	if w.Quota != nil {
		quota = fmt.Sprintf(t(lang, "bc.step.quota.note"), formatCount(*w.Quota))
	}
	return withBars(lang, w.Matched, []stepView{
		{Key: "matched", Label: t(lang, "bc.step.matched"), Count: formatCount(w.Matched), Note: t(lang, "bc.step.matched.note")},
		{Key: "following", Label: t(lang, "bc.step.following"), Count: formatCount(w.Following), Note: t(lang, "bc.step.following.note")},
		{Key: "quota", Label: t(lang, "bc.step.quota"), Count: formatCount(w.QuotaAllows), Note: quota},
		{Key: "send", Label: t(lang, "bc.step.send"), Count: formatCount(w.QuotaAllows), Note: t(lang, "bc.step.send.note")},
	}, []int64{w.Matched, w.Following, w.QuotaAllows, w.QuotaAllows})
}

// runSteps is a run's recorded waterfall.
func runSteps(lang string, r *kizuna.BroadcastRun) []stepView {
	w := r.Waterfall
	quota := t(lang, "bc.step.quota.none")
	if w.Quota != nil {
		quota = fmt.Sprintf(t(lang, "bc.step.quota.note"), formatCount(*w.Quota))
	}
	failed := stepView{Key: "failed", Label: t(lang, "bc.step.failed"), Count: formatCount(w.Failed), Note: t(lang, "bc.step.failed.note")}
	for _, f := range w.Failures {
		failed.Reasons = append(failed.Reasons, fmt.Sprintf(t(lang, "bc.failure"), f.Reason, formatCount(f.Recipients)))
	}
	unsent := stepView{Key: "unsent", Label: t(lang, "bc.step.unsent"), Count: formatCount(w.Unsent), Note: t(lang, "bc.step.unsent.note")}
	if r.StopReason != "" {
		reason := t(lang, "bc.stop."+r.StopReason)
		if _, known := broadcastsMessages["bc.stop."+r.StopReason]; !known {
			reason = r.StopReason
		}
		unsent.Note = fmt.Sprintf(t(lang, "bc.stop.note"), reason)
	}
	return withBars(lang, w.Matched, []stepView{
		{Key: "matched", Label: t(lang, "bc.step.matched"), Count: formatCount(w.Matched), Note: t(lang, "bc.step.matched.note")},
		{Key: "following", Label: t(lang, "bc.step.following"), Count: formatCount(w.Following), Note: t(lang, "bc.step.following.note")},
		{Key: "quota", Label: t(lang, "bc.step.quota"), Count: formatCount(w.QuotaAllows), Note: quota},
		{Key: "sent", Label: t(lang, "bc.step.sent"), Count: formatCount(w.Sent), Note: t(lang, "bc.step.sent.note")},
		{Key: "accepted", Label: t(lang, "bc.step.accepted"), Count: formatCount(w.Accepted), Note: t(lang, "bc.step.accepted.note")},
		failed, unsent,
	}, []int64{w.Matched, w.Following, w.QuotaAllows, w.Sent, w.Accepted, w.Failed, w.Unsent})
}

// withBars sets each step's bar from its count, in percent of the first
// step's (a step of some is at least 1%, so that it shows), and its unit.
func withBars(lang string, total int64, steps []stepView, counts []int64) []stepView {
	for i := range steps {
		steps[i].Unit = plural(lang, counts[i], "bc.friends")
		switch {
		case total <= 0 || counts[i] <= 0:
			steps[i].Pct = 0
		default:
			steps[i].Pct = max(1, min(100, counts[i]*100/total))
		}
	}
	return steps
}

// broadcastView is a broadcast's page.
type broadcastView struct {
	ID                                  int64
	Name, Status, StatusText            string
	Schedule, Next, Created, CreatedBy  string
	SegmentID                           int64
	SegmentName                         string
	Bubbles                             []bubble
	Runs                                []runView
	Editable, Cancelable, Live, Started bool
}

// runView is one run of a broadcast.
type runView struct {
	ID                           int64
	Status, StatusText           string
	Scheduled, Started, Finished string
	Steps                        []stepView
	Waiting                      bool // not snapshotted yet: no figures
}

// statusText is a broadcast's status in lang.
func statusText(lang, status string) string {
	if _, ok := broadcastsMessages["bc.status."+status]; ok {
		return t(lang, "bc.status."+status)
	}
	return status
}

// runStatusText is a run's status in lang.
func runStatusText(lang, status string) string {
	if _, ok := broadcastsMessages["bc.run."+status]; ok {
		return t(lang, "bc.run."+status)
	}
	return status
}

// describe says a broadcast's schedule in lang.
func describe(lang string, sc kizuna.Schedule, loc *time.Location) string {
	if sc.Kind == kizuna.ScheduleNow {
		return t(lang, "bc.sched.now")
	}
	return sc.Describe(lang, loc)
}

// when formats an instant in the account's zone ("—" for none).
func when(at *time.Time, loc *time.Location) string {
	if at == nil || at.IsZero() {
		return "—"
	}
	return at.In(loc).Format("2006-01-02 15:04")
}

// basePage fills a broadcast screen's page.
func (s *Server) basePage(r *http.Request, ss *session, a *kizuna.Account, title string) (*page, *broadcastPage) {
	lang := s.lang(r, ss.user)
	bp := &broadcastPage{CanSend: canBroadcast(ss, a), NoLine: s.Line == nil, Zone: a.TimeZone, Errors: map[string]string{}}
	if bp.Zone == "" {
		bp.Zone = a.Location().String()
	}
	return &page{Lang: lang, Title: t(lang, title), User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts, AccountName: a.Name, Broadcasts: bp}, bp
}

// hasChannel reports whether the account has a LINE channel.
func (s *Server) hasChannel(ctx context.Context, a *kizuna.Account) (bool, error) {
	_, err := s.Store.LineChannel(ctx, a)
	switch kizuna.ErrorCode(err) {
	case "":
		return true, nil
	case kizuna.ENOTFOUND:
		return false, nil
	}
	return false, err
}

// broadcastList shows the account's broadcasts, newest first.
func (s *Server) broadcastList(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	ctx := r.Context()
	p, bp := s.basePage(r, ss, a, "bc.title")
	list, err := s.Store.Broadcasts(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	has, err := s.hasChannel(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bp.NoChannel = !has
	slices.SortStableFunc(list, func(x, y *kizuna.Broadcast) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return int(y.ID - x.ID)
	})
	loc := a.Location()
	for _, b := range list {
		row := broadcastRow{ID: b.ID, Name: b.Name, Segment: b.SegmentName, SegmentID: b.SegmentID, Status: b.Status, StatusText: statusText(p.Lang, b.Status),
			Schedule: describe(p.Lang, b.Schedule, loc), Next: when(b.NextRunAt, loc), Last: "—"}
		if lr := b.LastRun; lr != nil && lr.Status != kizuna.RunPending {
			row.Last = formatCount(lr.Waterfall.Accepted) + " / " + formatCount(lr.Waterfall.Following)
			row.LastTooltip = fmt.Sprintf(t(p.Lang, "bc.last.tooltip"), formatCount(lr.Waterfall.Accepted), formatCount(lr.Waterfall.Following))
		}
		bp.Rows = append(bp.Rows, row)
	}
	s.render(w, r, http.StatusOK, "broadcasts", p)
}

// refuseViewer answers 403 to a role that only looks, and reports false.
func (s *Server) refuseViewer(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) bool {
	if canBroadcast(ss, a) {
		return true
	}
	lang := s.lang(r, ss.user)
	if wantsJSON(r) {
		s.jsonErrorIn(w, lang, http.StatusForbidden, kizuna.Errorf(kizuna.EFORBIDDEN, "%s", t(lang, "bc.viewer")))
		return false
	}
	s.render(w, r, http.StatusForbidden, "message", &page{User: ss.user, CSRF: ss.csrf, Accounts: ss.accounts, AccountName: a.Name, Message: t(lang, "bc.viewer"), Back: broadcastsURL(a)})
	return false
}

// newBroadcast shows the composer for a new broadcast, to the segment of
// ?segment= when given; with ?proposal=, the agent's proposal that created
// that segment, its draft is the first message and the segment's name the
// broadcast's.
func (s *Server) newBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	seg, _ := strconv.ParseInt(r.URL.Query().Get("segment"), 10, 64)
	f := newDraftForm(seg, s.now(), a.Location())
	s.fromProposal(r, a, f) // the agent's approved proposal (agent.go)
	s.renderComposer(w, r, ss, a, http.StatusOK, f, nil)
}

// editBroadcast shows the composer for a broadcast no run of which has
// started; for one that has, its page says why it cannot be edited.
func (s *Server) editBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	b, ok := s.pathBroadcast(w, r, ss, a)
	if !ok {
		return
	}
	if !editable(b) {
		s.refuse(w, r, ss, atTop, t(s.lang(r, ss.user), "bc.edit.started"))
		http.Redirect(w, r, broadcastURL(a, b.ID), http.StatusSeeOther)
		return
	}
	s.renderComposer(w, r, ss, a, http.StatusOK, formOf(b, s.now(), a.Location()), nil)
}

// editable reports whether a broadcast can still be edited: scheduled or
// recurring, no run started.
func editable(b *kizuna.Broadcast) bool {
	return (b.Status == kizuna.BroadcastScheduled || b.Status == kizuna.BroadcastRecurring) && len(b.Runs) == 0
}

// pathBroadcast reads the path's broadcast, or answers "not found" (another
// account's broadcast too).
func (s *Server) pathBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) (*kizuna.Broadcast, bool) {
	id, ok := s.pathID(w, r, ss)
	if !ok {
		return nil, false
	}
	b, err := s.Store.Broadcast(r.Context(), a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return nil, false
	}
	return b, true
}

// renderComposer shows the composer with f and, when the status is not
// 200, the refusal err at its field.
func (s *Server) renderComposer(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, f *draftForm, errs map[string]string) {
	ctx := r.Context()
	title := "bc.compose.new"
	if f.ID != 0 {
		title = "bc.compose.edit"
	}
	p, bp := s.basePage(r, ss, a, title)
	if f.ID != 0 {
		p.Title = fmt.Sprintf(t(p.Lang, "bc.compose.edit"), short(f.Name, 80))
	}
	if len(f.Messages) == 0 {
		f.Messages = []messageForm{{Type: kizuna.MessageText}}
	}
	bp.Form = f
	if errs != nil {
		bp.Errors = errs
	}
	segs, err := s.Store.Segments(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bp.Segments = segs
	if p.Fresh, err = s.broadcastSources(r, p.Lang, a, f.SegmentID, segs); err != nil {
		s.fail(w, r, err)
		return
	}
	has, err := s.hasChannel(ctx, a)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	bp.NoChannel = !has
	s.render(w, r, status, "compose", p)
}

// refuseDraft shows the composer again with what was typed and err's
// message at its field, in the user's language.
func (s *Server) refuseDraft(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, f *draftForm, err error) {
	var status int
	switch kizuna.ErrorCode(err) {
	case kizuna.EINVALID, kizuna.ENOTFOUND:
		status = http.StatusBadRequest
	case kizuna.ECONFLICT:
		status = http.StatusConflict
	case kizuna.EUNAVAILABLE:
		status = http.StatusServiceUnavailable
	case kizuna.EUPSTREAM, kizuna.EFORBIDDEN:
		status = http.StatusBadGateway
	default:
		s.fail(w, r, err)
		return
	}
	place := ""
	if e := (*kizuna.Error)(nil); errors.As(err, &e) {
		place = errorPlace(f, e.Path)
	}
	msg := s.refusal(r, ss, err)
	if place == "segment_id" && kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
		msg = t(s.lang(r, ss.user), "bc.err.segment")
	}
	s.renderComposer(w, r, ss, a, status, f, map[string]string{place: msg})
}

// checkedDraft reads the posted draft and checks it as the store will; on
// a refusal it shows the composer again and reports false.
func (s *Server) checkedDraft(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) (*draftForm, kizuna.BroadcastDraft, bool) {
	f := readDraftForm(r)
	d, place, key := f.draft(a.Location())
	if key != "" {
		s.renderComposer(w, r, ss, a, http.StatusBadRequest, f, map[string]string{place: t(s.lang(r, ss.user), key)})
		return f, d, false
	}
	if err := d.Validate(s.now()); err != nil {
		s.refuseDraft(w, r, ss, a, f, err)
		return f, d, false
	}
	if _, err := s.Store.Segment(r.Context(), a, d.SegmentID); err != nil {
		if kizuna.ErrorCode(err) == kizuna.ENOTFOUND {
			s.renderComposer(w, r, ss, a, http.StatusBadRequest, f, map[string]string{"segment_id": t(s.lang(r, ss.user), "bc.err.segment")})
		} else {
			s.fail(w, r, err)
		}
		return f, d, false
	}
	return f, d, true
}

// composeBroadcast shows the composer with the posted draft: the review
// page's "Back to edit".
func (s *Server) composeBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	s.renderComposer(w, r, ss, a, http.StatusOK, readDraftForm(r), nil)
}

// reviewBroadcast checks the posted draft and shows the review page: the
// reach waterfall now, a test send, and the final button.
func (s *Server) reviewBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	f, d, ok := s.checkedDraft(w, r, ss, a)
	if !ok {
		return
	}
	s.renderReview(w, r, ss, a, http.StatusOK, f, d, "", "")
}

// renderReview shows the review page of a checked draft, with a test
// send's result (done) or refusal (testErr).
func (s *Server) renderReview(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, status int, f *draftForm, d kizuna.BroadcastDraft, done, testErr string) {
	ctx := r.Context()
	lang := s.lang(r, ss.user)
	if s.Line == nil {
		s.renderComposer(w, r, ss, a, http.StatusServiceUnavailable, f, map[string]string{"": t(lang, "bc.noline")})
		return
	}
	seg, err := s.Store.Segment(ctx, a, d.SegmentID)
	if err != nil {
		s.refuseDraft(w, r, ss, a, f, err)
		return
	}
	wf, err := s.Line.Estimate(ctx, a, d.SegmentID)
	if err != nil {
		s.refuseDraft(w, r, ss, a, f, err)
		return
	}
	p, bp := s.basePage(r, ss, a, "bc.review.title")
	bp.Form = f
	if p.Fresh, err = s.broadcastSources(r, p.Lang, a, seg.ID, []*kizuna.Segment{seg}); err != nil {
		s.fail(w, r, err)
		return
	}
	rv := &reviewData{SegmentName: seg.Name, Schedule: describe(lang, d.Schedule, a.Location()), Bubbles: bubblesOf(lang, d.Messages),
		Steps: reviewSteps(lang, wf), Action: broadcastsURL(a), TestDone: done}
	switch {
	case f.ID != 0:
		rv.Button, rv.Action = t(lang, "bc.send.save"), broadcastURL(a, f.ID)
	case d.Schedule.Kind == kizuna.ScheduleNow:
		rv.Button = t(lang, "bc.send.now")
	default:
		rv.Button = t(lang, "bc.send.schedule")
	}
	if testErr != "" {
		bp.Errors["to"] = testErr
	}
	bp.Review = rv
	s.render(w, r, status, "compose", p)
}

// testBroadcast sends the draft's messages to up to ten friends named by
// LINE user ID, and shows the review page again with the result.
func (s *Server) testBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	f, d, ok := s.checkedDraft(w, r, ss, a)
	if !ok {
		return
	}
	if s.Line == nil {
		s.renderReview(w, r, ss, a, http.StatusServiceUnavailable, f, d, "", "")
		return
	}
	var to []string
	for _, id := range strings.FieldsFunc(f.TestTo, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' || r == '\t' || r == '、' }) {
		if !slices.Contains(to, id) {
			to = append(to, id)
		}
	}
	lang := s.lang(r, ss.user)
	n, err := s.Line.TestSend(r.Context(), a, to, d.Messages)
	if err != nil {
		switch kizuna.ErrorCode(err) {
		case kizuna.EINVALID, kizuna.ECONFLICT, kizuna.ENOTFOUND, kizuna.EUPSTREAM, kizuna.EFORBIDDEN, kizuna.EUNAVAILABLE:
			msg := s.refusal(r, ss, err)
			if n > 0 {
				msg = fmt.Sprintf(t(lang, "bc.test.partly"), n, msg)
			}
			status := http.StatusBadRequest
			if c := kizuna.ErrorCode(err); c == kizuna.EUPSTREAM || c == kizuna.EUNAVAILABLE || c == kizuna.EFORBIDDEN {
				status = http.StatusBadGateway
			} else if c == kizuna.ECONFLICT {
				status = http.StatusConflict
			}
			s.renderReview(w, r, ss, a, status, f, d, "", msg)
		default:
			s.fail(w, r, err)
		}
		return
	}
	s.renderReview(w, r, ss, a, http.StatusOK, f, d, fmt.Sprintf(plural(lang, int64(n), "bc.test.done"), n), "")
}

// createBroadcast stores the reviewed draft through LINE's service (a
// "now" broadcast starts at once) and goes to its page.
func (s *Server) createBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	f, d, ok := s.checkedDraft(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	if s.Line == nil {
		s.renderComposer(w, r, ss, a, http.StatusServiceUnavailable, f, map[string]string{"": t(lang, "bc.noline")})
		return
	}
	f.ID, d.Version = 0, 0
	b, err := s.Line.CreateBroadcast(r.Context(), a, ss.user.Email, d)
	if err != nil {
		s.refuseDraft(w, r, ss, a, f, err)
		return
	}
	done := "bc.done.scheduled"
	if d.Schedule.Kind == kizuna.ScheduleNow {
		done = "bc.done.sending"
	}
	s.notice(w, r, ss, fmt.Sprintf(t(lang, done), short(b.Name, 80)))
	http.Redirect(w, r, broadcastURL(a, b.ID), http.StatusSeeOther)
}

// saveBroadcast saves an edit of a broadcast no run of which has started.
func (s *Server) saveBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	b, ok := s.pathBroadcast(w, r, ss, a)
	if !ok {
		return
	}
	f, d, ok := s.checkedDraft(w, r, ss, a)
	if !ok {
		return
	}
	f.ID = b.ID
	saved, err := s.Store.EditBroadcast(r.Context(), a, ss.user.Email, b.ID, d)
	if err != nil {
		s.refuseDraft(w, r, ss, a, f, err)
		return
	}
	s.notice(w, r, ss, fmt.Sprintf(t(s.lang(r, ss.user), "bc.done.saved"), short(saved.Name, 80)))
	http.Redirect(w, r, broadcastURL(a, saved.ID), http.StatusSeeOther)
}

// cancelBroadcast cancels a scheduled, recurring or sending broadcast.
func (s *Server) cancelBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	b, ok := s.pathBroadcast(w, r, ss, a)
	if !ok {
		return
	}
	lang := s.lang(r, ss.user)
	canceled, err := s.Store.CancelBroadcast(r.Context(), a, ss.user.Email, b.ID)
	switch kizuna.ErrorCode(err) {
	case "":
		s.notice(w, r, ss, fmt.Sprintf(t(lang, "bc.done.canceled"), short(canceled.Name, 80)))
	case kizuna.ECONFLICT, kizuna.EINVALID:
		s.refuse(w, r, ss, atTop, s.refusal(r, ss, err))
	default:
		s.failOrNotFound(w, r, ss, err)
		return
	}
	http.Redirect(w, r, broadcastURL(a, b.ID), http.StatusSeeOther)
}

// showBroadcast is a broadcast's page: status, schedule, messages, and
// each run's waterfall, latest first.
func (s *Server) showBroadcast(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account) {
	b, ok := s.pathBroadcast(w, r, ss, a)
	if !ok {
		return
	}
	p, bp := s.basePage(r, ss, a, "bc.title")
	p.Title = b.Name
	lang, loc := p.Lang, a.Location()
	v := &broadcastView{ID: b.ID, Name: b.Name, Status: b.Status, StatusText: statusText(lang, b.Status), Schedule: describe(lang, b.Schedule, loc),
		Next: when(b.NextRunAt, loc), CreatedBy: b.CreatedBy, Created: when(&b.CreatedAt, loc), SegmentID: b.SegmentID, SegmentName: b.SegmentName,
		Bubbles: bubblesOf(lang, b.Messages), Editable: editable(b), Started: len(b.Runs) > 0}
	switch b.Status {
	case kizuna.BroadcastScheduled, kizuna.BroadcastRecurring, kizuna.BroadcastSending:
		v.Cancelable = true
	}
	v.Live = b.Status == kizuna.BroadcastSending ||
		b.Status == kizuna.BroadcastScheduled && b.NextRunAt != nil && b.NextRunAt.Before(s.Now().Add(time.Minute))
	for i := range b.Runs {
		run := &b.Runs[i]
		rv := runView{ID: run.ID, Status: run.Status, StatusText: runStatusText(lang, run.Status), Scheduled: when(&run.ScheduledFor, loc),
			Started: when(run.StartedAt, loc), Finished: when(run.FinishedAt, loc), Steps: runSteps(lang, run)}
		rv.Waiting = run.Status == kizuna.RunPending
		if run.Status == kizuna.RunPending || run.Status == kizuna.RunSending {
			v.Live = true
		}
		v.Runs = append(v.Runs, rv)
	}
	bp.View = v
	if b.Status == kizuna.BroadcastScheduled || b.Status == kizuna.BroadcastRecurring { // before it sends
		seg, err := s.Store.Segment(r.Context(), a, b.SegmentID)
		if err == nil {
			p.Fresh, err = s.broadcastSources(r, lang, a, seg.ID, []*kizuna.Segment{seg})
		}
		if err != nil && kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, http.StatusOK, "broadcast", p)
}

// broadcastSources warns, before a broadcast, of the sources its segment
// (chosen, among segs) uses that are not connected or failing.
func (s *Server) broadcastSources(r *http.Request, lang string, a *kizuna.Account, chosen int64, segs []*kizuna.Segment) (*freshView, error) {
	st, err := s.readSources(r.Context(), a, false)
	if err != nil {
		return nil, err
	}
	return st.broadcastView(lang, a, chosen, segs), nil
}

// broadcastFriends answers the review page's search for test recipients:
// following friends whose name or LINE user ID matches, at most ten. The
// CSRF token comes in the X-CSRF-Token header.
func (s *Server) broadcastFriends(w http.ResponseWriter, r *http.Request, ss *session) {
	var req struct {
		Query string `json:"q"`
	}
	a, ok := s.jsonRequest(w, r, ss, &req)
	if !ok {
		return
	}
	if !s.refuseViewer(w, r, ss, a) {
		return
	}
	type friend struct {
		LineUserID  string `json:"line_user_id"`
		DisplayName string `json:"display_name"`
	}
	out := []friend{}
	if q := strings.TrimSpace(req.Query); q != "" {
		pg, err := s.Store.ListFriends(r.Context(), a, kizuna.FriendQuery{Search: q, Limit: 30})
		if err != nil {
			s.jsonRefusal(w, s.lang(r, ss.user), err)
			return
		}
		for _, f := range pg.Friends {
			if f.Status == kizuna.StatusFollowing && len(out) < 10 {
				out = append(out, friend{f.LineUserID, f.DisplayName})
			}
		}
	}
	writeEditorJSON(w, map[string]any{"friends": out})
}

// usageLink is a broadcast named in the segment list's Usage column.
type usageLink struct {
	ID   int64
	Name string
}

// maxUsageLinks is how many broadcasts a segment's Usage names; the
// others are counted.
const maxUsageLinks = 3

// segmentUsage names, per segment, the broadcasts that use it (newest
// first).
func (s *Server) segmentUsage(ctx context.Context, a *kizuna.Account) (map[int64][]usageLink, error) {
	usage, err := s.Store.SegmentUsage(ctx, a)
	if err != nil {
		return nil, err
	}
	out := map[int64][]usageLink{}
	for id, list := range usage {
		list = slices.Clone(list)
		slices.SortStableFunc(list, func(x, y *kizuna.Broadcast) int { return int(y.ID - x.ID) })
		for _, b := range list {
			out[id] = append(out[id], usageLink{ID: b.ID, Name: b.Name})
		}
	}
	return out, nil
}

// atSegmentRow is the place of a segment's row in the segment list, for a
// refusal of its delete.
func atSegmentRow(id int64) string { return "segment:" + strconv.FormatInt(id, 10) }
