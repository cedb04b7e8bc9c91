package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
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
	if err := checkDelivery(source, keys, records); err != nil {
		return nil, err
	}
	return db.applyRecords(ctx, a, source, keys, records)
}

// maxDeliveriesPerApply bounds one ApplyDeliveries.
const maxDeliveriesPerApply = 100

// ApplyDeliveries applies webhook deliveries of the source in one
// transaction, each as ApplyDelivery would, in order: a delivery none of
// whose keys is new (stored before, or taken by an earlier delivery of
// the call) is Duplicate and changes nothing.
func (db *DB) ApplyDeliveries(ctx context.Context, a *kizuna.Account, source string, deliveries []kizuna.Delivery) ([]*kizuna.RecordsResult, error) {
	const op = "apply deliveries"
	if len(deliveries) == 0 || len(deliveries) > maxDeliveriesPerApply {
		return nil, kizuna.Errorf(kizuna.ETOOLARGE, "1 to %d deliveries are applied at once", maxDeliveriesPerApply)
	}
	ds := make([]delivery, len(deliveries))
	for i, d := range deliveries {
		if err := checkDelivery(source, d.Keys, d.Records); err != nil {
			return nil, err
		}
		if err := prepareRecords(d.Records); err != nil {
			return nil, err
		}
		ds[i] = delivery{keys: d.Keys, records: d.Records}
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	res, err := db.applyBatch(ctx, tx, a, source, ds)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return res, tx.Commit()
}

// checkDelivery checks a delivery's source, keys and records' source.
func checkDelivery(source string, keys []string, records []kizuna.SourceRecord) error {
	if !kizuna.ValidSource(source) {
		return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if len(keys) == 0 || len(keys) > maxRecordsPerApply {
		return kizuna.Errorf(kizuna.EINVALID, "a delivery has 1 to %d keys", maxRecordsPerApply)
	}
	for _, k := range keys {
		if k == "" || len(k) > 500 {
			return kizuna.Errorf(kizuna.EINVALID, "a delivery key has 1 to 500 bytes")
		}
	}
	for i, r := range records {
		if r.Source != source {
			return kizuna.ErrorAt(kizuna.EINVALID, fmt.Sprintf("records[%d].source", i), "a record of a %s delivery is a %s record", source, r.Source)
		}
	}
	return nil
}

// delivery is a batch of records applied together: a webhook delivery
// (with its keys) or a page of a sync (no keys).
type delivery struct {
	keys    []string
	records []kizuna.SourceRecord
}

// applyChunk bounds the rows of one statement (and so its parameters).
const applyChunk = 500

// recKey names a record, or a friend's link, by source: (source, record
// ID) or (source, LINE user ID).
type recKey = [2]string

// memLink is a link of the transaction's view: loaded, or made by it.
type memLink struct {
	user, how string
	made      bool // inserted by this transaction
}

func (db *DB) applyRecords(ctx context.Context, a *kizuna.Account, source string, keys []string, records []kizuna.SourceRecord) (*kizuna.RecordsResult, error) {
	const op = "apply records"
	if err := prepareRecords(records); err != nil {
		return nil, err
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	res, err := db.applyBatch(ctx, tx, a, source, []delivery{{keys: keys, records: records}})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return res[0], tx.Commit()
}

// prepareRecords copies each record's ID into its data and checks it.
func prepareRecords(records []kizuna.SourceRecord) error {
	if len(records) > maxRecordsPerApply {
		return kizuna.Errorf(kizuna.ETOOLARGE, "at most %d records are applied at once", maxRecordsPerApply)
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
			return err
		}
	}
	return nil
}

// applyBatch applies deliveries in order in the transaction, each as its
// own ApplyDelivery (or ApplySourceRecords, without keys) would, and
// returns each one's result. It reads the stored state of all their
// records at once, applies the records one by one in memory (each
// delivery's in order of update time), and writes the final state with a
// few statements per 500 rows.
func (db *DB) applyBatch(ctx context.Context, tx *sql.Tx, a *kizuna.Account, source string, ds []delivery) ([]*kizuna.RecordsResult, error) {
	now := db.Now().UnixMicro()
	results := make([]*kizuna.RecordsResult, len(ds))
	for i := range results {
		results[i] = &kizuna.RecordsResult{}
	}
	// Delivery keys: a delivery none of whose keys is new (stored, or
	// taken by an earlier delivery of the batch) is a duplicate.
	fresh, err := db.storeDeliveryKeys(ctx, tx, a, source, ds, now)
	if err != nil {
		return nil, err
	}
	// The stored state of the records and of the friends they claim.
	recordIDs := map[string][]string{} // source → record IDs
	claimed := map[string][]string{}   // source → LINE user IDs
	seenRec, seenUser := map[recKey]bool{}, map[recKey]bool{}
	for i, d := range ds {
		if !fresh[i] {
			continue
		}
		for _, r := range d.records {
			if k := (recKey{r.Source, r.RecordID}); !seenRec[k] {
				seenRec[k] = true
				recordIDs[r.Source] = append(recordIDs[r.Source], r.RecordID)
			}
			if r.LineUserID != "" && !r.Deleted {
				if k := (recKey{r.Source, r.LineUserID}); !seenUser[k] {
					seenUser[k] = true
					claimed[r.Source] = append(claimed[r.Source], r.LineUserID)
				}
			}
		}
	}
	storedAt := map[recKey]int64{}
	byRecord := map[recKey]*memLink{}
	byUser := map[recKey]string{}
	if err := db.loadRecordState(ctx, tx, a, recordIDs, claimed, storedAt, byRecord, byUser); err != nil {
		return nil, err
	}
	// The records, one by one, as the sequential writes would see them.
	final := map[recKey]*kizuna.SourceRecord{}
	var order []recKey // records to write, in first-applied order
	unlinked := map[recKey]bool{}
	affected := map[recKey]bool{}
	perDelivery := make([]map[recKey]bool, len(ds))
	for i, d := range ds {
		if !fresh[i] {
			results[i].Duplicate = true
			continue
		}
		res, aff := results[i], map[recKey]bool{}
		perDelivery[i] = aff
		sorted := slices.Clone(d.records)
		slices.SortStableFunc(sorted, func(x, y kizuna.SourceRecord) int { return x.UpdatedAt.Compare(y.UpdatedAt) })
		for ri := range sorted {
			r := &sorted[ri]
			rk := recKey{r.Source, r.RecordID}
			if at, ok := storedAt[rk]; ok && at > r.UpdatedAt.UnixMicro() {
				res.Stale++
				continue
			}
			storedAt[rk] = r.UpdatedAt.UnixMicro()
			if _, ok := final[rk]; !ok {
				order = append(order, rk)
			}
			final[rk] = r
			res.Applied++
			l := byRecord[rk]
			if l != nil {
				aff[recKey{r.Source, l.user}] = true // its data changed
			}
			if l != nil && (l.how == kizuna.LinkAPI || l.how == kizuna.LinkManual || l.user == r.LineUserID) {
				continue // a link made on purpose stays; the claim is unchanged
			}
			if l != nil { // the claim moved or went away
				if !l.made {
					unlinked[rk] = true
				}
				delete(byRecord, rk)
				if uk := (recKey{r.Source, l.user}); byUser[uk] == r.RecordID {
					delete(byUser, uk)
				}
			}
			if r.LineUserID == "" || r.Deleted {
				continue
			}
			uk := recKey{r.Source, r.LineUserID}
			if other, ok := byUser[uk]; ok {
				res.Conflicts = append(res.Conflicts, kizuna.LinkConflict{Source: r.Source, RecordID: r.RecordID, LineUserID: r.LineUserID, LinkedTo: other})
				continue
			}
			byRecord[rk] = &memLink{user: r.LineUserID, how: kizuna.LinkClaimed, made: true}
			byUser[uk] = r.RecordID
			aff[uk] = true
		}
		for k := range aff {
			affected[k] = true
		}
	}
	if err := db.writeRecords(ctx, tx, a, order, final); err != nil {
		return nil, err
	}
	if err := db.writeLinks(ctx, tx, a, unlinked, byRecord, now); err != nil {
		return nil, err
	}
	var ch changes
	written, err := db.deriveFriendSet(ctx, tx, a, affected, &ch)
	if err != nil {
		return nil, err
	}
	for i, aff := range perDelivery {
		for k := range aff {
			if written[k] {
				results[i].Friends++
			}
		}
	}
	if len(written) > 0 {
		if err := db.logChange(ctx, tx, a, &ch); err != nil {
			return nil, err
		}
	}
	return results, nil
}

// storeDeliveryKeys stores the deliveries' keys and tells which deliveries
// are new (all are, without keys): those with a key neither stored before
// nor taken by an earlier delivery of the batch. Keys past retention are
// deleted now and then.
func (db *DB) storeDeliveryKeys(ctx context.Context, tx *sql.Tx, a *kizuna.Account, source string, ds []delivery, now int64) ([]bool, error) {
	fresh := make([]bool, len(ds))
	var all []string
	first := map[string]int{} // key → the first delivery that has it
	for i, d := range ds {
		if len(d.keys) == 0 {
			fresh[i] = true
		}
		for _, k := range d.keys {
			if _, ok := first[k]; !ok {
				first[k] = i
				all = append(all, k)
			}
		}
	}
	if len(all) == 0 {
		return fresh, nil
	}
	for chunk := range slices.Chunk(all, applyChunk) {
		args := make([]any, 0, 4*len(chunk))
		for _, k := range chunk {
			args = append(args, a.ID, source, k, now)
		}
		rows, err := tx.QueryContext(ctx, db.q(`INSERT INTO source_deliveries (account_id, source, delivery_key, received_at_us) VALUES `+
			valuesList(len(chunk), 4)+` ON CONFLICT (account_id, source, delivery_key) DO NOTHING RETURNING delivery_key`), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return nil, err
			}
			fresh[first[k]] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	if slices.Contains(fresh, true) {
		if err := db.pruneDeliveries(ctx, tx, a, now); err != nil {
			return nil, err
		}
	}
	return fresh, nil
}

// deliveryPruneEvery is how often, at most, a process looks for an
// account's delivery keys past retention: they are deleted at most this
// late, and a delivery rarely pays for the look.
const deliveryPruneEvery = time.Hour

// pruneDeliveries deletes the account's delivery keys older than
// SourceDeliveryRetention, when the oldest is; it looks at most once per
// deliveryPruneEvery per account and process (by db.Now).
func (db *DB) pruneDeliveries(ctx context.Context, tx *sql.Tx, a *kizuna.Account, now int64) error {
	if next, ok := db.deliveryPrunes.Load(a.ID); ok && now < next.(int64) {
		return nil
	}
	cutoff := now - SourceDeliveryRetention.Microseconds()
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, db.q(`SELECT MIN(received_at_us) FROM source_deliveries WHERE account_id = ?`), a.ID).Scan(&oldest); err != nil {
		return err
	}
	if oldest.Valid && oldest.Int64 < cutoff {
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_deliveries WHERE account_id = ? AND received_at_us < ?`), a.ID, cutoff); err != nil {
			return err
		}
	}
	db.deliveryPrunes.Store(a.ID, now+deliveryPruneEvery.Microseconds())
	return nil
}

// inList is the condition "is one of vals" after a column, and its
// parameters: " IN (?, ?)" on SQLite; on PostgreSQL " = ANY(?)" with one
// array, so that the statement's text, prepared once, is the same
// whatever the number of values.
func inList[T string | int64](db *DB, vals []T) (string, []any) {
	if db.d.name == "postgres" {
		return ` = ANY(?)`, []any{vals}
	}
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return ` IN (` + placeholders(len(vals)) + `)`, args
}

// valuesList is "(?, ?), (?, ?)" for n rows of cols parameters.
func valuesList(n, cols int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

// loadRecordState reads the stored update times of the records, and the
// links of the records and of the friends claimed, by source.
func (db *DB) loadRecordState(ctx context.Context, tx *sql.Tx, a *kizuna.Account, recordIDs, claimed map[string][]string,
	storedAt map[recKey]int64, byRecord map[recKey]*memLink, byUser map[recKey]string) error {
	for _, source := range kizuna.Sources {
		ids, users := recordIDs[source], claimed[source]
		// The records, their links and the claimed friends' links,
		// applyChunk of each per query: selects each on its own index (an
		// OR could scan the account's links), in one round trip.
		for len(ids) > 0 || len(users) > 0 {
			ni, nu := min(len(ids), applyChunk), min(len(users), applyChunk)
			var args []any
			var selects []string
			if ni > 0 {
				in, vals := inList(db, ids[:ni])
				selects = append(selects, `SELECT 'r', record_id, '', '', updated_at_us FROM source_records WHERE account_id = ? AND source = ? AND record_id`+in,
					`SELECT 'l', record_id, line_user_id, how, 0 FROM source_links WHERE account_id = ? AND source = ? AND record_id`+in)
				args = append(append(args, a.ID, source), vals...)
				args = append(append(args, a.ID, source), vals...)
			}
			if nu > 0 {
				in, vals := inList(db, users[:nu])
				selects = append(selects, `SELECT 'l', record_id, line_user_id, how, 0 FROM source_links WHERE account_id = ? AND source = ? AND line_user_id`+in)
				args = append(append(args, a.ID, source), vals...)
			}
			ids, users = ids[ni:], users[nu:]
			rows, err := tx.QueryContext(ctx, db.q(strings.Join(selects, " UNION ALL ")), args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var kind, id, user, how string
				var at int64
				if err := rows.Scan(&kind, &id, &user, &how, &at); err != nil {
					rows.Close()
					return err
				}
				if kind == "r" {
					storedAt[recKey{source, id}] = at
					continue
				}
				byRecord[recKey{source, id}] = &memLink{user: user, how: how}
				byUser[recKey{source, user}] = id
			}
			if err := rows.Close(); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeRecords upserts the records' final rows, applyChunk at a time.
func (db *DB) writeRecords(ctx context.Context, tx *sql.Tx, a *kizuna.Account, order []recKey, final map[recKey]*kizuna.SourceRecord) error {
	for chunk := range slices.Chunk(order, applyChunk) {
		args := make([]any, 0, 7*len(chunk))
		for _, k := range chunk {
			r := final[k]
			data, _ := json.Marshal(recordPart{Shopify: r.Shopify, HubSpot: r.HubSpot, Klaviyo: r.Klaviyo})
			args = append(args, a.ID, r.Source, r.RecordID, r.LineUserID, r.UpdatedAt.UnixMicro(), boolInt(r.Deleted), string(data))
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_records (account_id, source, record_id, claimed, updated_at_us, deleted, data) VALUES `+valuesList(len(chunk), 7)+`
			ON CONFLICT (account_id, source, record_id) DO UPDATE SET claimed = excluded.claimed, updated_at_us = excluded.updated_at_us, deleted = excluded.deleted, data = excluded.data`),
			args...); err != nil {
			return err
		}
	}
	return nil
}

