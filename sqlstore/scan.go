package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

var _ kizuna.FactsScanner = (*DB)(nil)

// ScanFacts streams the facts of every friend of the account, blocked
// friends included, in ascending friend ID order (the order in which the
// friends were first imported), calling fn once per friend. An error from fn
// stops the scan and is returned as is. fn may keep the facts: nothing passed
// to it is reused.
//
// It reads one consistent snapshot with five queries, one per table, each
// ordered by friend ID, and merges them as a merge join does: the friends
// query drives, and each child query is consumed up to the current friend.
// There is no query per friend, and memory does not grow with the account.
// Rows are read and decoded on other goroutines (readers), scanChunk rows
// at a time and up to prefetch chunks ahead, while this one merges them and
// runs fn.
//
// Reading the database is what costs, so the scan reads on two connections
// when it can: the properties query, which has most of the rows, on one, the
// four others on the other, each connection in a read transaction that sees
// the same snapshot (see beginScan). Otherwise one transaction runs all five.
//
// On SQLite several queries stay open together on the connection of a read
// transaction: SQLite steps the statements of a connection independently,
// and the WAL read transaction is the snapshot.
//
// PostgreSQL streams one result at a time per connection, so several open
// queries on one connection are impossible. Instead a read-only REPEATABLE
// READ transaction declares a server-side cursor per query (DECLARE ...
// CURSOR) and FETCHes scanChunk rows from whichever cursor the merge needs
// next: the cursors of a transaction share its snapshot, and a round trip
// per 10,000 rows costs little next to decoding them.
func (db *DB) ScanFacts(ctx context.Context, a *kizuna.Account, fn func(*kizuna.FriendFacts) error) error {
	const op = "scan facts"
	txs, end, err := db.beginScan(ctx, a)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	defer end()
	// The account's friends have IDs from lo to hi: the queries read that
	// range of each table, not the whole table.
	var lo, hi sql.NullInt64
	if err := txs[0].QueryRowContext(ctx, db.q(`SELECT MIN(id), MAX(id) FROM friends WHERE account_id = ?`), a.ID).Scan(&lo, &hi); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if !lo.Valid {
		return nil // no friends
	}
	// When no other account's friend has an ID in the range (one account,
	// or accounts imported one after another), the child tables need no
	// join with friends to keep to the account: a lookup per child row saved.
	var other int
	err = txs[0].QueryRowContext(ctx, db.q(`SELECT 1 FROM friends WHERE id BETWEEN ? AND ? AND account_id <> ? LIMIT 1`), lo, hi, a.ID).Scan(&other)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return db.scan(ctx, txs, a, "BETWEEN ? AND ?", []any{lo.Int64, hi.Int64}, other == 0, fn)
}

// scanIDs streams the facts of the account's friends whose IDs are ids (in
// ascending order, all of them the account's), as ScanFacts does, in
// transaction tx.
func (db *DB) scanIDs(ctx context.Context, tx *sql.Tx, a *kizuna.Account, ids []int64, fn func(*kizuna.FriendFacts) error) error {
	if len(ids) == 0 {
		return nil
	}
	sel, arg := db.inList(ids)
	return db.scan(ctx, []*sql.Tx{tx}, a, sel, []any{arg}, true, fn)
}

// inList returns a condition that a column is one of vals (ints or
// strings), and its one parameter: an array on PostgreSQL, a JSON array on
// SQLite. One parameter keeps the statement's text the same for any number.
func (db *DB) inList(vals any) (cond string, arg any) {
	if db.d.name == "postgres" {
		return "= ANY(?)", vals
	}
	b, _ := json.Marshal(vals)
	return "IN (SELECT value FROM json_each(?))", string(b)
}

