package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kizuna-line/kizuna"
)

// ApplyRecordsSequential is ApplySourceRecords (no keys) or ApplyDelivery
// as they were written before the set-based version: one record at a time,
// a few statements each. Tests compare the two.
func (db *DB) ApplyRecordsSequential(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	return db.seqApplyRecords(ctx, a, source, keys, records)
}

func (db *DB) seqApplyRecords(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	const op = "apply records"
	if len(records) > maxRecordsPerApply {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "at most %d records are applied at once", maxRecordsPerApply)
	}
	for i := range records {
		r := &records[i]
		if r.Shopify != nil {
			r.Shopify.CustomerID = r.RecordID
		}
		if r.HubSpot != nil {
			r.HubSpot.ContactID = r.RecordID
		}
		if r.Klaviyo != nil {
			r.Klaviyo.ProfileID = r.RecordID
		}
		if err := checkRecord(i, r); err != nil {
			return nil, err
		}
	}
	sorted := slices.Clone(records)
	slices.SortStableFunc(sorted, func(x, y kizuna.SourceRecord) int { return x.UpdatedAt.Compare(y.UpdatedAt) })
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	res := &kizuna.RecordsResult{}
	affected := map[[2]string]bool{} // (source, LINE user ID)
	now := db.Now().UnixMicro()
	if len(keys) > 0 {
		fresh := 0
		for _, k := range keys {
			r, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_deliveries (account_id, source, delivery_key, received_at_us) VALUES (?, ?, ?, ?)
				ON CONFLICT (account_id, source, delivery_key) DO NOTHING`), a.ID, source, k, now)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
			if n, _ := r.RowsAffected(); n > 0 {
				fresh++
			}
		}
		if fresh == 0 {
			res.Duplicate = true
			return res, tx.Commit()
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_deliveries WHERE account_id = ? AND received_at_us < ?`),
			a.ID, now-SourceDeliveryRetention.Microseconds()); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	for _, r := range sorted {
		var storedAt int64
		var claimed string
		err := tx.QueryRowContext(ctx, db.q(`SELECT updated_at_us, claimed FROM source_records WHERE account_id = ? AND source = ? AND record_id = ?`),
			a.ID, r.Source, r.RecordID).Scan(&storedAt, &claimed)
		exists := err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if exists && storedAt > r.UpdatedAt.UnixMicro() {
			res.Stale++
			continue
		}
		data, _ := json.Marshal(recordPart{Shopify: r.Shopify, HubSpot: r.HubSpot, Klaviyo: r.Klaviyo})
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_records (account_id, source, record_id, claimed, updated_at_us, deleted, data) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (account_id, source, record_id) DO UPDATE SET claimed = excluded.claimed, updated_at_us = excluded.updated_at_us, deleted = excluded.deleted, data = excluded.data`),
			a.ID, r.Source, r.RecordID, r.LineUserID, r.UpdatedAt.UnixMicro(), boolInt(r.Deleted), string(data)); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		res.Applied++
		// The record's link: who it is linked to now, and how.
		var linkedTo, how string
		err = tx.QueryRowContext(ctx, db.q(`SELECT line_user_id, how FROM source_links WHERE account_id = ? AND source = ? AND record_id = ?`),
			a.ID, r.Source, r.RecordID).Scan(&linkedTo, &how)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if linkedTo != "" {
			affected[[2]string{r.Source, linkedTo}] = true // its data changed
		}
		if how == kizuna.LinkAPI || how == kizuna.LinkManual || linkedTo == r.LineUserID {
			continue // a link made on purpose stays; the claim is unchanged
		}
		if linkedTo != "" { // the claim moved or went away
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_links WHERE account_id = ? AND source = ? AND record_id = ?`), a.ID, r.Source, r.RecordID); err != nil {
				return nil, fmt.Errorf("%s: %w", op, err)
			}
		}
		if r.LineUserID == "" || r.Deleted {
			continue
		}
		var other string
		err = tx.QueryRowContext(ctx, db.q(`SELECT record_id FROM source_links WHERE account_id = ? AND source = ? AND line_user_id = ?`),
			a.ID, r.Source, r.LineUserID).Scan(&other)
		if err == nil {
			res.Conflicts = append(res.Conflicts, kizuna.LinkConflict{Source: r.Source, RecordID: r.RecordID, LineUserID: r.LineUserID, LinkedTo: other})
			continue
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_links (account_id, source, line_user_id, record_id, how, linked_at_us) VALUES (?, ?, ?, ?, 'claimed', ?)`),
			a.ID, r.Source, r.LineUserID, r.RecordID, now); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		affected[[2]string{r.Source, r.LineUserID}] = true
	}
	n, err := db.seqDeriveFriends(ctx, tx, a, affected)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	res.Friends = n
	return res, tx.Commit()
}

func (db *DB) seqDeriveFriends(ctx context.Context, tx *sql.Tx, a *kizuna.Account, affected map[[2]string]bool) (int, error) {
	var ch changes
	n, err := db.seqDeriveFriendsInto(ctx, tx, a, affected, &ch)
	if err != nil || n == 0 {
		return n, err
	}
	return n, db.logChange(ctx, tx, a, &ch)
}

func (db *DB) seqDeriveFriendsInto(ctx context.Context, tx *sql.Tx, a *kizuna.Account, affected map[[2]string]bool, ch *changes) (int, error) {
	keys := make([][2]string, 0, len(affected))
	for k := range affected {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(x, y [2]string) int { return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1])) })
	n := 0
	loc := a.Location()
	for _, k := range keys {
		source, user := k[0], k[1]
		var friendID int64
		err := tx.QueryRowContext(ctx, db.q(`SELECT id FROM friends WHERE account_id = ? AND line_user_id = ?`), a.ID, user).Scan(&friendID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		} else if err != nil {
			return 0, err
		}
		var part recordPart
		var data string
		var deleted int
		err = tx.QueryRowContext(ctx, db.q(`SELECT r.data, r.deleted FROM source_links l JOIN source_records r
			ON r.account_id = l.account_id AND r.source = l.source AND r.record_id = l.record_id
			WHERE l.account_id = ? AND l.source = ? AND l.line_user_id = ?`), a.ID, source, user).Scan(&data, &deleted)
		switch {
		case err == nil && deleted == 0:
			if err := json.Unmarshal([]byte(data), &part); err != nil {
				return 0, err
			}
		case err == nil, errors.Is(err, sql.ErrNoRows):
			// unlinked, or the record is gone: no data of the source
		default:
			return 0, err
		}
		if err := db.seqWriteFriendSource(ctx, tx, friendID, source, part, loc); err != nil {
			return 0, err
		}
		ch.add(user)
		n++
	}
	return n, nil
}

func (db *DB) seqWriteFriendSource(ctx context.Context, tx *sql.Tx, friendID int64, source string, part recordPart, loc *time.Location) error {
	row := newFriendRow(&kizuna.Friend{Shopify: part.Shopify, HubSpot: part.HubSpot, Klaviyo: part.Klaviyo}, loc)
	c := row.cols // display_name … klaviyo_profile_id; see newFriendRow
	now := db.Now().UnixMicro()
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, db.q(query), args...)
		return err
	}
	switch source {
	case kizuna.SourceShopify:
		if err := exec(`UPDATE friends SET shopify_linked = ?, shopify_customer_id = ?, shopify_orders_count = ?, shopify_last_order_us = ?, shopify_last_order_day = ?,
			shopify_abandoned_us = ?, shopify_checkouts = ?, updated_at_us = ? WHERE id = ?`, c[5], c[6], c[7], c[8], c[9], c[10], c[11], now, friendID); err != nil {
			return err
		}
		if err := exec(`DELETE FROM friend_shopify_tags WHERE friend_id = ?`, friendID); err != nil {
			return err
		}
		for _, t := range row.shopifyTags {
			if err := exec(`INSERT INTO friend_shopify_tags (friend_id, tag, tag_norm) VALUES (?, ?, ?)`, friendID, t[0], t[1]); err != nil {
				return err
			}
		}
		return nil
	case kizuna.SourceHubSpot:
		if err := exec(`UPDATE friends SET hubspot_linked = ?, hubspot_contact_id = ?, updated_at_us = ? WHERE id = ?`, c[12], c[13], now, friendID); err != nil {
			return err
		}
	case kizuna.SourceKlaviyo:
		if err := exec(`UPDATE friends SET klaviyo_linked = ?, klaviyo_profile_id = ?, updated_at_us = ? WHERE id = ?`, c[14], c[15], now, friendID); err != nil {
			return err
		}
	}
	if err := exec(`DELETE FROM friend_lists WHERE friend_id = ? AND source = ?`, friendID, source); err != nil {
		return err
	}
	if err := exec(`DELETE FROM friend_properties WHERE friend_id = ? AND source = ?`, friendID, source); err != nil {
		return err
	}
	for _, l := range row.lists {
		if err := exec(`INSERT INTO friend_lists (friend_id, source, list_id) VALUES (?, ?, ?)`, friendID, l[0], l[1]); err != nil {
			return err
		}
	}
	for _, p := range row.props {
		if err := exec(`INSERT INTO friend_properties (friend_id, source, name, raw, known, text_norm, num, bool, day) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			append([]any{friendID}, p...)...); err != nil {
			return err
		}
	}
	return nil
}
