package agent_test

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// memProposals keeps proposals in memory over a real store, for the
// agent's tests: everything else (tags, catalog, segments) is the store's.
type memProposals struct {
	*sqlstore.DB
	mu   sync.Mutex
	next int64
	ps   map[int64]*kizuna.AgentProposal
}

func newMemProposals(db *sqlstore.DB) *memProposals {
	return &memProposals{DB: db, ps: map[int64]*kizuna.AgentProposal{}}
}

func (m *memProposals) CreateAgentProposal(ctx context.Context, a *kizuna.Account, actor string, body json.RawMessage) (*kizuna.AgentProposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	p := &kizuna.AgentProposal{ID: m.next*1000 + a.ID, Actor: actor, Status: kizuna.ProposalOpen, CreatedAt: time.Now(), Body: body}
	m.ps[p.ID] = p
	return p, nil
}

func (m *memProposals) AgentProposal(ctx context.Context, a *kizuna.Account, id int64) (*kizuna.AgentProposal, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.ps[id]
	if !ok || id%1000 != a.ID {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no proposal %d", id)
	}
	c := *p
	return &c, nil
}

func (m *memProposals) ApproveAgentProposal(ctx context.Context, a *kizuna.Account, actor string, id int64, name string, filter json.RawMessage) (*kizuna.Segment, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.ps[id]
	if !ok || id%1000 != a.ID {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no proposal %d", id)
	}
	if p.Status != kizuna.ProposalOpen {
		return nil, kizuna.ErrorAt(kizuna.ECONFLICT, "proposal", "proposal %d is %s", id, p.Status)
	}
	seg, err := m.DB.CreateSegment(ctx, a, actor, name, 0, filter)
	if err != nil {
		return nil, err
	}
	p.Status, p.SegmentID = kizuna.ProposalApproved, &seg.ID
	return seg, nil
}

func (m *memProposals) CancelAgentProposal(ctx context.Context, a *kizuna.Account, actor string, id int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.ps[id]
	if !ok || id%1000 != a.ID {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no proposal %d", id)
	}
	if p.Status != kizuna.ProposalOpen {
		return kizuna.ErrorAt(kizuna.ECONFLICT, "proposal", "proposal %d is %s", id, p.Status)
	}
	p.Status = kizuna.ProposalCancelled
	return nil
}

var _ interface {
	kizuna.AgentStore
} = (*memProposals)(nil)
