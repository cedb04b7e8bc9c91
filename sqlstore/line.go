package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
)

var _ kizuna.LineStore = (*DB)(nil)

// ConnectLine stores the account's channel with its credentials sealed
// under the server's key, bound to the account, replacing any earlier ones.
func (db *DB) ConnectLine(ctx context.Context, a *kizuna.Account, actor string, ch kizuna.LineChannel, cred kizuna.LineCredentials) error {
	const op = "connect LINE"
	box, err := db.box()
	if err != nil {
		return err
	}
	if strings.TrimSpace(cred.ChannelSecret) == "" {
		return kizuna.ErrorAt(kizuna.EINVALID, "channel_secret", "the channel secret is empty")
	}
	if strings.TrimSpace(cred.AccessToken) == "" {
		return kizuna.ErrorAt(kizuna.EINVALID, "access_token", "the channel access token is empty")
	}
	if strings.TrimSpace(ch.APIBase) == "" {
		ch.APIBase = kizuna.DefaultLineAPIBase
	}
	base, err := kizuna.CleanAPIBase(ch.APIBase)
	if err != nil {
		return err
	}
	at := ch.ConnectedAt
	if at.IsZero() {
		at = db.Now()
	}
	secret := box.Seal([]byte(cred.ChannelSecret), lineAAD(a, "secret"))
	token := box.Seal([]byte(cred.AccessToken), lineAAD(a, "token"))
	_, err = db.write.ExecContext(ctx, db.q(`INSERT INTO line_channels (account_id, api_base, bot_user_id, bot_name, secret_sealed, token_sealed, connected_at_us, connected_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account_id) DO UPDATE SET api_base = excluded.api_base, bot_user_id = excluded.bot_user_id, bot_name = excluded.bot_name,
		secret_sealed = excluded.secret_sealed, token_sealed = excluded.token_sealed, connected_at_us = excluded.connected_at_us, connected_by = excluded.connected_by`),
		a.ID, base, cleanText(ch.BotUserID), cleanText(ch.BotName), secret, token, at.UnixMicro(), cleanText(actor))
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// lineAAD binds a sealed credential to its account and purpose: a value
// copied to another account's row, or from the secret's column to the
// token's, does not open.
func lineAAD(a *kizuna.Account, purpose string) []byte {
	return fmt.Appendf(nil, "line:%d:%s", a.ID, purpose)
}

// LineChannel returns the account's channel, without its credentials.
func (db *DB) LineChannel(ctx context.Context, a *kizuna.Account) (*kizuna.LineChannel, error) {
	ch, _, _, err := db.lineChannel(ctx, a)
	return ch, err
}

func (db *DB) lineChannel(ctx context.Context, a *kizuna.Account) (*kizuna.LineChannel, []byte, []byte, error) {
	var ch kizuna.LineChannel
	var at int64
	var secret, token []byte
	err := db.read.QueryRowContext(ctx, db.q(`SELECT api_base, bot_user_id, bot_name, connected_at_us, connected_by, secret_sealed, token_sealed
		FROM line_channels WHERE account_id = ?`), a.ID).Scan(&ch.APIBase, &ch.BotUserID, &ch.BotName, &at, &ch.ConnectedBy, &secret, &token)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil, kizuna.Errorf(kizuna.ENOTFOUND, "account %q has no LINE channel connected", a.Name)
	} else if err != nil {
		return nil, nil, nil, fmt.Errorf("LINE channel: %w", err)
	}
	ch.ConnectedAt = time.UnixMicro(at).In(a.Location())
	return &ch, secret, token, nil
}

// LineCredentials opens the channel's sealed credentials.
func (db *DB) LineCredentials(ctx context.Context, a *kizuna.Account) (*kizuna.LineCredentials, error) {
	_, secret, token, err := db.lineChannel(ctx, a)
	if err != nil {
		return nil, err
	}
	box, err := db.box()
	if err != nil {
		return nil, err
	}
	s, err1 := box.Open(secret, lineAAD(a, "secret"))
	t, err2 := box.Open(token, lineAAD(a, "token"))
	if err1 != nil || err2 != nil {
		// The key changed since the channel was connected, or the row was
		// altered: nothing a retry fixes, and nothing to show of the values.
		return nil, kizuna.Errorf(kizuna.EINVALID, "the LINE channel's credentials of account %q cannot be decrypted with this server's secret key: connect the channel again", a.Name)
	}
	return &kizuna.LineCredentials{ChannelSecret: string(s), AccessToken: string(t)}, nil
}

