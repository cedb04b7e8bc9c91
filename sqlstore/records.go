package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

var _ kizuna.SourceRecordStore = (*DB)(nil)

// maxRecordsPerApply bounds one ApplySourceRecords (a page of a sync, a
// webhook delivery).
const maxRecordsPerApply = 1000

// recordPart is a record's data as stored: the import format's part of
// its source.
type recordPart struct {
	Shopify *kizuna.ShopifyCustomer `json:"shopify,omitempty"`
	HubSpot *kizuna.HubSpotContact  `json:"hubspot,omitempty"`
	Klaviyo *kizuna.KlaviyoProfile  `json:"klaviyo,omitempty"`
}

// checkRecord validates a record before it is stored.
func checkRecord(i int, r *kizuna.SourceRecord) error {
	at := func(field string) string { return fmt.Sprintf("records[%d].%s", i, field) }
	if !kizuna.ValidSource(r.Source) {
		return kizuna.ErrorAt(kizuna.EINVALID, at("source"), "the source must be shopify, hubspot or klaviyo")
	}
	if r.RecordID == "" || len(r.RecordID) > 200 {
		return kizuna.ErrorAt(kizuna.EINVALID, at("record_id"), "a record ID has 1 to 200 bytes")
	}
	if r.LineUserID != "" && !kizuna.ValidLineUserID(r.LineUserID) {
		return kizuna.ErrorAt(kizuna.EINVALID, at("line_user_id"), "line_user_id %q is not U followed by 32 hex digits", r.LineUserID)
	}
	if r.UpdatedAt.IsZero() {
		return kizuna.ErrorAt(kizuna.EINVALID, at("updated_at"), "a record needs its update time")
	}
	set := 0
	for _, p := range []bool{r.Shopify != nil, r.HubSpot != nil, r.Klaviyo != nil} {
		if p {
			set++
		}
	}
	want := map[string]bool{kizuna.SourceShopify: r.Shopify != nil, kizuna.SourceHubSpot: r.HubSpot != nil, kizuna.SourceKlaviyo: r.Klaviyo != nil}
	if !r.Deleted && (set != 1 || !want[r.Source]) {
		return kizuna.ErrorAt(kizuna.EINVALID, at(r.Source), "a record carries the data of its own source, and only that")
	}
	// The same limits and checks as an import line's.
	f := &kizuna.Friend{LineUserID: "U00000000000000000000000000000000", AddedAt: r.UpdatedAt, Status: kizuna.StatusFollowing, Shopify: r.Shopify, HubSpot: r.HubSpot, Klaviyo: r.Klaviyo}
	if err := storable(f); err != nil {
		return kizuna.ErrorAt(kizuna.EINVALID, at(r.Source), "%s", kizuna.ErrorMessage(err))
	}
	return nil
}

// ApplySourceRecords stores records in one transaction, each unless the
// stored one is newer, and links each to the friend it claims (unless the
// record or the friend has a link by API or by hand, or another record is
// linked to the friend: a conflict, reported). Every friend whose linked
// record changed gets that record's data (or none, unlinked) in the same
// transaction, through the change log.
func (db *DB) ApplySourceRecords(ctx context.Context, a *kizuna.Account, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	return db.applyRecords(ctx, a, "", nil, records)
}

// SourceDeliveryRetention is how long a webhook delivery's keys are kept:
// longer than any vendor retries (Shopify 4 hours, HubSpot 24).
const SourceDeliveryRetention = 7 * 24 * time.Hour

// ApplyDelivery applies a webhook delivery's records once: its keys are
// stored in the same transaction, and a delivery whose keys were all
// stored before changes nothing.
func (db *DB) ApplyDelivery(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	if !kizuna.ValidSource(source) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if len(keys) == 0 || len(keys) > maxRecordsPerApply {
		return nil, kizuna.Errorf(kizuna.EINVALID, "a delivery has 1 to %d keys", maxRecordsPerApply)
	}
	for _, k := range keys {
		if k == "" || len(k) > 500 {
			return nil, kizuna.Errorf(kizuna.EINVALID, "a delivery key has 1 to 500 bytes")
		}
	}
	for i, r := range records {
		if r.Source != source {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, fmt.Sprintf("records[%d].source", i), "a record of a %s delivery is a %s record", source, source)
		}
	}
	return db.applyRecords(ctx, a, source, keys, records)
}

func (db *DB) applyRecords(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
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
	n, err := db.deriveFriends(ctx, tx, a, affected)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	res.Friends = n
	return res, tx.Commit()
}

// deriveFriends writes each affected friend's source data from its linked
// record (none: unlinked), and logs the change. Friends not in the
// account yet are skipped: a friend that arrives later gets its data when
// linked again.
func (db *DB) deriveFriends(ctx context.Context, tx *sql.Tx, a *kizuna.Account, affected map[[2]string]bool) (int, error) {
	var ch changes
	n, err := db.deriveFriendsInto(ctx, tx, a, affected, &ch)
	if err != nil || n == 0 {
		return n, err
	}
	return n, db.logChange(ctx, tx, a, &ch)
}

