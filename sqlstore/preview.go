package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kizuna-line/kizuna"
)

// SampleSize is how many members a preview shows (spec section 6).
const SampleSize = 10

// Preview answers spec section 6 for the account: it validates the filter
// (friend tags must exist in the account), counts the following friends that
// match at req.Now (the clock when zero) and returns the 10 most recently
// added, ties by LINE user ID, with the summary sentence.
func (db *DB) Preview(ctx context.Context, a *kizuna.Account, req kizuna.PreviewRequest) (*kizuna.Preview, error) {
	start := time.Now()
	if err := req.CheckNow(); err != nil {
		return nil, err
	}
	f, err := kizuna.ParseFilter(req.Filter)
	if err != nil {
		return nil, err
	}
	now := req.Now
	if now.IsZero() {
		now = db.Now()
	}
	now = now.UTC().Truncate(time.Microsecond)
	// The catalog is read before the transaction takes its connection:
	// asking the pool for a second connection while holding one deadlocks
	// once as many previews run as the pool has connections.
	var cat *kizuna.Catalog
	if !req.CountOnly {
		if cat, err = db.Catalog(ctx, a); err != nil {
			return nil, err
		}
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()})
	if err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	defer tx.Rollback()
	tagIDs, err := db.tagIDs(ctx, tx, a, f.TagNames())
	if err != nil {
		return nil, err
	}
	if err := f.CheckTags(func(n string) bool { _, ok := tagIDs[n]; return ok }); err != nil {
		return nil, err
	}
	loc := a.Location()
	count, estimated, sample, err := db.members(ctx, tx, a, f, now, loc, tagIDs, !req.CountOnly)
	if err != nil {
		return nil, err
	}
	summary := ""
	if !req.CountOnly {
		summary = kizuna.Summarize(f, cat, loc, now, req.Lang)
	}
	return &kizuna.Preview{
		Count:          count,
		Sample:         sample,
		Summary:        summary,
		EvaluatedAt:    now,
		EstimatedAdded: estimated,
		AnsweredBy:     "sql",
		TookMS:         float64(time.Since(start).Microseconds()) / 1000,
	}, nil
}

// members runs the compiled filter: the count, how many of those have an
// estimated added date (when the filter tests the added date; else 0) and,
// when asked, the sample, in one snapshot.
func (db *DB) members(ctx context.Context, tx *sql.Tx, a *kizuna.Account, f *kizuna.Filter, now time.Time, loc *time.Location, tagIDs map[string]int64, withSample bool) (count, estimated int64, sample []kizuna.PreviewFriend, err error) {
	c := newCompiler(db.d, now, loc, tagIDs)
	where := "f.account_id = ? AND f.status = 'following' AND " + c.filter(f)
	args := append([]any{a.ID}, c.args...)
	if f.TestsAddedDate() {
		// Counted in the same pass as the members.
		err = tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*), COALESCE(SUM(f.added_estimated), 0) FROM friends f WHERE `+where), args...).Scan(&count, &estimated)
	} else {
		err = tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM friends f WHERE `+where), args...).Scan(&count)
	}
	if err != nil {
		return 0, 0, nil, fmt.Errorf("preview count: %w", err)
	}
	if !withSample {
		return count, estimated, []kizuna.PreviewFriend{}, nil
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT f.line_user_id, f.display_name, f.added_at_us FROM friends f WHERE `+where+
		` ORDER BY f.added_at_us DESC, f.line_user_id ASC LIMIT `+fmt.Sprint(SampleSize)), args...)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("preview sample: %w", err)
	}
	defer rows.Close()
	sample = []kizuna.PreviewFriend{}
	for rows.Next() {
		var p kizuna.PreviewFriend
		var us int64
		if err := rows.Scan(&p.LineUserID, &p.DisplayName, &us); err != nil {
			return 0, 0, nil, fmt.Errorf("preview sample: %w", err)
		}
		p.AddedAt = time.UnixMicro(us).In(loc)
		sample = append(sample, p)
	}
	return count, estimated, sample, rows.Err()
}

// tagIDs resolves friend tag names of the account to IDs; unknown names are absent.
func (db *DB) tagIDs(ctx context.Context, tx *sql.Tx, a *kizuna.Account, names []string) (map[string]int64, error) {
	ids := map[string]int64{}
	if len(names) == 0 {
		return ids, nil
	}
	args := []any{a.ID}
	for _, n := range names {
		args = append(args, n)
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT id, name FROM tags WHERE account_id = ? AND name IN (`+placeholders(len(names))+`)`), args...)
	if err != nil {
		return nil, fmt.Errorf("preview tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("preview tags: %w", err)
		}
		ids[name] = id
	}
	return ids, rows.Err()
}