// writeLinks deletes the stored links the batch removed (by record) and
// inserts the links it made, in that order: the unique constraints hold
// for the final state, not for each step.
func (db *DB) writeLinks(ctx context.Context, tx *sql.Tx, a *kizuna.Account, unlinked map[recKey]bool, byRecord map[recKey]*memLink, now int64) error {
	gone := slices.Collect(maps.Keys(unlinked))
	slices.SortFunc(gone, compareKeys)
	for _, source := range kizuna.Sources {
		var ids []string
		for _, k := range gone {
			if k[0] == source {
				ids = append(ids, k[1])
			}
		}
		for chunk := range slices.Chunk(ids, applyChunk) {
			in, vals := inList(db, chunk)
			if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM source_links WHERE account_id = ? AND source = ? AND record_id`+in),
				append([]any{a.ID, source}, vals...)...); err != nil {
				return err
			}
		}
	}
	var made []recKey
	for k, l := range byRecord {
		if l.made {
			made = append(made, k)
		}
	}
	slices.SortFunc(made, compareKeys)
	for chunk := range slices.Chunk(made, applyChunk) {
		args := make([]any, 0, 6*len(chunk))
		for _, k := range chunk {
			l := byRecord[k]
			args = append(args, a.ID, k[0], l.user, k[1], l.how, now)
		}
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO source_links (account_id, source, line_user_id, record_id, how, linked_at_us) VALUES `+valuesList(len(chunk), 6)), args...); err != nil {
			return err
		}
	}
	return nil
}