// deriveFriendsInto is deriveFriends for a transaction that logs its
// changes itself: the friends written are added to ch.
func (db *DB) deriveFriendsInto(ctx context.Context, tx *sql.Tx, a *kizuna.Account, affected map[[2]string]bool, ch *changes) (int, error) {
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
		if err := db.writeFriendSource(ctx, tx, friendID, source, part, loc); err != nil {
			return 0, err
		}
		ch.add(user)
		n++
	}
	return n, nil
}

// attachLinked gives friends new to the account the data of the records
// already linked to them (a record that arrived, or was linked by API,
// before the friend did).
func (db *DB) attachLinked(ctx context.Context, tx *sql.Tx, a *kizuna.Account, fresh []string, ch *changes) error {
	affected := map[[2]string]bool{}
	for len(fresh) > 0 {
		n := min(len(fresh), 500)
		args := []any{a.ID}
		for _, id := range fresh[:n] {
			args = append(args, id)
		}
		rows, err := tx.QueryContext(ctx, db.q(`SELECT source, line_user_id FROM source_links WHERE account_id = ? AND line_user_id IN (`+
			strings.TrimSuffix(strings.Repeat("?,", n), ",")+`)`), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var k [2]string
			if err := rows.Scan(&k[0], &k[1]); err != nil {
				rows.Close()
				return err
			}
			affected[k] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		fresh = fresh[n:]
	}
	if len(affected) == 0 {
		return nil
	}
	_, err := db.deriveFriendsInto(ctx, tx, a, affected, ch)
	return err
}

// writeFriendSource replaces a friend's data of one source (columns and
// child rows) with the part's (nil: not linked), derived exactly as an
// import derives it.
func (db *DB) writeFriendSource(ctx context.Context, tx *sql.Tx, friendID int64, source string, part recordPart, loc *time.Location) error {
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

// LinkRecord links a friend to a record of the source by API or by hand:
// the friend's other link and the record's other link of the source are
// replaced. The record need not have arrived yet.
func (db *DB) LinkRecord(ctx context.Context, a *kizuna.Account, source, recordID, lineUserID, how string) error {
	const op = "link"
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if recordID == "" || len(recordID) > 200 {
		return kizuna.ErrorAt(kizuna.EINVALID, "record_id", "a record ID has 1 to 200 bytes")
	}
	if !kizuna.ValidLineUserID(lineUserID) {
		return kizuna.ErrorAt(kizuna.EINVALID, "line_user_id", "line_user_id %q is not U followed by 32 hex digits", lineUserID)
	}
	if how != kizuna.LinkAPI && how != kizuna.LinkManual {
		return kizuna.ErrorAt(kizuna.EINVALID, "how", "a link is made by api or manual")
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	var exists int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM friends WHERE account_id = ? AND line_user_id = ?`), a.ID, lineUserID).Scan(&exists); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if exists == 0 {
		return kizuna.ErrorAt(kizuna.ENOTFOUND, "line_user_id", "no friend %s in account %q", lineUserID, a.Name)
	}
	affected := map[[2]string]bool{{source, lineUserID}: true}
	var previous string
	err = tx.QueryRowContext(ctx, db.q(`SELECT line_user_id FROM source_links WHERE account_id = ? AND source = ? AND record_id = ?`), a.ID, source, recordID).Scan(&previous)
	if err == nil {
		affected[[2]string{source, previous}] = true
	} else if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_links WHERE account_id = ? AND source = ? AND (record_id = ? OR line_user_id = ?)`), a.ID, source, recordID, lineUserID); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_links (account_id, source, line_user_id, record_id, how, linked_at_us) VALUES (?, ?, ?, ?, ?, ?)`),
		a.ID, source, lineUserID, recordID, how, db.Now().UnixMicro()); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := db.deriveFriends(ctx, tx, a, affected); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return tx.Commit()
}

// UnlinkRecord removes the friend's link of the source; the friend has no
// data of the source afterwards (until linked again).
func (db *DB) UnlinkRecord(ctx context.Context, a *kizuna.Account, source, lineUserID string) error {
	const op = "unlink"
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_links WHERE account_id = ? AND source = ? AND line_user_id = ?`), a.ID, source, lineUserID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "%s is not linked to a %s record", lineUserID, source)
	}
	if _, err := db.deriveFriends(ctx, tx, a, map[[2]string]bool{{source, lineUserID}: true}); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return tx.Commit()
}

// LinkCounts counts the account's linked friends per source.
func (db *DB) LinkCounts(ctx context.Context, a *kizuna.Account) (map[string]int, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT l.source, COUNT(*) FROM source_links l JOIN friends f ON f.account_id = l.account_id AND f.line_user_id = l.line_user_id
		WHERE l.account_id = ? GROUP BY l.source`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("link counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}
