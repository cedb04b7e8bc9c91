package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Chat page sizes: Conversations returns at most MaxConversations,
// ChatMessages at most MaxChatMessages (also what a limit of 0 asks for).
const (
	MaxConversations = 200
	MaxChatMessages  = 500
)

// chatCols is the number of parameters of an inserted chat message.
const chatCols = 8

// insertChat inserts Chat messages in tx.
func (db *DB) insertChat(ctx context.Context, tx *sql.Tx, a *kizuna.Account, msgs []kizuna.ChatMessage) error {
	per := db.d.maxParams / chatCols
	for start := 0; start < len(msgs); start += per {
		batch := msgs[start:min(start+per, len(msgs))]
		args := make([]any, 0, len(batch)*chatCols)
		for _, m := range batch {
			args = append(args, a.ID, m.LineUserID, m.Direction, cleanText(m.Type), cleanText(m.Text), m.At.UnixMicro(), cleanText(m.LineMessageID), cleanText(m.SentBy))
		}
		tuples := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?),", len(batch)), ",")
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO chat_messages (account_id, line_user_id, direction, type, text, at_us, line_message_id, sent_by)
			VALUES `+tuples), args...); err != nil {
			return fmt.Errorf("store chat messages: %w", err)
		}
	}
	return nil
}

const chatSelect = `m.id, m.line_user_id, m.direction, m.type, m.text, m.at_us, m.line_message_id, m.sent_by`

func scanChat(rows *sql.Rows, loc *time.Location, extra ...any) (kizuna.ChatMessage, error) {
	var m kizuna.ChatMessage
	var at int64
	err := rows.Scan(append([]any{&m.ID, &m.LineUserID, &m.Direction, &m.Type, &m.Text, &at, &m.LineMessageID, &m.SentBy}, extra...)...)
	m.At = time.UnixMicro(at).In(loc)
	return m, err
}

// Conversations lists the account's conversations by their latest message,
// newest first: limit of them (MaxConversations when 0 or more) whose
// latest message is before before (any time when zero). Paging on with the
// last conversation's time skips another whose latest message has exactly
// that microsecond, which LINE's millisecond timestamps make rare.
// Conversations with someone who is not a friend have no name nor status.
func (db *DB) Conversations(ctx context.Context, a *kizuna.Account, limit int, before time.Time) ([]kizuna.Conversation, error) {
	if limit <= 0 || limit > MaxConversations {
		limit = MaxConversations
	}
	beforeUS := int64(math.MaxInt64)
	if !before.IsZero() {
		beforeUS = before.UnixMicro()
	}
	// Walk the messages from the latest down, keeping each friend's latest:
	// the one no later message of the friend follows.
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+chatSelect+`, COALESCE(f.display_name, ''), COALESCE(f.status, '')
		FROM chat_messages m LEFT JOIN friends f ON f.account_id = m.account_id AND f.line_user_id = m.line_user_id
		WHERE m.account_id = ? AND m.at_us < ?
		AND NOT EXISTS (SELECT 1 FROM chat_messages n WHERE n.account_id = m.account_id AND n.line_user_id = m.line_user_id AND (n.at_us, n.id) > (m.at_us, m.id))
		ORDER BY m.at_us DESC, m.id DESC LIMIT ?`), a.ID, beforeUS, limit)
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	defer rows.Close()
	out := []kizuna.Conversation{}
	loc := a.Location()
	for rows.Next() {
		var c kizuna.Conversation
		m, err := scanChat(rows, loc, &c.DisplayName, &c.Status)
		if err != nil {
			return nil, fmt.Errorf("conversations: %w", err)
		}
		c.LineUserID, c.Last = m.LineUserID, m
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	return out, nil
}

// ChatMessages returns the latest limit messages (MaxChatMessages when 0 or
// more) of the conversation with a LINE user, oldest first.
func (db *DB) ChatMessages(ctx context.Context, a *kizuna.Account, lineUserID string, limit int) ([]kizuna.ChatMessage, error) {
	if limit <= 0 || limit > MaxChatMessages {
		limit = MaxChatMessages
	}
	out := []kizuna.ChatMessage{}
	if !kizuna.ValidLineUserID(lineUserID) {
		return out, nil
	}
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT `+chatSelect+` FROM chat_messages m WHERE m.account_id = ? AND m.line_user_id = ?
		ORDER BY m.at_us DESC, m.id DESC LIMIT ?`), a.ID, lineUserID, limit)
	if err != nil {
		return nil, fmt.Errorf("chat messages: %w", err)
	}
	defer rows.Close()
	loc := a.Location()
	for rows.Next() {
		m, err := scanChat(rows, loc)
		if err != nil {
			return nil, fmt.Errorf("chat messages: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("chat messages: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// AddChatMessage records a message we sent to a LINE user (direction out,
// whatever m says); its time is the clock's when m has none.
func (db *DB) AddChatMessage(ctx context.Context, a *kizuna.Account, m kizuna.ChatMessage) (*kizuna.ChatMessage, error) {
	if !kizuna.ValidLineUserID(m.LineUserID) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "line_user_id", "%q is not a LINE user ID", m.LineUserID)
	}
	m.Direction = kizuna.ChatOut
	if m.Type == "" {
		m.Type = "text"
	}
	if m.At.IsZero() {
		m.At = db.Now()
	}
	m.At = m.At.Truncate(time.Microsecond).In(a.Location())
	m.Type, m.Text, m.LineMessageID, m.SentBy = cleanText(m.Type), cleanText(m.Text), cleanText(m.LineMessageID), cleanText(m.SentBy)
	err := db.write.QueryRowContext(ctx, db.q(`INSERT INTO chat_messages (account_id, line_user_id, direction, type, text, at_us, line_message_id, sent_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`), a.ID, m.LineUserID, m.Direction, m.Type, m.Text, m.At.UnixMicro(), m.LineMessageID, m.SentBy).Scan(&m.ID)
	if err != nil {
		return nil, fmt.Errorf("add chat message: %w", err)
	}
	return &m, nil
}