// scan runs the five queries of a scan in txs, each selecting friend IDs
// with sel (such as "BETWEEN ? AND ?", whose parameters are selArgs), and
// merges them. own says that every friend sel selects is the account's.
func (db *DB) scan(ctx context.Context, txs []*sql.Tx, a *kizuna.Account, sel string, selArgs []any, own bool, fn func(*kizuna.FriendFacts) error) error {
	const op = "scan facts"
	queries := scanQueries(db.d, sel, own)
	readers := make([]*scanReader, len(txs))
	for i, tx := range txs {
		readers[i] = &scanReader{tx: tx, requests: make(chan filler, len(queries)*prefetch)}
	}
	defer func() {
		for _, r := range readers {
			r.closeRows() // before the transactions end: they wait for open rows
		}
	}()
	var curs [5]*cursor
	for i, q := range queries {
		args := slices.Clip(selArgs)
		if q.account {
			args = append(args, a.ID)
		}
		r := readers[0]
		if q.second {
			r = readers[len(readers)-1]
		}
		c := &cursor{tx: r.tx, name: q.name}
		if db.d.name == "postgres" {
			name := fmt.Sprintf("kizuna_scan_facts_%d", i)
			if _, err := r.tx.ExecContext(ctx, `DECLARE `+name+` NO SCROLL CURSOR FOR `+db.q(q.query), args...); err != nil {
				return fmt.Errorf("%s: declare %s: %w", op, q.name, err)
			}
			c.fetch = fmt.Sprintf("FETCH FORWARD %d FROM %s", scanChunk, name)
		} else {
			var err error
			if c.rows, err = r.tx.QueryContext(ctx, q.query, args...); err != nil {
				return fmt.Errorf("%s: %s: %w", op, q.name, err)
			}
			r.rows = append(r.rows, c.rows)
		}
		c.requests = r.requests
		curs[i] = c
	}
	m := &merger{
		loc:     a.Location(),
		friends: newStream(curs[0], 9, decodeFriend),
		tags:    newStream(curs[1], 2, decodeString),
		shopify: newStream(curs[2], 2, decodeString),
		lists:   newStream(curs[3], 3, decodeList),
		props:   newStream(curs[4], 6, decodeProp),
	}
	if err := m.run(ctx, readers, fn); err != nil {
		if e, ok := err.(fnError); ok {
			return e.err
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// secondScanConn admits one scan at a time (in the process) to a second
// connection: scans that each held a connection while waiting for another
// could take the whole pool and wait for each other forever.
var secondScanConn = make(chan struct{}, 1)

// beginScan begins the read transactions of a scan: two on two connections
// that see the same snapshot, or, when another scan has the second
// connection or the snapshot cannot be shared, one. end ends them.
//
// PostgreSQL shares a snapshot as documented: the first transaction exports
// it (pg_export_snapshot) and the second adopts it (SET TRANSACTION
// SNAPSHOT) while the first is open.
//
// SQLite has no such API, but a WAL read transaction's snapshot is the
// database as last committed when it began, so two transactions begun with
// no commit in between see the same. The second connection reads PRAGMA
// data_version, which changes when another connection commits, before the
// first transaction begins and again once its own has: the same value means
// no commit came in between. Otherwise it tries again, a few times.
func (db *DB) beginScan(ctx context.Context, a *kizuna.Account) (txs []*sql.Tx, end func(), err error) {
	opts := &sql.TxOptions{ReadOnly: true, Isolation: db.snapshot()}
	select {
	case secondScanConn <- struct{}{}:
		txs, end, err = db.beginScanPair(ctx, opts, a)
		if txs == nil {
			<-secondScanConn
		} else {
			end0 := end
			end = func() { end0(); <-secondScanConn }
		}
		if txs != nil || err != nil {
			return txs, end, err
		}
	default:
	}
	tx, err := db.read.BeginTx(ctx, opts)
	if err != nil {
		return nil, nil, err
	}
	return []*sql.Tx{tx}, func() { tx.Rollback() }, nil
}

// snapshotIDRe is what PostgreSQL's snapshot IDs look like, such as
// "00000003-0000001B-1": nothing to escape when written into a statement.
var snapshotIDRe = regexp.MustCompile(`^[0-9A-Fa-f-]+$`)

// beginScanPair begins two read transactions that see the same snapshot, on
// two connections, or returns none (and no error) when they would not.
func (db *DB) beginScanPair(ctx context.Context, opts *sql.TxOptions, a *kizuna.Account) (txs []*sql.Tx, end func(), err error) {
	if db.d.name == "postgres" {
		first, err := db.read.BeginTx(ctx, opts)
		if err != nil {
			return nil, nil, err
		}
		var id string
		if err := first.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&id); err != nil || !snapshotIDRe.MatchString(id) {
			first.Rollback() // a server that cannot export snapshots: scan with one transaction
			return nil, nil, ctx.Err()
		}
		second, err := db.read.BeginTx(ctx, opts)
		if err != nil {
			first.Rollback()
			return nil, nil, err
		}
		if _, err := second.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+id+`'`); err != nil {
			second.Rollback()
			first.Rollback()
			return nil, nil, err
		}
		return []*sql.Tx{first, second}, func() { second.Rollback(); first.Rollback() }, nil
	}
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	// begin begins a transaction and reads in it, which fixes its snapshot.
	begin := func(b interface {
		BeginTx(context.Context, *sql.TxOptions) (*sql.Tx, error)
	}) (*sql.Tx, error) {
		tx, err := b.BeginTx(ctx, opts)
		if err != nil {
			return nil, err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM accounts WHERE id = ?`, a.ID).Scan(&n); err != nil {
			tx.Rollback()
			return nil, err
		}
		return tx, nil
	}
	for range 3 {
		var before, after int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&before); err != nil {
			conn.Close()
			return nil, nil, err
		}
		first, err := begin(db.read)
		if err != nil {
			conn.Close()
			return nil, nil, err
		}
		second, err := begin(conn)
		if err == nil {
			if err = second.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&after); err != nil {
				second.Rollback()
			}
		}
		if err != nil {
			first.Rollback()
			conn.Close()
			return nil, nil, err
		}
		if before == after {
			return []*sql.Tx{first, second}, func() { second.Rollback(); conn.Close(); first.Rollback() }, nil
		}
		second.Rollback()
		first.Rollback()
	}
	conn.Close() // written to all along: scan with one transaction
	return nil, nil, nil
}

// scanReader is a read transaction of a scan and the goroutine that reads
// its queries.
type scanReader struct {
	tx       *sql.Tx
	rows     []*sql.Rows // SQLite: the open queries
	requests chan filler // streams whose next chunk the merge wants
}

func (r *scanReader) closeRows() {
	for _, rows := range r.rows {
		rows.Close()
	}
}

// read runs the reader's goroutine until stop is closed.
func (r *scanReader) read(ctx context.Context, stop <-chan struct{}) {
	var failed error
	for {
		select {
		case <-stop:
			return
		case s := <-r.requests:
			if err := s.fill(ctx, failed); err != nil && failed == nil {
				failed = err
			}
		}
	}
}

// scanChunk is how many rows of a query are read and handed over at a time:
// on PostgreSQL, the rows of one FETCH.
const scanChunk = 10000

// scanQueries returns the five queries of ScanFacts, each ordered by friend
// ID and restricted to one account, whose friend IDs satisfy sel (such as
// "BETWEEN ? AND ?"). The parameters are sel's, then the account. Flags are packed
// into one integer column and strings avoided where a number will do: every
// column costs the drivers a call and often an allocation.
//
// On SQLite the friends query scans the ID range of the table in rowid order
// ("+" keeps the planner from the (account_id, line_user_id) index, whose
// order would mean sorting the whole account first), and each child query
// scans the range of its table in primary key order, checking the account
// with a rowid lookup of the friend (CROSS JOIN fixes that join order in
// SQLite): nothing is sorted, so rows stream from the start. PostgreSQL plans
// the same text as merge joins of the primary keys. A friend's tags come in
// tag ID order and are sorted by the merge (sorting them by name in SQL
// costs SQLite a sorter per friend).
func scanQueries(d dialect, sel string, own bool) [5]scanQuery {
	account := "account_id"
	if d.name == "sqlite" {
		account = "+account_id"
	}
	// child returns a child table's query: joined with friends to keep to
	// the account's friends, unless every friend selected is the account's.
	child := func(cols, table, alias, order string) (string, bool) {
		if own {
			return `SELECT ` + cols + ` FROM ` + table + ` ` + alias + ` WHERE ` + alias + `.friend_id ` + sel + ` ORDER BY ` + order, false
		}
		return `SELECT ` + cols + ` FROM ` + table + ` ` + alias + ` CROSS JOIN friends f
			WHERE ` + alias + `.friend_id ` + sel + ` AND f.id = ` + alias + `.friend_id AND f.account_id = ? ORDER BY ` + order, true
	}
	shopify, shopifyAccount := child(`st.friend_id, st.tag_norm`, `friend_shopify_tags`, `st`, `st.friend_id, st.tag`)
	lists, listsAccount := child(`l.friend_id, CASE WHEN l.source = 'hubspot' THEN 1 ELSE 0 END, l.list_id`, `friend_lists`, `l`, `l.friend_id, l.source, l.list_id`)
	props, propsAccount := child(`p.friend_id, p.name,
			CASE WHEN p.source = 'hubspot' THEN 1 ELSE 0 END + 2 * p.known + CASE WHEN p.bool IS NULL THEN 0 ELSE 4 + 8 * p.bool END,
			p.text_norm, p.num, p.day`, `friend_properties`, `p`, `p.friend_id, p.source, p.name`)
	return [5]scanQuery{
		{"friends", `SELECT id, line_user_id, display_name, added_at_us, added_day,
			CASE WHEN status = 'following' THEN 1 ELSE 0 END + 2 * shopify_linked + 4 * hubspot_linked + 8 * klaviyo_linked + 16 * added_estimated,
			shopify_orders_count, shopify_last_order_day, shopify_abandoned_us
			FROM friends WHERE id ` + sel + ` AND ` + account + ` = ? ORDER BY id`, false, true},
		{"tags", `SELECT ft.friend_id, t.name FROM friend_tags ft CROSS JOIN tags t
			WHERE ft.friend_id ` + sel + ` AND t.id = ft.tag_id AND t.account_id = ? ORDER BY ft.friend_id, ft.tag_id`, false, true},
		{"shopify tags", shopify, false, shopifyAccount},
		{"lists", lists, false, listsAccount},
		{"properties", props, true, propsAccount},
	}
}

type scanQuery struct {
	name, query string
	second      bool // read on the second connection, if there is one
	account     bool // the account is its last parameter
}

// Bits of the packed flags columns.
const (
	flagFollowing = 1 << iota // friends
	flagShopify
	flagHubSpot
	flagKlaviyo
	flagAddedEstimated
)

const (
	propHubSpot = 1 << iota // properties: from HubSpot, else Klaviyo
	propKnown
	propHasBool
	propTrue
)

// cursor reads one query in chunks.
type cursor struct {
	tx       *sql.Tx
	name     string
	requests chan filler // the requests of the cursor's reader
	rows     *sql.Rows   // SQLite: the query, open for the whole scan
	fetch    string      // PostgreSQL: the FETCH of the query's server-side cursor
	done     bool        // no rows left after those read
}

// read calls each for the next rows, at most scanChunk of them, and sets done
// once the query has no more.
func (c *cursor) read(ctx context.Context, each func(*sql.Rows) error) error {
	rows := c.rows
	if rows == nil {
		var err error
		if rows, err = c.tx.QueryContext(ctx, c.fetch); err != nil {
			return err
		}
		defer rows.Close()
	}
	n := 0
	for n < scanChunk && rows.Next() {
		if err := each(rows); err != nil {
			return err
		}
		n++
	}
	if n < scanChunk {
		c.done = true
		if err := rows.Err(); err != nil {
			return err
		}
		return rows.Close()
	}
	return nil
}

// chunk is rows of a stream, each with the ID of its friend, handed from the
// reading goroutine to the merging one and back for reuse.
type chunk[T any] struct {
	ids  []int64
	rows []T
	last bool  // no chunk follows
	err  error // reading failed: the chunk is the last
}

// stream is one query's side of the merge. The reading goroutine fills
// chunks (fill) on request; the merging one consumes them (head).
type stream[T any] struct {
	cursor *cursor
	decode func(vals []any, id *int64, row *T) error
	full   chan *chunk[T] // read chunks, in order
	free   chan *chunk[T] // consumed chunks, for reuse

	// Reading goroutine only.
	vals, dest []any // scan destinations: dest[i] = &vals[i]
	done       bool

	// Merging goroutine only.
	cur *chunk[T]
	i   int // next row of cur
}

// prefetch is how many chunks of a stream are requested ahead of the one
// being merged.
const prefetch = 2

func newStream[T any](c *cursor, cols int, decode func([]any, *int64, *T) error) *stream[T] {
	s := &stream[T]{cursor: c, decode: decode,
		full: make(chan *chunk[T], prefetch), free: make(chan *chunk[T], prefetch+1),
		vals: make([]any, cols), dest: make([]any, cols)}
	for i := range s.vals {
		s.dest[i] = &s.vals[i]
	}
	for range prefetch {
		c.requests <- s
	}
	return s
}

// filler is a stream as the reading goroutine sees it.
type filler interface {
	fill(ctx context.Context, failed error) error
}

// fill reads the next chunk and sends it to the merge. After a failure of
// any stream (failed) it sends that error instead of reading.
func (s *stream[T]) fill(ctx context.Context, failed error) error {
	if s.done {
		return nil // a request made before the last chunk arrived
	}
	var c *chunk[T]
	select {
	case c = <-s.free:
		c.ids, c.rows = c.ids[:0], c.rows[:0]
	default:
		c = &chunk[T]{ids: make([]int64, 0, scanChunk), rows: make([]T, 0, scanChunk)}
	}
	err := failed
	if err == nil {
		var zero T
		err = s.cursor.read(ctx, func(rows *sql.Rows) error {
			if err := rows.Scan(s.dest...); err != nil {
				return err
			}
			c.ids, c.rows = append(c.ids, 0), append(c.rows, zero)
			n := len(c.ids) - 1
			return s.decode(s.vals, &c.ids[n], &c.rows[n])
		})
		if err != nil {
			err = fmt.Errorf("%s: %w", s.cursor.name, err)
		}
	}
	c.err, c.last = err, err != nil || s.cursor.done
	s.done = c.last
	s.full <- c // never blocks: at most prefetch chunks are requested and not received
	return err
}

// head returns the friend ID of the next row, waiting for the next chunk when
// the current one is used up; ok is false when no rows are left.
func (s *stream[T]) head() (id int64, ok bool, err error) {
	for s.cur == nil || s.i == len(s.cur.ids) {
		if s.cur != nil {
			if s.cur.err != nil {
				return 0, false, s.cur.err
			}
			if s.cur.last {
				return 0, false, nil
			}
			s.free <- s.cur // never blocks: prefetch+1 chunks exist at most
		}
		s.cur, s.i = <-s.full, 0
		if !s.cur.last {
			s.cursor.requests <- s
		}
	}
	return s.cur.ids[s.i], true, nil
}

// next returns the next row of friend id, the friend the merge is at, or
// nil when it has no more. A row of a lower ID would belong to a friend that
// the friends query did not return (or returned out of order): the snapshot
// makes that impossible.
func (s *stream[T]) next(id int64) (*T, error) {
	fid, ok, err := s.head()
	if err != nil || !ok || fid > id {
		return nil, err
	}
	if fid < id {
		return nil, fmt.Errorf("%s: a row of friend %d came after friend %d: the rows are not ordered by friend, or the friend is missing", s.cursor.name, fid, id)
	}
	s.i++
	return &s.cur.rows[s.i-1], nil
}

// Decoding of the scanned values. Both drivers return INTEGER and BIGINT
// columns as int64, REAL and DOUBLE PRECISION as float64, TEXT as string and
// NULL as nil.

func intValue(v any) (int64, bool, error) {
	switch x := v.(type) {
	case int64:
		return x, true, nil
	case nil:
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("got %T, want an integer", v)
}

func floatValue(v any) (float64, bool, error) {
	switch x := v.(type) {
	case float64:
		return x, true, nil
	case int64:
		return float64(x), true, nil
	case nil:
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("got %T, want a number", v)
}

func stringValue(v any) (string, bool, error) {
	switch x := v.(type) {
	case string:
		return x, true, nil
	case []byte:
		return string(x), true, nil
	case nil:
		return "", false, nil
	}
	return "", false, fmt.Errorf("got %T, want text", v)
}

// decoder decodes a row's values in order, keeping the first error.
type decoder struct {
	vals []any
	i    int
	err  error
}

func (d *decoder) next() any {
	v := d.vals[d.i]
	d.i++
	return v
}

func (d *decoder) int(v *int64) bool {
	n, ok, err := intValue(d.next())
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("column %d: %w", d.i, err)
	}
	*v = n
	return ok
}

func (d *decoder) float(v *float64) bool {
	f, ok, err := floatValue(d.next())
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("column %d: %w", d.i, err)
	}
	*v = f
	return ok
}

func (d *decoder) string(v *string) bool {
	s, ok, err := stringValue(d.next())
	if err != nil && d.err == nil {
		d.err = fmt.Errorf("column %d: %w", d.i, err)
	}
	*v = s
	return ok
}

// scanFriendRow is a row of the friends query.
type scanFriendRow struct {
	lineUserID, displayName         string
	addedUS, addedDay, flags        int64
	orders, lastOrderDay, abandoned int64
	hasLastOrderDay, hasAbandoned   bool
}

func decodeFriend(vals []any, id *int64, f *scanFriendRow) error {
	d := decoder{vals: vals}
	d.int(id)
	d.string(&f.lineUserID)
	d.string(&f.displayName)
	d.int(&f.addedUS)
	d.int(&f.addedDay)
	d.int(&f.flags)
	d.int(&f.orders)
	f.hasLastOrderDay = d.int(&f.lastOrderDay)
	f.hasAbandoned = d.int(&f.abandoned)
	return d.err
}

func decodeString(vals []any, id *int64, s *string) error {
	d := decoder{vals: vals}
	d.int(id)
	d.string(s)
	return d.err
}

// scanListRow is a row of the lists query.
type scanListRow struct {
	hubspot int64 // 1: a HubSpot segment, 0: a Klaviyo list
	listID  string
}

func decodeList(vals []any, id *int64, l *scanListRow) error {
	d := decoder{vals: vals}
	d.int(id)
	d.int(&l.hubspot)
	d.string(&l.listID)
	return d.err
}

// scanPropRow is a row of the properties query.
type scanPropRow struct {
	name  string
	flags int64
	r     kizuna.PropertyReading
}

func decodeProp(vals []any, id *int64, p *scanPropRow) error {
	d := decoder{vals: vals}
	d.int(id)
	d.string(&p.name)
	d.int(&p.flags)
	p.r.HasText = d.string(&p.r.Text)
	p.r.HasNum = d.float(&p.r.Num)
	var day int64
	p.r.HasDay = d.int(&day)
	p.r.Day = kizuna.Day(day)
	p.r.Known = p.flags&propKnown != 0
	p.r.HasBool = p.flags&propHasBool != 0
	p.r.Bool = p.flags&propTrue != 0
	return d.err
}

// merger merges the five streams of ScanFacts.
type merger struct {
	loc     *time.Location
	friends *stream[scanFriendRow]
	tags    *stream[string]
	shopify *stream[string]
	lists   *stream[scanListRow]
	props   *stream[scanPropRow]

	slab factsSlab
}

// fnError carries fn's error past the wrapping of the scan's own.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// ctxCheckEvery is how many friends pass between checks of the context (the
// drivers check it only when they go to the database).
const ctxCheckEvery = 256

// run runs the readers' goroutines and merges what they read on this one.
func (m *merger) run(ctx context.Context, readers []*scanReader, fn func(*kizuna.FriendFacts) error) error {
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Go(func() { r.read(ctx, stop) })
	}
	// The transactions are closed after this returns: the readers must be
	// done with them.
	defer func() {
		close(stop)
		wg.Wait()
	}()
	return m.merge(ctx, fn)
}

func (m *merger) merge(ctx context.Context, fn func(*kizuna.FriendFacts) error) error {
	prev := int64(0)
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		id, ok, err := m.friends.head()
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if n > 0 && id <= prev {
			return fmt.Errorf("friends: friend %d came after friend %d", id, prev)
		}
		prev = id
		ff := m.facts(&m.friends.cur.rows[m.friends.i])
		m.friends.i++
		if err := m.children(id, ff); err != nil {
			return err
		}
		if err := fn(ff); err != nil {
			return fnError{err}
		}
	}
	// Every child row belongs to a friend of the account, all of which have
	// been merged: a row left over would belong to none.
	for _, head := range []func() (int64, bool, error){m.tags.head, m.shopify.head, m.lists.head, m.props.head} {
		fid, ok, err := head()
		if err != nil {
			return err
		}
		if ok {
			return fmt.Errorf("a row of friend %d came after the last friend, %d", fid, prev)
		}
	}
	return nil
}

// facts returns the facts of a friends row, without its child rows.
func (m *merger) facts(f *scanFriendRow) *kizuna.FriendFacts {
	ff := m.slab.friend()
	*ff = kizuna.FriendFacts{
		LineUserID:  f.lineUserID,
		DisplayName: f.displayName,
		Following:   f.flags&flagFollowing != 0,
		AddedAt:     time.UnixMicro(f.addedUS).In(m.loc),
		AddedDay:    kizuna.Day(f.addedDay),
		// The flag's own bit: the added date is a follower sync's time.
		AddedEstimated: f.flags&flagAddedEstimated != 0,
	}
	if f.flags&flagShopify != 0 {
		sf := m.slab.shopify()
		*sf = kizuna.ShopifyFacts{OrdersCount: f.orders}
		if f.hasLastOrderDay {
			sf.HasLastOrder, sf.LastOrderDay = true, kizuna.Day(f.lastOrderDay)
		}
		if f.hasAbandoned {
			sf.HasAbandoned, sf.AbandonedAt = true, time.UnixMicro(f.abandoned).In(m.loc)
		}
		ff.Shopify = sf
	}
	if f.flags&flagHubSpot != 0 {
		ff.HubSpot = m.slab.contact()
	}
	if f.flags&flagKlaviyo != 0 {
		ff.Klaviyo = m.slab.contact()
	}
	return ff
}

// children adds the child rows of friend id to its facts. Rows of an
// integration the friend is not linked to are skipped (the import writes
// none).
func (m *merger) children(id int64, ff *kizuna.FriendFacts) error {
	buf, buf2 := m.slab.buf[:0], m.slab.buf2[:0]
	defer func() { m.slab.buf, m.slab.buf2 = buf[:0], buf2[:0] }()
	for {
		t, err := m.tags.next(id)
		if err != nil {
			return err
		} else if t == nil {
			break
		}
		buf = append(buf, *t)
	}
	slices.Sort(buf)
	ff.Tags = m.slab.strings(buf)
	buf = buf[:0]
	for {
		t, err := m.shopify.next(id)
		if err != nil {
			return err
		} else if t == nil {
			break
		}
		buf = append(buf, *t)
	}
	if ff.Shopify != nil {
		ff.Shopify.TagsNorm = m.slab.strings(buf)
	}
	buf = buf[:0]
	for {
		l, err := m.lists.next(id)
		if err != nil {
			return err
		} else if l == nil {
			break
		}
		if l.hubspot == 1 {
			buf = append(buf, l.listID)
		} else {
			buf2 = append(buf2, l.listID)
		}
	}
	if ff.HubSpot != nil {
		ff.HubSpot.Lists = m.slab.strings(buf)
	}
	if ff.Klaviyo != nil {
		ff.Klaviyo.Lists = m.slab.strings(buf2)
	}
	for {
		p, err := m.props.next(id)
		if err != nil {
			return err
		} else if p == nil {
			return nil
		}
		c := ff.Klaviyo
		if p.flags&propHubSpot != 0 {
			c = ff.HubSpot
		}
		if c != nil {
			c.Properties[p.name] = p.r
		}
	}
}

// factsSlab allocates the parts of facts many at a time. They are never
// reused: fn may keep what it is given.
type factsSlab struct {
	friends  []kizuna.FriendFacts
	shopifys []kizuna.ShopifyFacts
	contacts []kizuna.ContactFacts
	strs     []string
	buf      []string // scratch
	buf2     []string
}

const slabSize = 256

func (s *factsSlab) friend() *kizuna.FriendFacts {
	if len(s.friends) == 0 {
		s.friends = make([]kizuna.FriendFacts, slabSize)
	}
	f := &s.friends[0]
	s.friends = s.friends[1:]
	return f
}

func (s *factsSlab) shopify() *kizuna.ShopifyFacts {
	if len(s.shopifys) == 0 {
		s.shopifys = make([]kizuna.ShopifyFacts, slabSize)
	}
	f := &s.shopifys[0]
	s.shopifys = s.shopifys[1:]
	return f
}

// contact returns linked contact facts with an empty property map.
func (s *factsSlab) contact() *kizuna.ContactFacts {
	if len(s.contacts) == 0 {
		s.contacts = make([]kizuna.ContactFacts, slabSize)
	}
	c := &s.contacts[0]
	s.contacts = s.contacts[1:]
	c.Properties = map[string]kizuna.PropertyReading{}
	return c
}

// strings returns a copy of ss (nil when empty) whose capacity ends with it,
// so that appending to it cannot write over the next friend's strings.
func (s *factsSlab) strings(ss []string) []string {
	if len(ss) == 0 {
		return nil
	}
	if len(s.strs) < len(ss) {
		s.strs = make([]string, max(4*slabSize, len(ss)))
	}
	out := s.strs[:len(ss):len(ss)]
	copy(out, ss)
	s.strs = s.strs[len(ss):]
	return out
}
