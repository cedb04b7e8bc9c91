package kizuna

import (
	"context"
	"slices"
	"time"
)

// SourceStatusReader is what reading the sources' statuses needs of a
// store: which sources count as connected, and how fresh their data is.
type SourceStatusReader interface {
	Integrations(ctx context.Context, account *Account) (map[string]bool, error)
	Freshness(ctx context.Context, account *Account) ([]Freshness, error)
}

// ReadSourceStatuses reads the account's sources' statuses at now with one
// Integrations and one Freshness read: a page that flags many segments
// reads this once and asks UsedSources per segment.
func ReadSourceStatuses(ctx context.Context, st SourceStatusReader, a *Account, now time.Time) ([]SourceStatus, error) {
	connected, err := st.Integrations(ctx, a)
	if err != nil {
		return nil, err
	}
	fresh, err := st.Freshness(ctx, a)
	if err != nil {
		return nil, err
	}
	return SourceStatuses(connected, fresh, now), nil
}

// SourcesUsed is what an answer about a filter (a preview, a broadcast's
// estimate) says of the integration sources the filter uses: each one's
// status, and those not connected or failing. All three are absent when
// the filter uses no source.
type SourcesUsed struct {
	Sources      []SourceStatus `json:"sources,omitempty"`
	Disconnected []string       `json:"disconnected_sources,omitempty"`
	Failing      []string       `json:"failing_sources,omitempty"`
}

// UsedSources picks the statuses of the sources f uses, in Sources order,
// with SourceProblems' answer.
func UsedSources(f *Filter, statuses []SourceStatus) SourcesUsed {
	var out SourcesUsed
	for _, src := range f.Sources() {
		if i := slices.IndexFunc(statuses, func(s SourceStatus) bool { return s.Source == src }); i >= 0 {
			out.Sources = append(out.Sources, statuses[i])
		} else {
			out.Sources = append(out.Sources, SourceStatus{Source: src})
		}
	}
	out.Disconnected, out.Failing = SourceProblems(f, statuses)
	return out
}

// Problems reports whether a source the filter uses is not connected or
// failing.
func (u SourcesUsed) Problems() bool { return len(u.Disconnected)+len(u.Failing) > 0 }
