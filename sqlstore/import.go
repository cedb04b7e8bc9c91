package sqlstore

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/kizuna-line/kizuna"
)

// MaxImportLine is the longest import line accepted, in bytes.
const MaxImportLine = 1 << 20

// importBatch is how many friends one round of statements writes.
const importBatch = 1000

// importLockClass is the first key of the PostgreSQL advisory lock that an
// import holds on its account; the second is the account ID, cut to 32 bits
// (two accounts that share a key only import one after the other).
const importLockClass int32 = 5

// maxLineEnding is the longest line ending readLine strips ("\r\n").
const maxLineEnding = 2

// ImportFriends imports NDJSON friends (spec section 5) in one transaction,
// streaming: lines are parsed and written in batches (friend rows as
// multi-row upserts; their tags, lists and properties as multi-row INSERTs
// on SQLite and COPY on PostgreSQL), so memory does not grow with the file. With bad lines and without
// SkipInvalid, the transaction is rolled back (nothing changes) and an
// *kizuna.ImportError lists them; every line is still read so that all bad
// lines are counted. A line replaces the friend's whole record, so importing
// the same file twice leaves the same state.
//
// r is read while the transaction is open, so it should be a file or other
// local stream: a caller serving a network client spools the body first
// (the API does), lest a slow client hold the write lock.
func (db *DB) ImportFriends(ctx context.Context, a *kizuna.Account, r io.Reader, opt kizuna.ImportOptions) (*kizuna.ImportResult, error) {
	// Wait for an import slot before taking a connection, so that imports
	// never hold every write connection (see DB.imports).
	select {
	case db.imports <- struct{}{}:
		defer func() { <-db.imports }()
	case <-ctx.Done():
		return nil, fmt.Errorf("import: waiting for another import: %w", ctx.Err())
	}
	// On PostgreSQL the import holds its own connection, so that child rows
	// can go through COPY on the transaction's connection.
	var conn *sql.Conn
	if db.d.name == "postgres" {
		var err error
		if conn, err = db.write.Conn(ctx); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		defer conn.Close()
	}
	tx, err := db.beginWriteOn(ctx, conn, a)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback()
	imp := &importer{db: db, tx: tx, conn: conn, account: a, loc: a.Location(), now: db.Now().UnixMicro(), stmts: map[string]*sql.Stmt{}, newTags: map[string]bool{}}
	if err := imp.loadTags(ctx); err != nil {
		return nil, err
	}
	res := &kizuna.ImportResult{}
	// Lines are read and parsed on another goroutine while this one
	// writes: parsing JSON costs about as much as SQLite's work.
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan parsedChunk, 4)
	go parseLines(pctx, r, imp.loc, chunks)
	var lineNo int64
	for chunk := range chunks {
		for _, pl := range chunk.lines {
			res.Lines++
			if pl.err != nil {
				res.Invalid++
				if len(res.Errors) < kizuna.MaxReportedLineErrors {
					res.Errors = append(res.Errors, lineError(pl.no, pl.err))
				}
				continue
			}
			if res.Invalid > 0 && !opt.SkipInvalid {
				continue // nothing will be written; keep counting bad lines
			}
			res.Imported++
			imp.add(pl.f)
			if len(imp.batch) >= importBatch {
				if err := imp.flush(ctx); err != nil {
					return nil, err
				}
			}
		}
		if chunk.err != nil {
			return nil, chunk.err
		}
		if opt.Progress != nil && chunk.lastNo/10000 > lineNo/10000 {
			opt.Progress(chunk.lastNo)
		}
		lineNo = chunk.lastNo
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if opt.Progress != nil {
		opt.Progress(lineNo)
	}
	if res.Invalid > 0 && !opt.SkipInvalid {
		res.Imported = 0
		return res, &kizuna.ImportError{Result: res}
	}
	res.Skipped = res.Invalid
	if err := imp.flush(ctx); err != nil {
		return nil, err
	}
	if err := db.logChange(ctx, tx, a, &imp.changed); err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("import: commit: %w", err)
	}
	if db.d.name == "postgres" && res.Imported >= analyzeAfter {
		// Fresh statistics keep the planner from choosing nested loops
		// over tables it still thinks are empty. The import has committed;
		// a failure here only leaves the statistics to autovacuum.
		db.write.ExecContext(ctx, `ANALYZE friends, friend_tags, friend_shopify_tags, friend_lists, friend_properties`)
	}
	return res, nil
}

