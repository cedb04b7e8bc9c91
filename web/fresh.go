package web

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// Freshness, shown (issue 11): how current each integration source's data
// is, in the marketer's words, beside the editor's categories and at the
// conditions that use a source; and a flag wherever a segment uses a
// source that is not connected or whose sync is failing (the editor, its
// preview, the segment list, before a broadcast). The rule of what is
// failing is kizuna.SourceStatuses'; this file only words it.
//
// A disconnected source's data stays (kizuna.ConnectionStore.Disconnect):
// its conditions keep testing what it sent before, which no longer
// updates. The pages say exactly that. Saving a segment that uses it is
// not refused (the API saves it too, and the marketer may reconnect); the
// editor says so at the top and at those conditions, and never offers the
// source's fields for a new condition.

// Freshness states, as pages show them (a class "fresh-STATE").
const (
	freshUpdated      = "updated"      // synced, the latest success said in words
	freshSyncing      = "syncing"      // a sync runs now
	freshNever        = "never"        // connected, not synced yet
	freshImported     = "imported"     // never connected: its data came by import
	freshFailing      = "failing"      // kizuna.SourceStatus.Failing
	freshDisconnected = "disconnected" // not connected
)

// sourceWords is one source's freshness in words.
type sourceWords struct {
	Source string `json:"source"`
	Name   string `json:"name"`  // "Shopify"
	State  string `json:"state"` // one of the fresh* states
	// Short is the state alone ("updated 2 minutes ago"); Text names the
	// source ("Shopify: updated 2 minutes ago"); Label is the condition
	// picker's category ("Shopify — updated 2 minutes ago").
	Short string `json:"short"`
	Text  string `json:"text"`
	Label string `json:"label"`
	// Flag: not connected or failing; Note then says, at a condition of
	// the source, what that means for it.
	Flag bool   `json:"flag"`
	Note string `json:"note,omitempty"`
}

// sourceName is a source as people write it.
func sourceName(src string) string {
	switch src {
	case kizuna.SourceShopify:
		return "Shopify"
	case kizuna.SourceHubSpot:
		return "HubSpot"
	case kizuna.SourceKlaviyo:
		return "Klaviyo"
	}
	return src
}

// agoText says how long ago, from seconds: "just now", "2 minutes ago",
// "3 hours ago", "4 days ago" (「たった今」「2分前」...).
func agoText(lang string, secs int64) string {
	switch {
	case secs < 60:
		return t(lang, "fresh.ago.now")
	case secs < 3600:
		n := secs / 60
		return fmt.Sprintf(plural(lang, n, "fresh.ago.minutes"), n)
	case secs < 86400:
		n := secs / 3600
		return fmt.Sprintf(plural(lang, n, "fresh.ago.hours"), n)
	}
	n := secs / 86400
	return fmt.Sprintf(plural(lang, n, "fresh.ago.days"), n)
}

// updatedText is "updated 2 minutes ago" (「2分前に更新」).
func updatedText(lang string, secs int64) string {
	if secs < 60 {
		return t(lang, "fresh.updated.now")
	}
	return fmt.Sprintf(t(lang, "fresh.updated"), agoText(lang, secs))
}

// lastUpdated is a failing source's "last updated 3 hours ago" or "never
// updated".
func lastUpdated(lang string, st kizuna.SourceStatus) string {
	if st.LagSeconds == nil {
		return t(lang, "fresh.last.never")
	}
	return fmt.Sprintf(t(lang, "fresh.last"), agoText(lang, *st.LagSeconds))
}

// errorGist is the first line of a sync's error, at most 120 characters.
func errorGist(msg string) string {
	msg, _, _ = strings.Cut(strings.TrimSpace(msg), "\n")
	return short(strings.TrimSpace(msg), 120)
}

