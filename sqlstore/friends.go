package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// FindFriend returns one friend of the account with all its data, or ENOTFOUND.
func (db *DB) FindFriend(ctx context.Context, a *kizuna.Account, lineUserID string) (*kizuna.Friend, error) {
	const op = "find friend"
	if !kizuna.ValidLineUserID(lineUserID) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no friend %q in account %q", lineUserID, a.Name)
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	var (
		id                                      int64
		f                                       kizuna.Friend
		addedUS, estimated                      int64
		shopLinked, hubLinked, klavLinked       int
		custID, contactID, profileID, checkouts sql.NullString
		orders, lastOrder                       sql.NullInt64
	)
	err = tx.QueryRowContext(ctx, db.q(`
		SELECT id, line_user_id, display_name, status, added_at_us, added_estimated, shopify_linked, shopify_customer_id, shopify_orders_count,
		       shopify_last_order_us, shopify_checkouts, hubspot_linked, hubspot_contact_id, klaviyo_linked, klaviyo_profile_id
		FROM friends WHERE account_id = ? AND line_user_id = ?`), a.ID, lineUserID).
		Scan(&id, &f.LineUserID, &f.DisplayName, &f.Status, &addedUS, &estimated, &shopLinked, &custID, &orders, &lastOrder, &checkouts,
			&hubLinked, &contactID, &klavLinked, &profileID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "no friend %q in account %q", lineUserID, a.Name)
	} else if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	loc := a.Location()
	f.AddedAt = time.UnixMicro(addedUS).In(loc)
	f.AddedEstimated = estimated == 1
	f.Tags = []string{}
	if err := scanStrings(ctx, tx, db.q(`SELECT t.name FROM friend_tags ft JOIN tags t ON t.id = ft.tag_id WHERE ft.friend_id = ? ORDER BY t.name`), id, func(s string) {
		f.Tags = append(f.Tags, s)
	}); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if shopLinked == 1 {
		s := &kizuna.ShopifyCustomer{CustomerID: custID.String, OrdersCount: orders.Int64, Tags: []string{}}
		if lastOrder.Valid {
			t := time.UnixMicro(lastOrder.Int64).In(loc)
			s.LastOrderAt = &t
		}
		if checkouts.Valid {
			if err := json.Unmarshal([]byte(checkouts.String), &s.Checkouts); err != nil {
				return nil, fmt.Errorf("%s: checkouts: %w", op, err)
			}
		}
		if err := scanStrings(ctx, tx, db.q(`SELECT tag FROM friend_shopify_tags WHERE friend_id = ? ORDER BY tag`), id, func(t string) {
			s.Tags = append(s.Tags, t)
		}); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		f.Shopify = s
	}
	if hubLinked == 1 {
		f.HubSpot = &kizuna.HubSpotContact{ContactID: contactID.String, Segments: []string{}, Properties: kizuna.Properties{}}
	}
	if klavLinked == 1 {
		f.Klaviyo = &kizuna.KlaviyoProfile{ProfileID: profileID.String, Lists: []string{}, Properties: kizuna.Properties{}}
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT source, list_id FROM friend_lists WHERE friend_id = ? ORDER BY source, list_id`), id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	for rows.Next() {
		var source, list string
		if err := rows.Scan(&source, &list); err != nil {
			rows.Close()
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if source == "hubspot" && f.HubSpot != nil {
			f.HubSpot.Segments = append(f.HubSpot.Segments, list)
		} else if source == "klaviyo" && f.Klaviyo != nil {
			f.Klaviyo.Lists = append(f.Klaviyo.Lists, list)
		}
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rows, err = tx.QueryContext(ctx, db.q(`SELECT source, name, raw FROM friend_properties WHERE friend_id = ? ORDER BY source, name`), id)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	for rows.Next() {
		var source, name, raw string
		if err := rows.Scan(&source, &name, &raw); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if source == "hubspot" && f.HubSpot != nil {
			f.HubSpot.Properties[name] = json.RawMessage(raw)
		} else if source == "klaviyo" && f.Klaviyo != nil {
			f.Klaviyo.Properties[name] = json.RawMessage(raw)
		}
	}
	return &f, rows.Err()
}

func scanStrings(ctx context.Context, tx *sql.Tx, query string, id int64, each func(string)) error {
	rows, err := tx.QueryContext(ctx, query, id)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return err
		}
		each(s)
	}
	return rows.Err()
}

// snapshot is the isolation level that gives a read transaction one
// consistent view: SQLite's WAL readers always have it; PostgreSQL needs
// REPEATABLE READ.
func (db *DB) snapshot() sql.IsolationLevel {
	if db.d.name == "postgres" {
		return sql.LevelRepeatableRead
	}
	return sql.LevelDefault
}

// LineUserIDs returns up to limit LINE user IDs of the account's friends, in
// the order they were first imported (for tools and benchmarks).
func (db *DB) LineUserIDs(ctx context.Context, a *kizuna.Account, limit int) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT line_user_id FROM friends WHERE account_id = ? ORDER BY id LIMIT ?`), a.ID, limit)
	if err != nil {
		return nil, fmt.Errorf("list friends: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list friends: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ListFriends returns a page of the account's friends, most recently added
// first (ties by LINE user ID), optionally those whose display name contains
// search or whose LINE user ID starts with it, and those carrying a tag.
// after is the cursor a previous page returned.
func (db *DB) ListFriends(ctx context.Context, a *kizuna.Account, q kizuna.FriendQuery) (*kizuna.FriendPage, error) {
	const op = "list friends"
	limit := q.Limit
	if limit <= 0 || limit > kizuna.MaxFriendPage {
		limit = kizuna.MaxFriendPage
	}
	if err := kizuna.CheckSearch("q", q.Search); err != nil {
		return nil, err
	}
	if err := kizuna.CheckTagLookup("tag", q.Tag); err != nil {
		return nil, err
	}
	where := `f.account_id = ?`
	args := []any{a.ID}
	if q.Search != "" {
		// Normalized text on both sides, as filters compare strings: 「ﾅｵｷ」
		// finds 「ナオキ」 and "ＶＩＰ" finds "vip". LINE user IDs are ASCII,
		// so lower() folds them the same way.
		norm := kizuna.Normalize(strings.TrimSpace(q.Search))
		where += ` AND (f.display_name_norm LIKE ? ESCAPE '\' OR lower(f.line_user_id) LIKE ? ESCAPE '\')`
		args = append(args, "%"+escapeLike(norm)+"%", escapeLike(norm)+"%")
	}
	if q.Tag != "" {
		where += ` AND EXISTS (SELECT 1 FROM friend_tags ft JOIN tags t ON t.id = ft.tag_id WHERE ft.friend_id = f.id AND t.account_id = ? AND t.name = ?)`
		args = append(args, a.ID, q.Tag)
	}
	if q.Members != nil {
		// The segment's filter compiled to SQL, as the preview counts it.
		now := q.Now
		if now.IsZero() {
			now = db.Now()
		}
		cond, margs, err := db.membersWhere(ctx, a, q.Members, now.UTC().Truncate(time.Microsecond))
		if err != nil {
			return nil, err
		}
		where += ` AND f.status = 'following' AND ` + cond
		args = append(args, margs...)
	}
	if q.After != "" {
		at, id, ok := parseCursor(q.After)
		if !ok {
			return nil, &kizuna.Error{Code: kizuna.EINVALID, Message: "the page cursor is not one this server made", Path: "after"}
		}
		where += ` AND (f.added_at_us < ? OR (f.added_at_us = ? AND f.line_user_id > ?))`
		args = append(args, at, at, id)
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT f.id, f.line_user_id, f.display_name, f.status, f.added_at_us, f.added_estimated FROM friends f WHERE `+where+`
		ORDER BY f.added_at_us DESC, f.line_user_id LIMIT ?`), append(args, limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer rows.Close()
	page := &kizuna.FriendPage{Friends: []kizuna.FriendSummary{}}
	var ids []int64
	var lastAt int64
	for rows.Next() {
		var s kizuna.FriendSummary
		var id, at, estimated int64
		if err := rows.Scan(&id, &s.LineUserID, &s.DisplayName, &s.Status, &at, &estimated); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if len(page.Friends) == limit {
			page.Next = fmt.Sprintf("%d:%s", lastAt, page.Friends[limit-1].LineUserID)
			break
		}
		s.AddedAt, s.AddedEstimated, s.Tags = time.UnixMicro(at).In(a.Location()), estimated == 1, []string{}
		page.Friends, ids, lastAt = append(page.Friends, s), append(ids, id), at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	rows.Close()
	if len(ids) > 0 {
		sel, arg := db.inList(ids)
		byID := make(map[int64]int, len(ids))
		for i, id := range ids {
			byID[id] = i
		}
		trows, err := db.read.QueryContext(ctx, db.q(`SELECT ft.friend_id, t.name FROM friend_tags ft JOIN tags t ON t.id = ft.tag_id WHERE ft.friend_id `+sel+` ORDER BY t.name`), arg)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		defer trows.Close()
		for trows.Next() {
			var id int64
			var name string
			if err := trows.Scan(&id, &name); err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			f := &page.Friends[byID[id]]
			f.Tags = append(f.Tags, name)
		}
		if err := trows.Err(); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	return page, nil
}

// escapeLike escapes LIKE's wildcards and its escape character.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// parseCursor reads a page cursor "addedUS:lineUserID".
func parseCursor(c string) (int64, string, bool) {
	at, id, ok := strings.Cut(c, ":")
	if !ok || id == "" {
		return 0, "", false
	}
	n, err := strconv.ParseInt(at, 10, 64)
	return n, id, err == nil
}

// membersWhere compiles a filter to a WHERE fragment over "friends f" and
// its arguments, refusing a filter that names a tag the account lacks.
func (db *DB) membersWhere(ctx context.Context, a *kizuna.Account, f *kizuna.Filter, now time.Time) (string, []any, error) {
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return "", nil, fmt.Errorf("list friends: %w", err)
	}
	defer tx.Rollback()
	tagIDs, err := db.tagIDs(ctx, tx, a, f.TagNames())
	if err != nil {
		return "", nil, err
	}
	if err := f.CheckTags(func(n string) bool { _, ok := tagIDs[n]; return ok }); err != nil {
		return "", nil, err
	}
	c := newCompiler(db.d, now, a.Location(), tagIDs)
	return c.filter(f), c.args, nil
}