// DisconnectLine forgets the account's channel and its credentials. The
// webhook events, Chat and syncs stay.
func (db *DB) DisconnectLine(ctx context.Context, a *kizuna.Account) error {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM line_channels WHERE account_id = ?`), a.ID)
	if err != nil {
		return fmt.Errorf("disconnect LINE: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "account %q has no LINE channel connected", a.Name)
	}
	return nil
}

// WebhookEventRetention is how long a webhook event's row is kept. LINE
// redelivers a failed event within a much shorter time, so an ID older than
// this is never seen again; each delivery prunes up to pruneEvents older rows.
const WebhookEventRetention = 30 * 24 * time.Hour

const pruneEvents = 1000

// ApplyWebhookEvents stores the delivery's events and applies them in one
// transaction:
//
//   - Each event is stored once by its ID; an ID already stored (a
//     redelivery, or twice in the delivery) is counted in Duplicates and has
//     no effect.
//   - follow: an unknown friend is created, following, added at the event's
//     time (a known added date, not estimated), display name empty until a
//     sync fills it; a known friend becomes following, its added date kept.
//   - unfollow: a known friend becomes blocked, its tags and data kept; an
//     unknown one stays unknown (there is nobody to block).
//   - message: the message is stored for Chat. A message never creates a
//     friend: LINE also sends messages of group members who are not friends,
//     and WebhookEvent does not say the source's kind; a follow or a sync
//     makes them friends.
//   - any other type is stored and ignored.
//
// Events apply in the order of their timestamps, and an event older than
// the LINE fact that last set a friend's status (line_status_us) leaves the
// status alone: a follow redelivered after a later unfollow does not make
// the friend following again. Every friend whose facts change goes to the
// change log, so the engine sees it at its next preview.
func (db *DB) ApplyWebhookEvents(ctx context.Context, a *kizuna.Account, events []kizuna.WebhookEvent) (*kizuna.WebhookResult, error) {
	const op = "apply webhook events"
	res := &kizuna.WebhookResult{}
	if len(events) == 0 {
		return res, nil
	}
	for i, ev := range events {
		if ev.ID == "" {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, fmt.Sprintf("events[%d].webhookEventId", i), "a webhook event has no webhookEventId")
		}
	}
	tx, err := db.beginWrite(ctx, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	defer tx.Rollback()
	now := db.Now().UnixMicro()
	fresh, err := db.storeEvents(ctx, tx, a, events, now)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	res.Stored, res.Duplicates = len(fresh), len(events)-len(fresh)
	if len(fresh) == 0 {
		return res, tx.Commit()
	}
	// Effects, in event time order (delivery order for equal times).
	slices.SortStableFunc(fresh, func(x, y *kizuna.WebhookEvent) int { return cmp.Compare(eventAt(x, now), eventAt(y, now)) })
	var ids []string
	for _, ev := range fresh {
		if (ev.Type == kizuna.EventFollow || ev.Type == kizuna.EventUnfollow) && kizuna.ValidLineUserID(ev.LineUserID) {
			ids = append(ids, ev.LineUserID)
		}
	}
	friends, err := db.lineFriends(ctx, tx, a, ids)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	loc := a.Location()
	var chat []kizuna.ChatMessage
	for _, ev := range fresh {
		at := eventAt(ev, now)
		switch ev.Type {
		case kizuna.EventFollow:
			if !kizuna.ValidLineUserID(ev.LineUserID) {
				continue
			}
			f := friends[ev.LineUserID]
			if f == nil {
				f = &lineFriend{id: ev.LineUserID, isNew: true, factsChanged: true, status: kizuna.StatusFollowing,
					addedUS: at, addedDay: int64(kizuna.DayOf(time.UnixMicro(at), loc))}
				f.seenUS.Int64, f.seenUS.Valid = at, true
				f.statusUS.Int64, f.statusUS.Valid = at, true
				friends[ev.LineUserID] = f
				continue
			}
			if f.statusUS.Valid && at < f.statusUS.Int64 {
				continue // older than what set the status
			}
			f.setStatus(kizuna.StatusFollowing, at)
			if !f.seenUS.Valid || f.seenUS.Int64 < at {
				f.seenUS.Int64, f.seenUS.Valid = at, true
			}
		case kizuna.EventUnfollow:
			f := friends[ev.LineUserID]
			if f == nil || (f.statusUS.Valid && at < f.statusUS.Int64) {
				continue
			}
			f.setStatus(kizuna.StatusBlocked, at)
		case kizuna.EventMessage:
			if !kizuna.ValidLineUserID(ev.LineUserID) {
				continue
			}
			typ := ev.MessageType
			if typ == "" {
				typ = "unknown"
			}
			chat = append(chat, kizuna.ChatMessage{LineUserID: ev.LineUserID, Direction: kizuna.ChatIn, Type: typ, Text: ev.Text,
				At: time.UnixMicro(at), LineMessageID: ev.MessageID})
		}
	}
	c := &changes{}
	if err := db.writeLineFriends(ctx, tx, a, friends, now, c); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := db.insertChat(ctx, tx, a, chat); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := db.pruneEvents(ctx, tx, a, now-WebhookEventRetention.Microseconds()); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if len(c.ids) > 0 || c.all {
		if err := db.logChange(ctx, tx, a, c); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("%s: commit: %w", op, err)
	}
	return res, nil
}

// pruneEvents deletes up to pruneEvents of the account's stored events
// received before cutoff. The oldest one is looked up first (one index
// probe, whatever the table's statistics say), so that a delivery with
// nothing to prune pays no more.
func (db *DB) pruneEvents(ctx context.Context, tx *sql.Tx, a *kizuna.Account, cutoff int64) error {
	var oldest sql.NullInt64
	if err := tx.QueryRowContext(ctx, db.q(`SELECT MIN(received_at_us) FROM line_webhook_events WHERE account_id = ?`), a.ID).Scan(&oldest); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	if !oldest.Valid || oldest.Int64 >= cutoff {
		return nil
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM line_webhook_events WHERE account_id = ? AND event_id IN
		(SELECT event_id FROM line_webhook_events WHERE account_id = ? AND received_at_us < ? LIMIT `+fmt.Sprint(pruneEvents)+`)`),
		a.ID, a.ID, cutoff); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	return nil
}