// freshWords words a source's status. imported says that a connected
// source has no connection: its data came by import, and it never syncs.
func freshWords(lang string, st kizuna.SourceStatus, imported bool) sourceWords {
	name := sourceName(st.Source)
	w := sourceWords{Source: st.Source, Name: name}
	switch {
	case !st.Connected:
		w.State, w.Short, w.Flag = freshDisconnected, t(lang, "fresh.disconnected"), true
		w.Note = fmt.Sprintf(t(lang, "fresh.condition.disconnected"), name)
	case st.Failing:
		w.State, w.Short, w.Flag = freshFailing, t(lang, "fresh.failing"), true
		w.Note = fmt.Sprintf(t(lang, "fresh.condition.failing"), name, lastUpdated(lang, st), errorGist(st.LastError))
	case st.Syncing && st.LagSeconds != nil:
		w.State, w.Short = freshSyncing, fmt.Sprintf(t(lang, "fresh.syncing.after"), updatedText(lang, *st.LagSeconds))
	case st.Syncing:
		w.State, w.Short = freshSyncing, t(lang, "fresh.syncing")
	case st.LagSeconds != nil:
		w.State, w.Short = freshUpdated, updatedText(lang, *st.LagSeconds)
	case imported:
		w.State, w.Short = freshImported, t(lang, "fresh.imported")
	default:
		w.State, w.Short = freshNever, t(lang, "fresh.never")
	}
	w.Text = fmt.Sprintf(t(lang, "fresh.text"), name, w.Short)
	if w.State == freshFailing {
		w.Text = fmt.Sprintf(t(lang, "fresh.failing.text"), name, lastUpdated(lang, st), errorGist(st.LastError))
	}
	w.Label = fmt.Sprintf(t(lang, "fresh.label"), name, w.Short)
	return w
}

// sourceNote is the sentence that flags a segment's use of a source that
// is not connected or failing; subject is "This segment" or the segment
// named.
func sourceNote(lang, subject string, st kizuna.SourceStatus) string {
	name := sourceName(st.Source)
	if !st.Connected {
		return fmt.Sprintf(t(lang, "fresh.uses.disconnected"), subject, name)
	}
	return fmt.Sprintf(t(lang, "fresh.uses.failing"), subject, name, lastUpdated(lang, st), errorGist(st.LastError))
}

// sourceNotes flags each disconnected or failing source that used says.
func sourceNotes(lang, subject string, used kizuna.SourcesUsed) []string {
	var out []string
	for _, st := range used.Sources {
		if slices.Contains(used.Disconnected, st.Source) || slices.Contains(used.Failing, st.Source) {
			out = append(out, sourceNote(lang, subject, st))
		}
	}
	return out
}

// sourceFlag is a segment list row's flag of one source: a short badge,
// and why.
type sourceFlag struct {
	Source, State, Badge, Why string
}

// segmentFlags flags the sources a saved segment uses that are not
// connected or failing (none for a filter that does not parse).
func segmentFlags(lang string, seg *kizuna.Segment, statuses []kizuna.SourceStatus) []sourceFlag {
	f, err := kizuna.ParseFilter(seg.Filter)
	if err != nil {
		return nil
	}
	used := kizuna.UsedSources(f, statuses)
	var out []sourceFlag
	for _, st := range used.Sources {
		switch {
		case slices.Contains(used.Disconnected, st.Source):
			out = append(out, sourceFlag{st.Source, freshDisconnected, fmt.Sprintf(t(lang, "fresh.badge.disconnected"), sourceName(st.Source)), sourceNote(lang, t(lang, "fresh.subject.this"), st)})
		case slices.Contains(used.Failing, st.Source):
			out = append(out, sourceFlag{st.Source, freshFailing, fmt.Sprintf(t(lang, "fresh.badge.failing"), sourceName(st.Source)), sourceNote(lang, t(lang, "fresh.subject.this"), st)})
		}
	}
	return out
}

// freshView is what the editor and the broadcast screens show of the
// sources (page.Fresh).
type freshView struct {
	// Words are every source's, in Sources order; WordsJSON is them keyed
	// by source, for editor.js.
	Words     []sourceWords
	WordsJSON string
	// Panel lists the sources the editor speaks of: those connected, and
	// any other the segment uses.
	Panel []sourceWords
	// Notes flag the segment's sources that are not connected or failing;
	// Text is them as one text (the broadcast screens).
	Notes []string
	Text  string
	// BySegment is, on the composer, each segment's notes as one text,
	// for the segment chosen (fresh.js).
	BySegment map[int64]string
	// SettingsURL is where a source is connected again.
	SettingsURL string
}