func compareKeys(x, y recKey) int {
	return cmp.Or(cmp.Compare(x[0], y[0]), cmp.Compare(x[1], y[1]))
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
	written, err := db.deriveFriendSet(ctx, tx, a, affected, ch)
	return len(written), err
}

// deriveFriendSet is deriveFriendsInto, returning the (source, LINE user
// ID) pairs written: those of friends in the account.
func (db *DB) deriveFriendSet(ctx context.Context, tx *sql.Tx, a *kizuna.Account, affected map[[2]string]bool, ch *changes) (map[recKey]bool, error) {
	if len(affected) == 0 {
		return nil, nil
	}
	keys := slices.Collect(maps.Keys(affected))
	slices.SortFunc(keys, compareKeys)
	// The friends and their linked records' data, by source (the
	// links' key).
	bySource := map[string][]string{}
	for _, k := range keys {
		bySource[k[0]] = append(bySource[k[0]], k[1])
	}
	friendIDs := map[string]int64{}
	parts := map[recKey]recordPart{}
	for _, source := range kizuna.Sources {
		if err := db.linkedParts(ctx, tx, a, source, bySource[source], friendIDs, parts); err != nil {
			return nil, err
		}
	}
	w := friendSourceWriter{db: db, loc: a.Location(), now: db.Now().UnixMicro()}
	written := map[recKey]bool{}
	for _, k := range keys {
		id, ok := friendIDs[k[1]]
		if !ok {
			continue
		}
		if err := w.add(ctx, tx, id, k[0], parts[k]); err != nil {
			return nil, err
		}
		ch.add(k[1])
		written[k] = true
	}
	return written, w.flush(ctx, tx)
}

