package kizuna

import (
	"slices"
	"time"
)

// SourceFailingAfter is how long a source may go without a successful
// sync, its latest having failed, before pages flag it wherever its
// conditions are used (a single failed poll between two good ones is not
// worth a marketer's attention; half an hour of them is).
const SourceFailingAfter = 30 * time.Minute

// SourceStatus is one source's state as pages and answers show it:
// whether it is connected, how current its data is, and whether it is
// failing.
type SourceStatus struct {
	Source    string `json:"source"`
	Connected bool   `json:"connected"`
	// LastSuccessAt is when its latest successful sync finished (nil:
	// never); LastDeliveryAt when its latest webhook was applied.
	// LagSeconds is how long ago the data was last brought up to date:
	// the later of the two, once a sync has succeeded (absent before: a
	// webhook alone does not make a source's data whole).
	LastSuccessAt  *time.Time `json:"last_success_at,omitempty"`
	LastDeliveryAt *time.Time `json:"last_delivery_at,omitempty"`
	LagSeconds     *int64     `json:"lag_seconds,omitempty"`
	// LastError is the latest failure since the last success.
	LastError   string     `json:"last_error,omitempty"`
	LastErrorAt *time.Time `json:"last_error_at,omitempty"`
	// Syncing: a sync of the source is running now.
	Syncing bool `json:"syncing"`
	// Failing: the latest sync failed and nothing has succeeded for
	// SourceFailingAfter (or ever).
	Failing bool `json:"failing"`
}

// SourceStatuses combines which sources are connected (the store's
// Integrations) with their freshness into one status per source, in
// Sources order.
func SourceStatuses(connected map[string]bool, fresh []Freshness, now time.Time) []SourceStatus {
	out := make([]SourceStatus, 0, len(Sources))
	for _, src := range Sources {
		st := SourceStatus{Source: src, Connected: connected[src]}
		for _, f := range fresh {
			if f.Source != src {
				continue
			}
			st.LastSuccessAt, st.LastError, st.LastErrorAt, st.Syncing = f.LastSuccessAt, f.LastError, f.LastErrorAt, f.Running != nil
			st.LastDeliveryAt = f.LastDeliveryAt
			if f.LastSuccessAt != nil {
				updated := *f.LastSuccessAt
				if f.LastDeliveryAt != nil && f.LastDeliveryAt.After(updated) {
					updated = *f.LastDeliveryAt
				}
				lag := int64(max(0, now.Sub(updated)) / time.Second)
				st.LagSeconds = &lag
			}
			st.Failing = f.LastError != "" && (f.LastSuccessAt == nil || now.Sub(*f.LastSuccessAt) > SourceFailingAfter)
		}
		out = append(out, st)
	}
	return out
}

// Sources returns the integration sources ("shopify", "hubspot",
// "klaviyo") the filter's conditions use, in Sources order.
func (f *Filter) Sources() []string {
	used := map[string]bool{}
	for _, g := range f.Groups {
		for _, c := range g.Conditions {
			used[c.Source()] = true
		}
	}
	var out []string
	for _, src := range Sources {
		if used[src] {
			out = append(out, src)
		}
	}
	return out
}

// SourceProblems names the sources a filter uses that are not connected
// and those that are failing, each in Sources order: what a page flags
// beside a segment instead of letting it silently match nobody or go
// stale.
func SourceProblems(f *Filter, statuses []SourceStatus) (disconnected, failing []string) {
	for _, src := range f.Sources() {
		i := slices.IndexFunc(statuses, func(s SourceStatus) bool { return s.Source == src })
		if i < 0 || !statuses[i].Connected {
			disconnected = append(disconnected, src)
		} else if statuses[i].Failing {
			failing = append(failing, src)
		}
	}
	return disconnected, failing
}