// analyzeAfter is the import size from which PostgreSQL statistics are
// refreshed at once instead of by autovacuum a minute later.
const analyzeAfter = 10000

// parsedLine is one non-blank line, parsed: a friend, or why it is bad.
type parsedLine struct {
	no  int64
	f   *friendRow
	err error
}

// parsedChunk carries parsed lines from parseLines to the writer. err is set
// on the last chunk when reading failed; lastNo is the last physical line read.
type parsedChunk struct {
	lines  []parsedLine
	lastNo int64
	err    error
}

// parseChunk is how many lines travel together between the goroutines.
const parseChunk = 256

// utf8BOM starts some files written on Windows; it is not part of line 1.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// parseLines reads r line by line, parses each non-blank line and sends the
// results in order, then closes out. It stops early when ctx ends.
func parseLines(ctx context.Context, r io.Reader, loc *time.Location, out chan<- parsedChunk) {
	defer close(out)
	br := bufio.NewReaderSize(r, 1<<16)
	if b, err := br.Peek(len(utf8BOM)); err == nil && bytes.Equal(b, utf8BOM) {
		br.Discard(len(utf8BOM))
	}
	send := func(c parsedChunk) bool {
		select {
		case out <- c:
			return true
		case <-ctx.Done():
			return false
		}
	}
	chunk := parsedChunk{lines: make([]parsedLine, 0, parseChunk)}
	for {
		line, err := readLine(br)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, errLineTooLong) {
			chunk.err = fmt.Errorf("import: read line %d: %w", chunk.lastNo+1, err)
			send(chunk)
			return
		}
		if len(line) == 0 && errors.Is(err, io.EOF) {
			send(chunk)
			return
		}
		chunk.lastNo++
		pl := parsedLine{no: chunk.lastNo}
		if errors.Is(err, errLineTooLong) {
			pl.err = kizuna.Errorf(kizuna.EINVALIDIMPORT, "line is longer than %d bytes", MaxImportLine)
		} else if line = bytes.TrimSpace(line); len(line) == 0 {
			if errors.Is(err, io.EOF) {
				send(chunk)
				return
			}
			continue
		} else if !utf8.Valid(line) {
			pl.err = kizuna.Errorf(kizuna.EINVALIDIMPORT, "line is not valid UTF-8")
		} else if f, err := kizuna.ParseFriendLine(line); err != nil {
			pl.err = err
		} else if pl.err = storable(f); pl.err == nil {
			pl.f = newFriendRow(f, loc)
		}
		chunk.lines = append(chunk.lines, pl)
		if errors.Is(err, io.EOF) {
			send(chunk)
			return
		}
		if len(chunk.lines) == parseChunk {
			if !send(chunk) {
				return
			}
			chunk = parsedChunk{lines: make([]parsedLine, 0, parseChunk), lastNo: chunk.lastNo}
		}
	}
}

var errLineTooLong = errors.New("line too long")

// lineError reports a bad line with the path its error names.
func lineError(no int64, err error) kizuna.LineError {
	le := kizuna.LineError{Line: no, Message: kizuna.ErrorMessage(err), Path: "$"}
	var e *kizuna.Error
	if errors.As(err, &e) && e.Path != "" {
		le.Path = e.Path
	}
	return le
}

// readLine returns the next line without its line ending ("\n" or "\r\n").
// A line longer than MaxImportLine bytes, not counting its ending, is
// consumed and reported with errLineTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// Keep no more than it takes to tell, once the ending is
			// known, whether the line fits.
			if !tooLong {
				buf = append(buf, chunk...)
				tooLong = len(buf) > MaxImportLine+maxLineEnding
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		line := chunk
		if buf != nil && !tooLong {
			line = append(buf, chunk...)
		}
		if !tooLong {
			line = bytes.TrimSuffix(line, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			tooLong = len(line) > MaxImportLine
		}
		if tooLong {
			// Even at EOF, still one (bad) line; the next call returns EOF.
			return []byte("x"), errLineTooLong
		}
		return line, err
	}
}

