package api

import (
	"bytes"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Broadcasts: created here, sent by the process that runs the jobs
// (kizuna serve, kizuna demo).
func (s *Server) broadcastRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/accounts/{account}/broadcasts", s.account(s.listBroadcasts))
	mux.Handle("POST /api/v1/accounts/{account}/broadcasts", s.account(s.createBroadcast))
	mux.Handle("POST /api/v1/accounts/{account}/broadcasts/estimate", s.account(s.estimateBroadcast))
	mux.Handle("GET /api/v1/accounts/{account}/broadcasts/{id}", s.account(s.broadcast))
	mux.Handle("PUT /api/v1/accounts/{account}/broadcasts/{id}", s.account(s.editBroadcast))
	mux.Handle("POST /api/v1/accounts/{account}/broadcasts/{id}/cancel", s.account(s.cancelBroadcast))
}

func (s *Server) listBroadcasts(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	bs, err := s.Store.Broadcasts(r.Context(), a)
	if err != nil {
		return err
	}
	if bs == nil {
		bs = []*kizuna.Broadcast{}
	}
	s.respond(w, r, http.StatusOK, map[string]any{"broadcasts": bs})
	return nil
}

// createBroadcast creates a broadcast:
// {"name", "segment_id", "messages": [...], "schedule": {...}} → 201. One
// sent now is due at once; the sending itself is the jobs' work.
func (s *Server) createBroadcast(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "name", "segment_id", "messages", "schedule")
	if err != nil {
		return err
	}
	d, err := broadcastDraft(obj)
	if err != nil {
		return err
	}
	l, err := s.line()
	if err != nil {
		return err
	}
	b, err := l.CreateBroadcast(r.Context(), a, apiActor, d)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusCreated, b)
	return nil
}

// broadcast answers a broadcast with its runs and their waterfalls.
func (s *Server) broadcast(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "broadcast")
	if err != nil {
		return err
	}
	b, err := s.Store.Broadcast(r.Context(), a, id)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, b)
	return nil
}

// editBroadcast replaces a broadcast that has not started:
// {"name", "segment_id", "messages", "schedule", "version"}, where version
// is the one the edit started from (a stale one is 409).
func (s *Server) editBroadcast(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "broadcast")
	if err != nil {
		return err
	}
	obj, err := s.segmentBody(w, r, "name", "segment_id", "messages", "schedule", "version")
	if err != nil {
		return err
	}
	d, err := broadcastDraft(obj)
	if err != nil {
		return err
	}
	if raw, ok := obj["version"]; !ok || json.Unmarshal(raw, &d.Version) != nil || d.Version <= 0 {
		return kizuna.ErrorAt(kizuna.EINVALID, "version", "\"version\" must be the broadcast's version, a positive integer")
	}
	b, err := s.Store.EditBroadcast(r.Context(), a, apiActor, id, d)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, b)
	return nil
}

// cancelBroadcast stops a scheduled or recurring broadcast.
func (s *Server) cancelBroadcast(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "broadcast")
	if err != nil {
		return err
	}
	b, err := s.Store.CancelBroadcast(r.Context(), a, apiActor, id)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, b)
	return nil
}

// estimateBroadcast answers a segment's reach waterfall before sending:
// {"segment_id"} → matched, following, what the month's quota allows.
func (s *Server) estimateBroadcast(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	obj, err := s.segmentBody(w, r, "segment_id")
	if err != nil {
		return err
	}
	id, err := segmentIDField(obj)
	if err != nil {
		return err
	}
	l, err := s.line()
	if err != nil {
		return err
	}
	wf, err := l.Estimate(r.Context(), a, id)
	if err != nil {
		return err
	}
	// The segment's sources not connected or failing come with the reach.
	seg, err := s.Store.Segment(r.Context(), a, id)
	if err != nil {
		return err
	}
	used, err := s.sourcesUsed(r.Context(), a, seg.Filter)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, struct {
		*kizuna.Waterfall
		kizuna.SourcesUsed
	}{wf, used})
	return nil
}

