package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// LinkConflicts lists up to limit of a source's records that claim a
// friend (carry its LINE user ID) whom another record of the source is
// linked to, by record ID, and counts them all: what Settings reports
// instead of guessing which record is the friend's. Deleted records claim
// nobody.
func (db *DB) LinkConflicts(ctx context.Context, a *kizuna.Account, source string, limit int) ([]kizuna.LinkConflict, int, error) {
	if !kizuna.ValidSource(source) {
		return nil, 0, kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	const from = ` FROM source_records r JOIN source_links l
		ON l.account_id = r.account_id AND l.source = r.source AND l.line_user_id = r.claimed
		WHERE r.account_id = ? AND r.source = ? AND r.claimed <> '' AND r.deleted = 0 AND l.record_id <> r.record_id`
	var total int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*)`+from), a.ID, source).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("link conflicts: %w", err)
	}
	if total == 0 || limit <= 0 {
		return nil, total, nil
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT r.record_id, r.claimed, l.record_id`+from+` ORDER BY r.record_id LIMIT ?`), a.ID, source, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("link conflicts: %w", err)
	}
	defer rows.Close()
	var out []kizuna.LinkConflict
	for rows.Next() {
		c := kizuna.LinkConflict{Source: source}
		if err := rows.Scan(&c.RecordID, &c.LineUserID, &c.LinkedTo); err != nil {
			return nil, 0, fmt.Errorf("link conflicts: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("link conflicts: %w", err)
	}
	return out, total, nil
}

// FriendLink is how a friend is linked to a record of a source.
type FriendLink struct {
	Source   string    `json:"source"`
	RecordID string    `json:"record_id"`
	How      string    `json:"how"` // kizuna.LinkClaimed, LinkAPI or LinkManual
	LinkedAt time.Time `json:"linked_at"`
	// Synced: the record has arrived from the source (a link by API or by
	// hand may name a record before its first sync); Deleted: it is gone
	// at the source.
	Synced  bool `json:"synced"`
	Deleted bool `json:"deleted"`
}

// FriendLinks returns the friend's links, in kizuna.Sources order (none
// for a source the friend is not linked to).
func (db *DB) FriendLinks(ctx context.Context, a *kizuna.Account, lineUserID string) ([]FriendLink, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT l.source, l.record_id, l.how, l.linked_at_us, r.deleted FROM source_links l
		LEFT JOIN source_records r ON r.account_id = l.account_id AND r.source = l.source AND r.record_id = l.record_id
		WHERE l.account_id = ? AND l.line_user_id = ?`), a.ID, lineUserID)
	if err != nil {
		return nil, fmt.Errorf("friend links: %w", err)
	}
	defer rows.Close()
	bySource := map[string]FriendLink{}
	for rows.Next() {
		var l FriendLink
		var at int64
		var deleted *int64
		if err := rows.Scan(&l.Source, &l.RecordID, &l.How, &at, &deleted); err != nil {
			return nil, fmt.Errorf("friend links: %w", err)
		}
		l.LinkedAt = time.UnixMicro(at).In(a.Location())
		l.Synced, l.Deleted = deleted != nil, deleted != nil && *deleted != 0
		bySource[l.Source] = l
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("friend links: %w", err)
	}
	var out []FriendLink
	for _, src := range kizuna.Sources {
		if l, ok := bySource[src]; ok {
			out = append(out, l)
		}
	}
	return out, nil
}
