package shopifyfake

import (
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// restPage reads the REST paging parameters: limit (≤ 250) and page_info,
// which must come alone (with limit and fields only).
func restPage(c *call) (limit int, after key, since time.Time, fail *answer) {
	q := c.r.URL.Query()
	limit = 50
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxFirst {
			a := restError(http.StatusBadRequest, "limit must be between 1 and 250")
			return 0, key{}, time.Time{}, &a
		}
		limit = n
	}
	after = key{-1 << 63, -1 << 63}
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				a := restError(http.StatusBadRequest, "page_info - Invalid value, parameters other than limit and fields are not allowed with page_info")
				return 0, key{}, time.Time{}, &a
			}
		}
		// The cursor is past the first page's updated_at_min already:
		// the list is in updated_at order, so the filter holds.
		k, _, ok := parseCursor(pi)
		if !ok {
			a := restError(http.StatusBadRequest, "page_info - Invalid value")
			return 0, key{}, time.Time{}, &a
		}
		after = k
	}
	if s := q.Get("updated_at_min"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			a := restError(http.StatusBadRequest, "updated_at_min - Invalid value")
			return 0, key{}, time.Time{}, &a
		}
		since = t
	}
	return limit, after, since, nil
}

// restList answers a REST list: the call limit header, Link paging.
func (f *Fake) restList(c *call, name string, list func(after key, since time.Time, limit int) ([]any, *key, bool)) answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	used, ok := f.restAllow()
	if !ok {
		a := restError(http.StatusTooManyRequests, MsgRESTLimit)
		a.header = http.Header{"Retry-After": {"2.0"}, "X-Shopify-Shop-Api-Call-Limit": {used}}
		return a
	}
	limit, after, since, fail := restPage(c)
	if fail != nil {
		return *fail
	}
	rows, last, more := list(after, since, limit)
	a := jsonAnswer(http.StatusOK, map[string]any{name: rows})
	a.header = http.Header{"X-Shopify-Shop-Api-Call-Limit": {used}}
	if more && last != nil {
		u := url.URL{Scheme: "http", Host: c.r.Host, Path: c.r.URL.Path, RawQuery: url.Values{"limit": {strconv.Itoa(limit)}, "page_info": {cursorOf(*last, 0)}}.Encode()}
		a.header.Set("Link", "<"+u.String()+`>; rel="next"`)
	}
	return a
}

func (f *Fake) restCustomersAnswer(c *call) answer {
	return f.restList(c, "customers", func(after key, since time.Time, limit int) ([]any, *key, bool) {
		list, more := f.st.customersAfter(after, since, limit)
		rows := make([]any, len(list))
		for i, cu := range list {
			// REST customers keep their 2024-10 fields, tags as one string.
			rows[i] = map[string]any{
				"id": cu.id, "email": nilIfEmpty(cu.email), "created_at": rest(cu.createdAt), "updated_at": rest(cu.updatedAt),
				"orders_count": cu.orders, "tags": joinTags(cu.tags), "last_order_id": nilIfZero(cu.lastOrderID),
				"admin_graphql_api_id": gid("Customer", cu.id),
			}
		}
		return rows, lastKey(list), more
	})
}

func (f *Fake) restCheckoutsAnswer(c *call) answer {
	return f.restList(c, "checkouts", func(after key, since time.Time, limit int) ([]any, *key, bool) {
		list, more := f.st.checkoutsAfter(after, since, limit)
		rows := make([]any, len(list))
		for i, ck := range list {
			cu := f.st.peek(ck.customerID)
			if cu == nil {
				cu = &customer{id: ck.customerID}
			}
			rows[i] = f.restCheckout(ck, cu)
		}
		return rows, lastKey(list), more
	})
}

func joinTags(tags []string) string {
	s := ""
	for i, t := range tags {
		if i > 0 {
			s += ", "
		}
		s += t
	}
	return s
}

func nilIfZero(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}