// eventAt is an event's time in microseconds; an event without one is
// taken as received now.
func eventAt(ev *kizuna.WebhookEvent, now int64) int64 {
	if ev.At.IsZero() {
		return now
	}
	return ev.At.UnixMicro()
}

// eventCols is the number of parameters of a stored event.
const eventCols = 7

// storeEvents inserts the events whose IDs are not stored yet and returns
// them, in delivery order; an ID repeated in the delivery counts once.
func (db *DB) storeEvents(ctx context.Context, tx *sql.Tx, a *kizuna.Account, events []kizuna.WebhookEvent, now int64) ([]*kizuna.WebhookEvent, error) {
	byID := make(map[string]*kizuna.WebhookEvent, len(events))
	var unique []*kizuna.WebhookEvent
	for i := range events {
		ev := &events[i]
		if _, dup := byID[ev.ID]; !dup {
			byID[ev.ID] = ev
			unique = append(unique, ev)
		}
	}
	stored := make(map[string]bool, len(unique))
	per := db.d.maxParams / eventCols
	for start := 0; start < len(unique); start += per {
		batch := unique[start:min(start+per, len(unique))]
		args := make([]any, 0, len(batch)*eventCols)
		for _, ev := range batch {
			args = append(args, a.ID, cleanText(ev.ID), cleanText(ev.Type), cleanText(ev.LineUserID), eventAt(ev, now), now, cleanText(string(ev.Raw)))
		}
		tuples := strings.TrimSuffix(strings.Repeat("("+placeholders(eventCols)+"),", len(batch)), ",")
		rows, err := tx.QueryContext(ctx, db.q(`INSERT INTO line_webhook_events (account_id, event_id, type, line_user_id, at_us, received_at_us, raw)
			VALUES `+tuples+` ON CONFLICT (account_id, event_id) DO NOTHING RETURNING event_id`), args...)
		if err != nil {
			return nil, fmt.Errorf("store events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store events: %w", err)
			}
			stored[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, fmt.Errorf("store events: %w", err)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store events: %w", err)
		}
	}
	fresh := make([]*kizuna.WebhookEvent, 0, len(stored))
	for _, ev := range unique {
		if stored[cleanText(ev.ID)] {
			fresh = append(fresh, ev)
		}
	}
	return fresh, nil
}

