package agent

import (
	"context"
)

// Offline is the deterministic planner: no network, no model.
type Offline struct{}

// Plan reads the input's goals into a plan.
func (Offline) Plan(ctx context.Context, in *Input) (*Plan, error) {
	return &Plan{}, nil
}