// linkedParts reads the IDs of the account's friends among users (LINE
// user IDs) into friendIDs, and the data of the records of the source
// linked to them into parts; a deleted record has none.
func (db *DB) linkedParts(ctx context.Context, tx *sql.Tx, a *kizuna.Account, source string, users []string, friendIDs map[string]int64, parts map[recKey]recordPart) error {
	for chunk := range slices.Chunk(users, applyChunk) {
		in, vals := inList(db, chunk)
		args := append([]any{source}, vals...)
		args = append(append(args, a.ID), vals...)
		// friends.line_user_id has the "C" collation on PostgreSQL, the
		// links' the default one: compared in the links', so that their
		// key serves the join. The links are named by the users too, so
		// that their key serves even when the planner thinks the account
		// has none (statistics of new tables).
		user := `f.line_user_id AND l.line_user_id` + in
		if db.d.name == "postgres" {
			user = `(f.line_user_id COLLATE "default") AND l.line_user_id` + in
		}
		rows, err := tx.QueryContext(ctx, db.q(`SELECT f.id, f.line_user_id, r.data, r.deleted FROM friends f
			LEFT JOIN source_links l ON l.account_id = f.account_id AND l.source = ? AND l.line_user_id = `+user+`
			LEFT JOIN source_records r ON r.account_id = l.account_id AND r.source = l.source AND r.record_id = l.record_id
			WHERE f.account_id = ? AND f.line_user_id`+in), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var user string
			var data sql.NullString
			var deleted sql.NullInt64
			if err := rows.Scan(&id, &user, &data, &deleted); err != nil {
				rows.Close()
				return err
			}
			friendIDs[user] = id
			if !data.Valid || deleted.Int64 != 0 {
				continue // unlinked, or the record is gone: no data of the source
			}
			var part recordPart
			if err := json.Unmarshal([]byte(data.String), &part); err != nil {
				rows.Close()
				return err
			}
			parts[recKey{source, user}] = part
		}
		if err := rows.Close(); err != nil {
			return err
		}
	}
	return nil
}