// lineFriend is a friend as LINE's facts leave it: read from its row (or
// new), then changed by events or a sync page, then written back.
type lineFriend struct {
	id       string
	name     string
	status   string
	seenUS   sql.NullInt64 // line_seen_us
	statusUS sql.NullInt64 // line_status_us
	// New friends only.
	isNew     bool
	addedUS   int64
	addedDay  int64
	estimated bool
	// dirty: the row must be written; factsChanged: what filters test
	// changed too (status, name, or the friend is new), for the change log.
	dirty, factsChanged bool
}

// setStatus sets the status as of a LINE fact at instant at.
func (f *lineFriend) setStatus(status string, at int64) {
	if f.status != status {
		f.status, f.factsChanged = status, true
	}
	f.statusUS.Int64, f.statusUS.Valid = at, true
	f.dirty = true
}

// lineFriends reads the LINE side of the account's friends named by ID.
func (db *DB) lineFriends(ctx context.Context, tx *sql.Tx, a *kizuna.Account, ids []string) (map[string]*lineFriend, error) {
	out := make(map[string]*lineFriend, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	sel, arg := db.inList(ids)
	rows, err := tx.QueryContext(ctx, db.q(`SELECT line_user_id, display_name, status, line_seen_us, line_status_us FROM friends
		WHERE account_id = ? AND line_user_id `+sel), a.ID, arg)
	if err != nil {
		return nil, fmt.Errorf("read friends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f := &lineFriend{}
		if err := rows.Scan(&f.id, &f.name, &f.status, &f.seenUS, &f.statusUS); err != nil {
			return nil, fmt.Errorf("read friends: %w", err)
		}
		out[f.id] = f
	}
	return out, rows.Err()
}

// lineFriendCols is the number of parameters of a written lineFriend.
const lineFriendCols = 11

// writeLineFriends writes the new and dirty friends with multi-row upserts
// (a new friend's row whole; a known friend's status, name and LINE times)
// and adds those whose facts changed to c. The caller holds the account's
// write lock and read the rows in the same transaction, so the values
// computed from them are current.
func (db *DB) writeLineFriends(ctx context.Context, tx *sql.Tx, a *kizuna.Account, friends map[string]*lineFriend, now int64, c *changes) error {
	var rows []*lineFriend
	for _, f := range friends {
		if f.isNew || f.dirty {
			rows = append(rows, f)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	// One order, whatever the map's: concurrent writers would otherwise
	// take row locks in different orders (PostgreSQL holds the account's
	// lock anyway).
	slices.SortFunc(rows, func(x, y *lineFriend) int { return strings.Compare(x.id, y.id) })
	per := db.d.maxParams / lineFriendCols
	for start := 0; start < len(rows); start += per {
		batch := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(batch)*lineFriendCols)
		for _, f := range batch {
			args = append(args, a.ID, f.id, f.name, kizuna.Normalize(f.name), f.status, f.addedUS, f.addedDay, boolInt(f.estimated),
				now, f.seenUS, f.statusUS)
			if f.factsChanged || f.isNew {
				c.add(f.id)
			}
		}
		tuple := "(?, ?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?)"
		tuples := strings.TrimSuffix(strings.Repeat(tuple+",", len(batch)), ",")
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO friends (account_id, line_user_id, display_name, display_name_norm, status,
			added_at_us, added_day, added_estimated, shopify_linked, hubspot_linked, klaviyo_linked, updated_at_us, line_seen_us, line_status_us)
			VALUES `+tuples+` ON CONFLICT (account_id, line_user_id) DO UPDATE SET
			display_name = excluded.display_name, display_name_norm = excluded.display_name_norm, status = excluded.status,
			updated_at_us = excluded.updated_at_us, line_seen_us = excluded.line_seen_us, line_status_us = excluded.line_status_us`), args...); err != nil {
			return fmt.Errorf("write friends: %w", err)
		}
	}
	var fresh []string
	for _, f := range rows {
		if f.isNew {
			fresh = append(fresh, f.id)
		}
	}
	if err := db.attachLinked(ctx, tx, a, fresh, c); err != nil {
		return fmt.Errorf("write friends: linked records: %w", err)
	}
	return nil
}

// cleanText makes text from LINE storable on both backends: valid UTF-8,
// without U+0000 (which PostgreSQL refuses in text).
func cleanText(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "\uFFFD")
	}
	return s
}
