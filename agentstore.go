package kizuna

import (
	"context"
	"encoding/json"
	"time"
)

// Agent proposal states.
const (
	ProposalOpen      = "open"
	ProposalApproved  = "approved"
	ProposalCancelled = "cancelled"
)

// SegmentActionAgent is the segment history's action for a segment created
// by approving an agent's proposal; the change's Actor is who approved it.
const SegmentActionAgent = "agent"

// MaxOpenProposals bounds the open (neither approved nor cancelled)
// proposals an account keeps: saving one more forgets the oldest open ones.
const MaxOpenProposals = 200

// AgentProposal is a stored proposal of the agent (package agent): Body is
// the proposal as the agent answered it, which the store keeps without
// reading. Nothing is created from it until it is approved.
type AgentProposal struct {
	ID        int64           `json:"id"`
	Actor     string          `json:"actor"` // who asked
	Status    string          `json:"status"`
	SegmentID *int64          `json:"segment_id,omitempty"` // set once approved
	DecidedBy string          `json:"decided_by,omitempty"` // who approved or cancelled
	CreatedAt time.Time       `json:"created_at"`
	DecidedAt *time.Time      `json:"decided_at,omitempty"`
	Body      json.RawMessage `json:"body"`
}

// AgentStore keeps the agent's proposals of an account.
type AgentStore interface {
	// CreateAgentProposal saves an open proposal asked by actor; past
	// MaxOpenProposals open ones, the oldest open ones are forgotten.
	CreateAgentProposal(ctx context.Context, account *Account, actor string, body json.RawMessage) (*AgentProposal, error)
	// AgentProposal reads one (ENOTFOUND: none of the account's).
	AgentProposal(ctx context.Context, account *Account, id int64) (*AgentProposal, error)
	// ApproveAgentProposal creates the segment name with filter and marks
	// the proposal approved, in one transaction: the segment's history
	// records SegmentActionAgent by actor. A proposal no longer open is
	// ECONFLICT at "proposal" and creates nothing; the segment's own
	// refusals (a name in use, EINVALIDFILTER) leave the proposal open.
	ApproveAgentProposal(ctx context.Context, account *Account, actor string, id int64, name string, filter json.RawMessage) (*Segment, error)
	// CancelAgentProposal marks an open proposal cancelled; one no longer
	// open is ECONFLICT at "proposal".
	CancelAgentProposal(ctx context.Context, account *Account, actor string, id int64) error
}