// friendSourceWriter replaces friends' data of a source (columns and child
// rows) with their linked records' (none: not linked), derived exactly as
// an import derives it. The columns are updated friend by friend; the
// child rows are replaced by a few statements at flush.
type friendSourceWriter struct {
	db  *DB
	loc *time.Location
	now int64
	// The friends whose child rows of the source are replaced.
	shopify               []int64            // friend IDs
	lists                 map[string][]int64 // source → friend IDs
	tags, listRows, props []any              // rows' parameters
	// On PostgreSQL, the friends' columns by source (friend ID and the
	// columns, a row each), updated by one statement at flush.
	updates map[string][]any
}

// friendSourceCols are, by source, the friends columns a source writes and
// their PostgreSQL types.
var friendSourceCols = map[string][][2]string{
	kizuna.SourceShopify: {{"shopify_linked", "smallint"}, {"shopify_customer_id", "text"}, {"shopify_orders_count", "bigint"}, {"shopify_last_order_us", "bigint"},
		{"shopify_last_order_day", "bigint"}, {"shopify_abandoned_us", "bigint"}, {"shopify_checkouts", "text"}},
	kizuna.SourceHubSpot: {{"hubspot_linked", "smallint"}, {"hubspot_contact_id", "text"}},
	kizuna.SourceKlaviyo: {{"klaviyo_linked", "smallint"}, {"klaviyo_profile_id", "text"}},
}

