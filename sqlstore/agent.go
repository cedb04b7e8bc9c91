package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// The agent's proposals (kizuna.AgentStore): the answer is kept as it was
// given; approving creates its segment in the same transaction that closes
// it, so a proposal creates at most one segment.

// CreateAgentProposal saves an open proposal, forgetting the account's
// oldest open ones past kizuna.MaxOpenProposals.
func (db *DB) CreateAgentProposal(ctx context.Context, a *kizuna.Account, actor string, body json.RawMessage) (*kizuna.AgentProposal, error) {
	if !json.Valid(body) {
		return nil, fmt.Errorf("agent proposal: the body is not JSON")
	}
	var p *kizuna.AgentProposal
	err := db.segmentWrite(ctx, a, "save agent proposal", func(tx *sql.Tx) error {
		now := db.Now().UnixMicro()
		var id int64
		if err := tx.QueryRowContext(ctx, db.q(`INSERT INTO agent_proposals (account_id, actor, status, created_at_us, body) VALUES (?, ?, ?, ?, ?) RETURNING id`),
			a.ID, actor, kizuna.ProposalOpen, now, string(body)).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM agent_proposals WHERE account_id = ? AND status = ? AND id <= (
			SELECT id FROM agent_proposals WHERE account_id = ? AND status = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`),
			a.ID, kizuna.ProposalOpen, a.ID, kizuna.ProposalOpen, kizuna.MaxOpenProposals); err != nil {
			return err
		}
		var err error
		p, err = db.agentProposal(ctx, tx, a, id)
		return err
	})
	return p, err
}

// AgentProposal reads one of the account's proposals.
func (db *DB) AgentProposal(ctx context.Context, a *kizuna.Account, id int64) (*kizuna.AgentProposal, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return db.agentProposal(ctx, tx, a, id)
}

func (db *DB) agentProposal(ctx context.Context, tx *sql.Tx, a *kizuna.Account, id int64) (*kizuna.AgentProposal, error) {
	var p kizuna.AgentProposal
	var seg, decidedAt sql.NullInt64
	var decidedBy sql.NullString
	var created int64
	var body string
	err := tx.QueryRowContext(ctx, db.q(`SELECT id, actor, status, segment_id, decided_by, created_at_us, decided_at_us, body FROM agent_proposals WHERE account_id = ? AND id = ?`), a.ID, id).
		Scan(&p.ID, &p.Actor, &p.Status, &seg, &decidedBy, &created, &decidedAt, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.ErrorAt(kizuna.ENOTFOUND, "proposal", "no proposal %d in account %q", id, a.Name)
	}
	if err != nil {
		return nil, err
	}
	loc := a.Location()
	p.CreatedAt = time.UnixMicro(created).In(loc)
	if seg.Valid {
		p.SegmentID = &seg.Int64
	}
	p.DecidedBy = decidedBy.String
	if decidedAt.Valid {
		t := time.UnixMicro(decidedAt.Int64).In(loc)
		p.DecidedAt = &t
	}
	p.Body = json.RawMessage(body)
	return &p, nil
}

// openProposal reads a proposal in tx and refuses one no longer open.
func (db *DB) openProposal(ctx context.Context, tx *sql.Tx, a *kizuna.Account, id int64) error {
	p, err := db.agentProposal(ctx, tx, a, id)
	if err != nil {
		return err
	}
	switch p.Status {
	case kizuna.ProposalApproved:
		return kizuna.ErrorAt(kizuna.ECONFLICT, "proposal", "proposal %d was already approved by %s", id, p.DecidedBy)
	case kizuna.ProposalCancelled:
		return kizuna.ErrorAt(kizuna.ECONFLICT, "proposal", "proposal %d was already cancelled by %s", id, p.DecidedBy)
	}
	return nil
}

// ApproveAgentProposal creates the proposal's segment and closes the
// proposal in one transaction (the account's write lock orders concurrent
// approvals: the second finds it approved).
func (db *DB) ApproveAgentProposal(ctx context.Context, a *kizuna.Account, actor string, id int64, name string, filter json.RawMessage) (*kizuna.Segment, error) {
	var s *kizuna.Segment
	err := db.segmentWrite(ctx, a, "approve agent proposal", func(tx *sql.Tx) error {
		if err := db.openProposal(ctx, tx, a, id); err != nil {
			return err
		}
		name, err := kizuna.CleanName("name", name)
		if err != nil {
			return err
		}
		if s, err = db.createSegment(ctx, tx, a, actor, kizuna.SegmentActionAgent, name, 0, filter); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, db.q(`UPDATE agent_proposals SET status = ?, segment_id = ?, decided_by = ?, decided_at_us = ? WHERE account_id = ? AND id = ?`),
			kizuna.ProposalApproved, s.ID, actor, db.Now().UnixMicro(), a.ID, id)
		return err
	})
	return s, err
}

// CancelAgentProposal closes an open proposal without creating anything.
func (db *DB) CancelAgentProposal(ctx context.Context, a *kizuna.Account, actor string, id int64) error {
	return db.segmentWrite(ctx, a, "cancel agent proposal", func(tx *sql.Tx) error {
		if err := db.openProposal(ctx, tx, a, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, db.q(`UPDATE agent_proposals SET status = ?, decided_by = ?, decided_at_us = ? WHERE account_id = ? AND id = ?`),
			kizuna.ProposalCancelled, actor, db.Now().UnixMicro(), a.ID, id)
		return err
	})
}