// storable refuses text that a backend cannot store as written: PostgreSQL
// refuses the character U+0000 in text, which JSON can write as "\u0000".
// (Checkout IDs and property values inside objects and lists are stored as
// JSON, where it stays escaped.)
func storable(f *kizuna.Friend) error {
	type field struct {
		name   string
		values []string
	}
	fields := []field{{"display_name", []string{f.DisplayName}}, {"tags", f.Tags}}
	if s := f.Shopify; s != nil {
		fields = append(fields, field{"shopify.customer_id", []string{s.CustomerID}}, field{"shopify.tags", s.Tags})
	}
	props := func(name string, p kizuna.Properties) {
		for _, k := range sortedNames(p) {
			fields = append(fields, field{name + ".properties", []string{k}})
			if r := kizuna.ReadProperty(p[k], time.UTC); r.HasText {
				fields = append(fields, field{name + ".properties." + k, []string{r.Text}})
			}
		}
	}
	if h := f.HubSpot; h != nil {
		fields = append(fields, field{"hubspot.contact_id", []string{h.ContactID}}, field{"hubspot.segments", h.Segments})
		props("hubspot", h.Properties)
	}
	if k := f.Klaviyo; k != nil {
		fields = append(fields, field{"klaviyo.profile_id", []string{k.ProfileID}}, field{"klaviyo.lists", k.Lists})
		props("klaviyo", k.Properties)
	}
	for _, fl := range fields {
		for _, v := range fl.values {
			if strings.IndexByte(v, 0) >= 0 {
				return kizuna.Errorf(kizuna.EINVALIDIMPORT, "%s contains the character U+0000, which cannot be stored", fl.name)
			}
		}
	}
	return nil
}

type importer struct {
	db      *DB
	tx      *sql.Tx
	conn    *sql.Conn // the transaction's connection on PostgreSQL (for COPY); nil on SQLite
	account *kizuna.Account
	loc     *time.Location
	now     int64
	tagIDs  map[string]int64
	batch   []*friendRow
	index   map[string]int       // line_user_id -> position in batch
	newTags map[string]bool      // tag names of added lines that the account lacks
	stmts   map[string]*sql.Stmt // prepared once per import, closed with the transaction
	changed changes              // the friends written, for the change log
}

func (imp *importer) loadTags(ctx context.Context) error {
	imp.tagIDs = map[string]int64{}
	rows, err := imp.tx.QueryContext(ctx, imp.db.q(`SELECT id, name FROM tags WHERE account_id = ?`), imp.account.ID)
	if err != nil {
		return fmt.Errorf("import: load tags: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return fmt.Errorf("import: load tags: %w", err)
		}
		imp.tagIDs[name] = id
	}
	return rows.Err()
}

// add queues a friend; a later line for the same friend replaces an earlier
// one in the same batch, as it would across batches.
func (imp *importer) add(row *friendRow) {
	f := row.f
	// Every tag named on an imported line is created, even when a later line
	// replaces this one: whether the two lines fall into one batch must not
	// change which tags exist.
	for _, t := range f.Tags {
		if _, ok := imp.tagIDs[t]; !ok {
			imp.newTags[t] = true
		}
	}
	imp.changed.add(f.LineUserID)
	if imp.index == nil {
		imp.index = map[string]int{}
	}
	if i, ok := imp.index[f.LineUserID]; ok {
		imp.batch[i] = row
		return
	}
	imp.index[f.LineUserID] = len(imp.batch)
	imp.batch = append(imp.batch, row)
}

