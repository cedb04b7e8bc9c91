package shopifyfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// MaxFirst is the most nodes a connection returns on one page.
const MaxFirst = 250

// gqlRequest is a GraphQL request body.
type gqlRequest struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     map[string]any `json:"variables"`
}

var opRe = regexp.MustCompile(`^\s*(?:query|mutation)\s+([A-Za-z_][A-Za-z0-9_]*)`)
var fieldRe = regexp.MustCompile(`^\s*(?:(?:query|mutation)\s*(?:\([^)]*\))?\s*)?\{\s*([A-Za-z_][A-Za-z0-9_]*)`)

// operationOf returns the request's operation: operationName, else the
// name after query/mutation, else the first field.
func operationOf(body []byte) string {
	var req gqlRequest
	if json.Unmarshal(body, &req) != nil {
		return ""
	}
	if req.OperationName != "" {
		return req.OperationName
	}
	if m := opRe.FindStringSubmatch(req.Query); m != nil {
		return m[1]
	}
	if m := fieldRe.FindStringSubmatch(req.Query); m != nil {
		return m[1]
	}
	return ""
}

// gqlError is one entry of a GraphQL errors array.
type gqlError struct {
	Message    string         `json:"message"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func gqlErrors(status int, code, msg string) answer {
	return jsonAnswer(status, map[string]any{"errors": []gqlError{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// graphqlAnswer routes a GraphQL request by its operation.
func (f *Fake) graphqlAnswer(c *call) answer {
	var req gqlRequest
	if err := json.Unmarshal(c.body, &req); err != nil || req.Query == "" {
		return jsonAnswer(http.StatusBadRequest, map[string]any{"errors": map[string]string{"query": "Required parameter missing or invalid"}})
	}
	var handle func(*call, *gqlRequest) (any, int, *answer)
	switch strings.ToLower(c.op) {
	case "customers":
		handle = f.customers
	case "abandonedcheckouts":
		handle = f.abandonedCheckouts
	case "shop":
		handle = f.shop
	case "customer":
		handle = f.customerByID
	case "bulkoperationrunquery":
		handle = f.bulkRun
	case "currentbulkoperation":
		handle = f.bulkCurrent
	case "node", "bulkoperation":
		handle = f.bulkNode
	default:
		return gqlErrors(http.StatusOK, "undefinedField", "The fake knows no operation "+strconv.Quote(c.op))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	requested := 1
	if first, ok := intVar(req.Variables, "first"); ok {
		if first < 1 || first > MaxFirst {
			return gqlErrors(http.StatusOK, "BAD_REQUEST", "The first argument must be between 1 and 250 (was "+strconv.Itoa(first)+")")
		}
		requested = first + 2
	}
	if !f.spend(requested) {
		return jsonAnswer(f.cfg.ThrottleStatus, map[string]any{
			"errors": []gqlError{{Message: "Throttled", Extensions: map[string]any{
				"code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}},
			"extensions": map[string]any{"cost": cost{RequestedQueryCost: requested, ThrottleStatus: f.status()}},
		})
	}
	data, nodes, fail := handle(c, &req)
	if fail != nil {
		f.settle(requested, 1)
		return *fail
	}
	actual := min(requested, nodes+2)
	if nodes == 0 {
		actual = 1
	}
	return jsonAnswer(http.StatusOK, map[string]any{"data": data, "extensions": map[string]any{"cost": f.settle(requested, actual)}})
}

func intVar(v map[string]any, name string) (int, bool) {
	x, ok := v[name].(float64)
	return int(x), ok
}

func strVar(v map[string]any, names ...string) string {
	for _, n := range names {
		if s, ok := v[n].(string); ok {
			return s
		}
	}
	return ""
}

// cursorOf and parseCursor make opaque cursors.
// A cursor carries how deep the list it is from has been read, for the
// 25,000-object cap on paging.
func cursorOf(k key, depth int) string {
	b, _ := json.Marshal(map[string]int64{"last_id": k.id, "last_value": k.t, "depth": int64(depth)})
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseCursor(s string) (key, int, bool) {
	if s == "" {
		return key{-1 << 63, -1 << 63}, 0, true
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return key{}, 0, false
	}
	var m struct {
		ID    *int64 `json:"last_id"`
		T     *int64 `json:"last_value"`
		Depth int    `json:"depth"`
	}
	if json.Unmarshal(b, &m) != nil || m.ID == nil || m.T == nil {
		return key{}, 0, false
	}
	return key{*m.T, *m.ID}, m.Depth, true
}

var sinceRe = regexp.MustCompile(`updated_at:>=?\s*'?"?([0-9T:.\-+Z]+)`)

// sinceOf reads updated_at:>=T from a search query (the only filter the
// fake knows).
func sinceOf(q string) (time.Time, bool) {
	m := sinceRe.FindStringSubmatch(q)
	if m == nil {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339Nano, m[1])
	return t, err == nil
}

var metafieldRe = regexp.MustCompile(`metafield\(\s*namespace:\s*"([^"]*)"\s*,\s*key:\s*"([^"]*)"\s*\)`)

// meta says what a query asks of the metafield.
type meta int

const (
	metaNone  meta = iota // not asked: no metafield key
	metaOther             // another namespace or key: null
	metaLine              // the LINE user ID's
)

// metafieldAsked reads which metafield the query asks for: the one
// holding the LINE user ID (the configured namespace and key) or another.
func (f *Fake) metafieldAsked(q string, vars map[string]any) meta {
	if m := metafieldRe.FindStringSubmatch(q); m != nil {
		if m[1] == f.cfg.Namespace && m[2] == f.cfg.Key {
			return metaLine
		}
		return metaOther
	}
	if !strings.Contains(q, "metafield(") {
		return metaNone
	}
	if strVar(vars, "namespace", "ns") == f.cfg.Namespace && strVar(vars, "key") == f.cfg.Key {
		return metaLine
	}
	return metaOther
}

func gid(kind string, id int64) string { return "gid://shopify/" + kind + "/" + itoa(id) }

func ts(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func tsp(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ts(*t)
	return &s
}

// customerNode is a customer as the Customers query (and the bulk file)
// answers it.
func (f *Fake) customerNode(c *customer, withMeta meta) map[string]any {
	n := map[string]any{
		"id": gid("Customer", c.id), "legacyResourceId": itoa(c.id),
		"createdAt": ts(c.createdAt), "updatedAt": ts(c.updatedAt),
		"tags": c.tags, "numberOfOrders": itoa(c.orders),
		"lastOrder": nil, "defaultEmailAddress": nil,
	}
	if c.tags == nil {
		n["tags"] = []string{}
	}
	if c.lastOrderAt != nil {
		n["lastOrder"] = map[string]any{"id": gid("Order", c.lastOrderID), "createdAt": ts(*c.lastOrderAt)}
	}
	if c.email != "" {
		n["defaultEmailAddress"] = map[string]any{"emailAddress": c.email}
	}
	if withMeta != metaNone {
		n["metafield"] = nil
		if withMeta == metaLine && c.lineUserID != "" {
			n["metafield"] = map[string]any{"value": c.lineUserID}
		}
	}
	return n
}

func checkoutNode(ck *checkout) map[string]any {
	n := map[string]any{
		"id": gid("AbandonedCheckout", ck.id), "name": "#" + itoa(ck.id%1000000),
		"createdAt": ts(ck.createdAt), "updatedAt": ts(ck.updatedAt), "completedAt": tsp(ck.completedAt),
		"customer": nil,
	}
	if ck.customerID != 0 {
		n["customer"] = map[string]any{"id": gid("Customer", ck.customerID)}
	}
	return n
}

// MsgTooDeep is the error of a page past the paging cap.
const MsgTooDeep = "Pagination is limited to 25000 objects: filter the query by updated_at or use a bulk operation"

func (f *Fake) pageArgs(req *gqlRequest) (first int, after key, depth int, since time.Time, fail *answer) {
	first, ok := intVar(req.Variables, "first")
	if !ok {
		a := gqlErrors(http.StatusOK, "argumentLiteralsIncompatible", "you must provide one of first or last")
		return 0, key{}, 0, time.Time{}, &a
	}
	after, depth, ok = parseCursor(strVar(req.Variables, "after"))
	if !ok {
		a := gqlErrors(http.StatusOK, "BAD_REQUEST", "Invalid cursor for current pagination sort.")
		return 0, key{}, 0, time.Time{}, &a
	}
	if f.cfg.MaxDepth > 0 && depth >= f.cfg.MaxDepth {
		a := gqlErrors(http.StatusOK, "BAD_REQUEST", MsgTooDeep)
		return 0, key{}, 0, time.Time{}, &a
	}
	since, ok = sinceOf(strVar(req.Variables, "query", "q"))
	if !ok {
		a := gqlErrors(http.StatusOK, "BAD_REQUEST", "Invalid updated_at in the search query")
		return 0, key{}, 0, time.Time{}, &a
	}
	return first, after, depth, since, nil
}

func (f *Fake) customers(c *call, req *gqlRequest) (any, int, *answer) {
	first, after, depth, since, fail := f.pageArgs(req)
	if fail != nil {
		return nil, 0, fail
	}
	list, more := f.st.customersAfter(after, since, first)
	meta := f.metafieldAsked(req.Query, req.Variables)
	nodes := make([]map[string]any, len(list))
	for i, cu := range list {
		nodes[i] = f.customerNode(cu, meta)
	}
	return map[string]any{"customers": connection(nodes, more, lastKey(list), depth+len(list))}, len(list), nil
}

func lastKey[T interface{ key() key }](list []T) *key {
	if len(list) == 0 {
		return nil
	}
	k := list[len(list)-1].key()
	return &k
}

func connection(nodes []map[string]any, more bool, last *key, depth int) map[string]any {
	var end any
	if last != nil {
		end = cursorOf(*last, depth)
	}
	return map[string]any{"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": more, "endCursor": end}}
}

func (f *Fake) abandonedCheckouts(c *call, req *gqlRequest) (any, int, *answer) {
	first, after, depth, since, fail := f.pageArgs(req)
	if fail != nil {
		return nil, 0, fail
	}
	list, more := f.st.checkoutsAfter(after, since, first)
	nodes := make([]map[string]any, len(list))
	for i, ck := range list {
		nodes[i] = checkoutNode(ck)
	}
	return map[string]any{"abandonedCheckouts": connection(nodes, more, lastKey(list), depth+len(list))}, len(list), nil
}

func (f *Fake) shop(c *call, req *gqlRequest) (any, int, *answer) {
	return map[string]any{
		"shop":           map[string]any{"name": "Kizuna Fake Shop", "myshopifyDomain": f.cfg.ShopDomain, "currencyCode": "JPY"},
		"customersCount": map[string]any{"count": f.st.total(), "precision": "EXACT"},
	}, 1, nil
}