// friendSourceFirst is, by source, the index in friendRow.cols of its
// first column.
var friendSourceFirst = map[string]int{kizuna.SourceShopify: 5, kizuna.SourceHubSpot: 12, kizuna.SourceKlaviyo: 14}

// updateFriends updates the columns of the source of the friends rows
// (friend ID and the columns each), applyChunk friends a statement.
func (w *friendSourceWriter) updateFriends(ctx context.Context, tx *sql.Tx, source string, rows []any) error {
	cols := friendSourceCols[source]
	width := 1 + len(cols)
	var set, names, casts []string
	names = append(names, "id")
	casts = append(casts, "?::bigint")
	for _, c := range cols {
		set = append(set, c[0]+" = v."+c[0])
		names = append(names, c[0])
		casts = append(casts, "?::"+c[1])
	}
	row := "(" + strings.Join(casts, ", ") + ")"
	for len(rows) > 0 {
		n := min(len(rows)/width, applyChunk)
		query := `UPDATE friends AS f SET ` + strings.Join(set, ", ") + `, updated_at_us = ? FROM (VALUES ` +
			strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + `) AS v (` + strings.Join(names, ", ") + `) WHERE f.id = v.id`
		if _, err := tx.ExecContext(ctx, w.db.q(query), append([]any{w.now}, rows[:n*width]...)...); err != nil {
			return err
		}
		rows = rows[n*width:]
	}
	return nil
}