// sourcesState is what a page reads of the sources: their statuses, and
// which connected ones have no connection (imported).
type sourcesState struct {
	statuses []kizuna.SourceStatus
	imported map[string]bool
}

// readSources reads the account's source statuses once (Integrations and
// Freshness); withImported also reads the connections, to tell a source
// fed by import from one connected and not synced yet.
func (s *Server) readSources(ctx context.Context, a *kizuna.Account, withImported bool) (*sourcesState, error) {
	statuses, err := kizuna.ReadSourceStatuses(ctx, s.Store, a, s.now())
	if err != nil {
		return nil, err
	}
	st := &sourcesState{statuses: statuses, imported: map[string]bool{}}
	if withImported {
		conns, err := s.Store.Connections(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, ss := range statuses {
			st.imported[ss.Source] = ss.Connected && !slices.ContainsFunc(conns, func(c kizuna.Connection) bool { return c.Source == ss.Source })
		}
	}
	return st, nil
}

// connected is which sources count as connected.
func (st *sourcesState) connected() map[string]bool {
	out := map[string]bool{}
	for _, s := range st.statuses {
		out[s.Source] = s.Connected
	}
	return out
}

// words words every source.
func (st *sourcesState) words(lang string) []sourceWords {
	out := make([]sourceWords, len(st.statuses))
	for i, s := range st.statuses {
		out[i] = freshWords(lang, s, st.imported[s.Source])
	}
	return out
}

// used is what a filter (raw JSON) uses of the sources; nothing for a
// filter that does not parse or uses none.
func (st *sourcesState) used(raw []byte) kizuna.SourcesUsed {
	f, err := kizuna.ParseFilter(raw)
	if err != nil {
		return kizuna.SourcesUsed{}
	}
	return kizuna.UsedSources(f, st.statuses)
}

// editorView is the editor's freshView for the filter being edited.
func (st *sourcesState) editorView(lang string, a *kizuna.Account, filter string) *freshView {
	v := &freshView{Words: st.words(lang), SettingsURL: "/a/" + a.Name + "/settings"}
	used := st.used([]byte(filter))
	byKey := map[string]sourceWords{}
	for _, w := range v.Words {
		byKey[w.Source] = w
		if w.State != freshDisconnected || slices.ContainsFunc(used.Sources, func(s kizuna.SourceStatus) bool { return s.Source == w.Source }) {
			v.Panel = append(v.Panel, w)
		}
	}
	j, _ := json.Marshal(byKey)
	v.WordsJSON = string(j)
	v.Notes = sourceNotes(lang, t(lang, "fresh.subject.this"), used)
	return v
}

// segmentNotes flags a segment's sources for a broadcast: the notes
// naming the segment, then what to do.
func (st *sourcesState) segmentNotes(lang string, seg *kizuna.Segment) []string {
	notes := sourceNotes(lang, fmt.Sprintf(t(lang, "fresh.subject.named"), seg.Name), st.used(seg.Filter))
	if len(notes) > 0 {
		notes = append(notes, t(lang, "fresh.broadcast.check"))
	}
	return notes
}

// broadcastView is the broadcast screens' freshView: the notes of the
// segment chosen, and on the composer every segment's.
func (st *sourcesState) broadcastView(lang string, a *kizuna.Account, chosen int64, segs []*kizuna.Segment) *freshView {
	v := &freshView{BySegment: map[int64]string{}, SettingsURL: "/a/" + a.Name + "/settings"}
	for _, seg := range segs {
		notes := st.segmentNotes(lang, seg)
		if len(notes) == 0 {
			continue
		}
		sep := " "
		if lang == "ja" { // Japanese sentences follow each other with no space
			sep = ""
		}
		v.BySegment[seg.ID] = strings.Join(notes, sep)
		if seg.ID == chosen {
			v.Notes, v.Text = notes, v.BySegment[seg.ID]
		}
	}
	return v
}