// broadcastDraft reads a broadcast's name, segment, messages and schedule;
// each must be there. The store validates the whole (kizuna's
// BroadcastDraft.Validate).
func broadcastDraft(obj map[string]json.RawMessage) (kizuna.BroadcastDraft, error) {
	var d kizuna.BroadcastDraft
	name, err := requiredString(obj, "name", "a broadcast needs a \"name\"")
	if err != nil {
		return d, err
	}
	d.Name = *name
	if d.SegmentID, err = segmentIDField(obj); err != nil {
		return d, err
	}
	if d.Messages, err = messagesField(obj); err != nil {
		return d, err
	}
	raw, ok := obj["schedule"]
	if !ok || isNull(raw) {
		return d, kizuna.ErrorAt(kizuna.EINVALID, "schedule", "a broadcast needs a \"schedule\", such as {\"kind\": \"now\"} or {\"kind\": \"at\", \"at\": \"2026-12-01T09:00:00+09:00\"}")
	}
	d.Schedule, err = parseSchedule(raw)
	return d, err
}

// segmentIDField reads the required "segment_id".
func segmentIDField(obj map[string]json.RawMessage) (int64, error) {
	var id int64
	if raw, ok := obj["segment_id"]; !ok || json.Unmarshal(raw, &id) != nil || id <= 0 {
		return 0, kizuna.ErrorAt(kizuna.EINVALID, "segment_id", "\"segment_id\" must be a segment's ID")
	}
	return id, nil
}

// messagesField reads the required "messages", validated as LINE would,
// each problem at its path ("messages[1].text").
func messagesField(obj map[string]json.RawMessage) ([]kizuna.Message, error) {
	raw, ok := obj["messages"]
	if !ok || isNull(raw) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "messages", "send \"messages\": an array of 1 to %d LINE message objects", kizuna.MaxMessages)
	}
	return kizuna.ParseMessages(raw)
}

// scheduleKeys are a schedule object's keys.
var scheduleKeys = []string{"kind", "at", "time", "weekdays", "day"}

// parseSchedule reads a schedule object strictly, each problem at its path
// ("schedule.at"); whether the values make a valid schedule is
// kizuna.ValidateSchedule's to say.
func parseSchedule(raw json.RawMessage) (kizuna.Schedule, error) {
	var sc kizuna.Schedule
	var obj map[string]json.RawMessage
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' || json.Unmarshal(raw, &obj) != nil {
		return sc, kizuna.ErrorAt(kizuna.EINVALID, "schedule", "\"schedule\" must be an object with a \"kind\": now, at, daily, weekly or monthly")
	}
	for _, k := range slices.Sorted(maps.Keys(obj)) {
		if !slices.Contains(scheduleKeys, k) {
			return sc, kizuna.ErrorAt(kizuna.EINVALID, "schedule."+k, "unknown key %q: a schedule has \"kind\", \"at\", \"time\", \"weekdays\" and \"day\"", k)
		}
	}
	for _, k := range scheduleKeys {
		v, ok := obj[k]
		if !ok || isNull(v) {
			continue
		}
		var err error
		switch k {
		case "kind":
			err = json.Unmarshal(v, &sc.Kind)
		case "at":
			var text string
			var at time.Time
			if err = json.Unmarshal(v, &text); err == nil {
				at, err = time.Parse(time.RFC3339, text)
			}
			if err != nil {
				return sc, kizuna.ErrorAt(kizuna.EINVALID, "schedule.at", "\"at\" must be an RFC 3339 time with an offset, such as \"2026-12-01T09:00:00+09:00\"")
			}
			sc.At = &at
		case "time":
			err = json.Unmarshal(v, &sc.Time)
		case "weekdays":
			err = json.Unmarshal(v, &sc.Weekdays)
		case "day":
			err = json.Unmarshal(v, &sc.Day)
		}
		if err != nil {
			return sc, kizuna.ErrorAt(kizuna.EINVALID, "schedule."+k, "%q has the wrong type: kind and time are strings, weekdays an array of numbers, day a number", k)
		}
	}
	if sc.Kind == "" {
		return sc, kizuna.ErrorAt(kizuna.EINVALID, "schedule.kind", "\"schedule\" must be an object with a \"kind\": now, at, daily, weekly or monthly")
	}
	return sc, nil
}