func (w *friendSourceWriter) add(ctx context.Context, tx *sql.Tx, friendID int64, source string, part recordPart) error {
	row := newFriendRow(&kizuna.Friend{Shopify: part.Shopify, HubSpot: part.HubSpot, Klaviyo: part.Klaviyo}, w.loc)
	c := row.cols // display_name … klaviyo_profile_id; see newFriendRow
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, w.db.q(query), args...)
		return err
	}
	if w.lists == nil {
		w.lists, w.updates = map[string][]int64{}, map[string][]any{}
	}
	if w.db.d.name == "postgres" { // one statement for all, at flush
		w.updates[source] = append(w.updates[source], friendID)
		exec = func(string, ...any) error {
			w.updates[source] = append(w.updates[source], c[friendSourceFirst[source]:friendSourceFirst[source]+len(friendSourceCols[source])]...)
			return nil
		}
	}
	switch source {
	case kizuna.SourceShopify:
		if err := exec(`UPDATE friends SET shopify_linked = ?, shopify_customer_id = ?, shopify_orders_count = ?, shopify_last_order_us = ?, shopify_last_order_day = ?,
			shopify_abandoned_us = ?, shopify_checkouts = ?, updated_at_us = ? WHERE id = ?`, c[5], c[6], c[7], c[8], c[9], c[10], c[11], w.now, friendID); err != nil {
			return err
		}
		w.shopify = append(w.shopify, friendID)
		for _, t := range row.shopifyTags {
			w.tags = append(w.tags, friendID, t[0], t[1])
		}
		return nil
	case kizuna.SourceHubSpot:
		if err := exec(`UPDATE friends SET hubspot_linked = ?, hubspot_contact_id = ?, updated_at_us = ? WHERE id = ?`, c[12], c[13], w.now, friendID); err != nil {
			return err
		}
	case kizuna.SourceKlaviyo:
		if err := exec(`UPDATE friends SET klaviyo_linked = ?, klaviyo_profile_id = ?, updated_at_us = ? WHERE id = ?`, c[14], c[15], w.now, friendID); err != nil {
			return err
		}
	}
	w.lists[source] = append(w.lists[source], friendID)
	for _, l := range row.lists {
		w.listRows = append(w.listRows, friendID, l[0], l[1])
	}
	for _, p := range row.props {
		w.props = append(w.props, friendID)
		w.props = append(w.props, p...)
	}
	return nil
}

// flush replaces the child rows of the friends added: deletes first,
// then inserts.
func (w *friendSourceWriter) flush(ctx context.Context, tx *sql.Tx) error {
	exec := func(query string, args ...any) error {
		_, err := tx.ExecContext(ctx, w.db.q(query), args...)
		return err
	}
	for _, source := range kizuna.Sources {
		if err := w.updateFriends(ctx, tx, source, w.updates[source]); err != nil {
			return err
		}
	}
	for chunk := range slices.Chunk(w.shopify, applyChunk) {
		in, vals := inList(w.db, chunk)
		if err := exec(`DELETE FROM friend_shopify_tags WHERE friend_id`+in, vals...); err != nil {
			return err
		}
	}
	for _, source := range kizuna.Sources {
		for chunk := range slices.Chunk(w.lists[source], applyChunk) {
			in, vals := inList(w.db, chunk)
			args := append([]any{source}, vals...)
			if err := exec(`DELETE FROM friend_lists WHERE source = ? AND friend_id`+in, args...); err != nil {
				return err
			}
			if err := exec(`DELETE FROM friend_properties WHERE source = ? AND friend_id`+in, args...); err != nil {
				return err
			}
		}
	}
	insert := func(head string, cols int, args []any) error {
		for len(args) > 0 {
			n := min(len(args)/cols, applyChunk)
			if err := exec(head+valuesList(n, cols), args[:n*cols]...); err != nil {
				return err
			}
			args = args[n*cols:]
		}
		return nil
	}
	if err := insert(`INSERT INTO friend_shopify_tags (friend_id, tag, tag_norm) VALUES `, 3, w.tags); err != nil {
		return err
	}
	if err := insert(`INSERT INTO friend_lists (friend_id, source, list_id) VALUES `, 3, w.listRows); err != nil {
		return err
	}
	return insert(`INSERT INTO friend_properties (friend_id, source, name, raw, known, text_norm, num, bool, day) VALUES `, 9, w.props)
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