func (imp *importer) flush(ctx context.Context) error {
	if len(imp.batch) == 0 {
		return nil
	}
	defer func() { imp.batch, imp.index = imp.batch[:0], nil }()
	if err := imp.ensureTags(ctx); err != nil {
		return err
	}
	var existing []any
	if imp.conn == nil {
		var err error
		if existing, err = imp.existing(ctx); err != nil {
			return err
		}
	}
	ids, updated, err := imp.upsertFriends(ctx)
	if err != nil {
		return err
	}
	if imp.conn != nil {
		existing = updated
	}
	// Only friends that were already stored have rows to replace.
	if len(existing) > 0 {
		for _, table := range []string{"friend_tags", "friend_shopify_tags", "friend_lists", "friend_properties"} {
			query, args := `DELETE FROM `+table+` WHERE friend_id IN (`+placeholders(len(existing))+`)`, existing
			if imp.conn != nil { // one array parameter, one plan
				query, args = `DELETE FROM `+table+` WHERE friend_id = ANY($1)`, []any{int64s(existing)}
			}
			if _, err := imp.tx.ExecContext(ctx, query, args...); err != nil {
				return fmt.Errorf("import: clear %s: %w", table, err)
			}
		}
	}
	children := []childTable{
		{name: "friend_tags", cols: []string{"friend_id", "tag_id"}},
		{name: "friend_shopify_tags", cols: []string{"friend_id", "tag", "tag_norm"}},
		{name: "friend_lists", cols: []string{"friend_id", "source", "list_id"}},
		{name: "friend_properties", cols: []string{"friend_id", "source", "name", "raw", "known", "text_norm", "num", "bool", "day"}},
	}
	for _, row := range imp.batch {
		id := ids[row.f.LineUserID]
		for _, t := range row.f.Tags {
			children[0].rows = append(children[0].rows, []any{id, imp.tagIDs[t]})
		}
		for _, t := range row.shopifyTags {
			children[1].rows = append(children[1].rows, []any{id, t[0], t[1]})
		}
		for _, l := range row.lists {
			children[2].rows = append(children[2].rows, []any{id, l[0], l[1]})
		}
		for _, p := range row.props {
			children[3].rows = append(children[3].rows, append([]any{id}, p...))
		}
	}
	for _, c := range children {
		if err := imp.insertChildren(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// childTable is the rows of one child table of friends to insert.
type childTable struct {
	name string
	cols []string
	rows [][]any
}

// insertChildren inserts child rows: with COPY on PostgreSQL (on the
// transaction's own connection, so inside the transaction), with multi-row
// INSERTs on SQLite.
func (imp *importer) insertChildren(ctx context.Context, c childTable) error {
	if len(c.rows) == 0 {
		return nil
	}
	if imp.conn != nil {
		err := imp.conn.Raw(func(dc any) error {
			pc := dc.(*stdlib.Conn).Conn()
			_, err := pc.CopyFrom(ctx, pgx.Identifier{c.name}, c.cols, pgx.CopyFromRows(c.rows))
			return err
		})
		if err != nil {
			return fmt.Errorf("import: %s: %w", c.name, err)
		}
		return nil
	}
	flat := make([]any, 0, len(c.rows)*len(c.cols))
	for _, r := range c.rows {
		flat = append(flat, r...)
	}
	return imp.insertRows(ctx, `INSERT INTO `+c.name+` (`+strings.Join(c.cols, ", ")+`) VALUES `, "", len(c.cols), flat, nil)
}

// friendRow is a friend with the values its rows hold, derived on the
// parsing goroutine so that the writing one only writes.
type friendRow struct {
	f           *kizuna.Friend
	cols        []any       // friends columns, from display_name to klaviyo_profile_id
	shopifyTags [][2]string // tag, normalized tag
	lists       [][2]string // source, list ID
	props       [][]any     // source, name, raw, known, text_norm, num, bool, day
}

func newFriendRow(f *kizuna.Friend, loc *time.Location) *friendRow {
	row := &friendRow{f: f}
	var shopLinked, hubLinked, klavLinked int
	var custID, orders, lastUS, lastDay, abandoned, checkouts, contactID, profileID any
	if s := f.Shopify; s != nil {
		shopLinked = 1
		custID, orders = s.CustomerID, s.OrdersCount
		if s.LastOrderAt != nil {
			lastUS, lastDay = s.LastOrderAt.UnixMicro(), int64(kizuna.DayOf(*s.LastOrderAt, loc))
		}
		if at, ok := s.AbandonedAt(); ok {
			abandoned = at.UnixMicro()
		}
		cj, _ := json.Marshal(s.Checkouts) // plain structs: cannot fail
		checkouts = string(cj)
		for _, t := range s.Tags {
			row.shopifyTags = append(row.shopifyTags, [2]string{t, kizuna.Normalize(t)})
		}
	}
	if h := f.HubSpot; h != nil {
		hubLinked, contactID = 1, h.ContactID
		for _, l := range h.Segments {
			row.lists = append(row.lists, [2]string{"hubspot", l})
		}
		row.props = appendProps(row.props, "hubspot", h.Properties, loc)
	}
	if k := f.Klaviyo; k != nil {
		klavLinked, profileID = 1, k.ProfileID
		for _, l := range k.Lists {
			row.lists = append(row.lists, [2]string{"klaviyo", l})
		}
		row.props = appendProps(row.props, "klaviyo", k.Properties, loc)
	}
	row.cols = []any{f.DisplayName, kizuna.Normalize(f.DisplayName), f.Status, f.AddedAt.UnixMicro(), int64(kizuna.DayOf(f.AddedAt, loc)),
		shopLinked, custID, orders, lastUS, lastDay, abandoned, checkouts, hubLinked, contactID, klavLinked, profileID}
	return row
}

func appendProps(rows [][]any, source string, props kizuna.Properties, loc *time.Location) [][]any {
	for _, name := range sortedNames(props) {
		raw := props[name]
		var compact bytes.Buffer
		if err := json.Compact(&compact, raw); err != nil {
			compact.Reset()
			compact.Write(raw)
		}
		r := kizuna.ReadProperty(raw, loc)
		var text, num, b, day any
		if r.HasText {
			text = r.Text
		}
		if r.HasNum {
			num = r.Num
		}
		if r.HasBool {
			b = boolInt(r.Bool)
		}
		if r.HasDay {
			day = int64(r.Day)
		}
		rows = append(rows, []any{source, name, compact.String(), boolInt(r.Known), text, num, b, day})
	}
	return rows
}

// existing returns the IDs of the batch's friends that are already stored
// (SQLite; on PostgreSQL the upsert says which rows it updated).
func (imp *importer) existing(ctx context.Context) ([]any, error) {
	args := []any{imp.account.ID}
	for _, row := range imp.batch {
		args = append(args, row.f.LineUserID)
	}
	rows, err := imp.tx.QueryContext(ctx, `SELECT id FROM friends WHERE account_id = ? AND line_user_id IN (`+placeholders(len(imp.batch))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("import: find stored friends: %w", err)
	}
	defer rows.Close()
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("import: find stored friends: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// ensureTags creates the friend tags named since the last batch that the
// account lacks, in name order.
func (imp *importer) ensureTags(ctx context.Context) error {
	names := make([]string, 0, len(imp.newTags))
	for t := range imp.newTags {
		names = append(names, t)
	}
	clear(imp.newTags)
	if len(names) == 0 {
		return nil
	}
	sort.Strings(names)
	missing := make([]any, 0, 2*len(names))
	for _, t := range names {
		missing = append(missing, imp.account.ID, t)
	}
	return imp.insertRows(ctx, `INSERT INTO tags (account_id, name) VALUES `, ` RETURNING id, name`, 2, missing, func(rows *sql.Rows) error {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return err
		}
		imp.tagIDs[name] = id
		return nil
	})
}

const friendCols = 19

// upsertFriends writes the batch's friend rows and returns their IDs by LINE
// user ID. On PostgreSQL it also returns the IDs of the friends that were
// already stored (updated, not inserted: their row's xmax is set), which
// saves a lookup per batch; SQLite's caller looks them up first.
func (imp *importer) upsertFriends(ctx context.Context) (map[string]int64, []any, error) {
	args := make([]any, 0, len(imp.batch)*friendCols)
	for _, row := range imp.batch {
		args = append(args, imp.account.ID, row.f.LineUserID)
		args = append(args, row.cols...)
		args = append(args, imp.now)
	}
	ids := make(map[string]int64, len(imp.batch))
	var updated []any
	returning := `RETURNING id, line_user_id`
	if imp.conn != nil {
		returning += `, xmax <> '0'::xid`
	}
	err := imp.insertRows(ctx, `INSERT INTO friends (account_id, line_user_id, display_name, display_name_norm, status, added_at_us, added_day,
		shopify_linked, shopify_customer_id, shopify_orders_count, shopify_last_order_us, shopify_last_order_day, shopify_abandoned_us, shopify_checkouts,
		hubspot_linked, hubspot_contact_id, klaviyo_linked, klaviyo_profile_id, updated_at_us) VALUES `,
		` ON CONFLICT (account_id, line_user_id) DO UPDATE SET
		display_name = excluded.display_name, display_name_norm = excluded.display_name_norm, status = excluded.status, added_at_us = excluded.added_at_us, added_day = excluded.added_day,
		added_estimated = 0,
		shopify_linked = excluded.shopify_linked, shopify_customer_id = excluded.shopify_customer_id, shopify_orders_count = excluded.shopify_orders_count,
		shopify_last_order_us = excluded.shopify_last_order_us, shopify_last_order_day = excluded.shopify_last_order_day,
		shopify_abandoned_us = excluded.shopify_abandoned_us, shopify_checkouts = excluded.shopify_checkouts,
		hubspot_linked = excluded.hubspot_linked, hubspot_contact_id = excluded.hubspot_contact_id,
		klaviyo_linked = excluded.klaviyo_linked, klaviyo_profile_id = excluded.klaviyo_profile_id, updated_at_us = excluded.updated_at_us
		`+returning, friendCols, args, func(rows *sql.Rows) error {
			var id int64
			var lid string
			var wasStored bool
			dst := []any{&id, &lid}
			if imp.conn != nil {
				dst = append(dst, &wasStored)
			}
			if err := rows.Scan(dst...); err != nil {
				return err
			}
			ids[lid] = id
			if wasStored {
				updated = append(updated, id)
			}
			return nil
		})
	if err != nil {
		return nil, nil, err
	}
	if len(ids) != len(imp.batch) {
		return nil, nil, fmt.Errorf("import: wrote %d friends, got %d IDs back", len(imp.batch), len(ids))
	}
	return ids, updated, nil
}

// insertRows runs head + VALUES tuples + tail for rows (cols values each), in
// as few statements as the dialect's parameter limit allows. With scan set,
// the statements return rows and scan is called for each.
func (imp *importer) insertRows(ctx context.Context, head, tail string, cols int, rows []any, scan func(*sql.Rows) error) error {
	per := imp.db.d.maxParams / cols
	for start := 0; start < len(rows); start += per * cols {
		end := min(start+per*cols, len(rows))
		n := (end - start) / cols
		key := fmt.Sprintf("%s|%s|%d", head, tail, n)
		stmt, ok := imp.stmts[key]
		if !ok {
			tuple := "(" + placeholders(cols) + ")"
			query := imp.db.q(head + strings.TrimSuffix(strings.Repeat(tuple+",", n), ",") + tail)
			var err error
			if stmt, err = imp.tx.PrepareContext(ctx, query); err != nil {
				return fmt.Errorf("import: prepare %s: %w", strings.Fields(head)[2], err)
			}
			imp.stmts[key] = stmt
		}
		if scan == nil {
			if _, err := stmt.ExecContext(ctx, rows[start:end]...); err != nil {
				return fmt.Errorf("import: %s: %w", strings.Fields(head)[2], err)
			}
			continue
		}
		res, err := stmt.QueryContext(ctx, rows[start:end]...)
		if err != nil {
			return fmt.Errorf("import: %s: %w", strings.Fields(head)[2], err)
		}
		for res.Next() {
			if err := scan(res); err != nil {
				res.Close()
				return fmt.Errorf("import: %s: %w", strings.Fields(head)[2], err)
			}
		}
		if err := res.Close(); err != nil {
			return fmt.Errorf("import: %s: %w", strings.Fields(head)[2], err)
		}
		if err := res.Err(); err != nil {
			return fmt.Errorf("import: %s: %w", strings.Fields(head)[2], err)
		}
	}
	return nil
}

func int64s(vs []any) []int64 {
	out := make([]int64, len(vs))
	for i, v := range vs {
		out[i] = v.(int64)
	}
	return out
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
