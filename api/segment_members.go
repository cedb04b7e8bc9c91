package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kizuna-line/kizuna"
)

// segmentMembers answers GET .../segments/{id}/members?limit=&after=: the
// segment's members now, most recently added first, a page at a time (at
// most kizuna.MaxFriendPage, 50 by default), with the total count and the
// cursor of the next page. The count and the page are taken at one instant.
func (s *Server) segmentMembers(w http.ResponseWriter, r *http.Request, a *kizuna.Account) error {
	id, err := pathID(r, "segment")
	if err != nil {
		return err
	}
	v := r.URL.Query()
	q := kizuna.FriendQuery{After: v.Get("after")}
	if q.Limit, err = pageLimit(v, 50); err != nil {
		return err
	}
	ctx := r.Context()
	seg, err := s.Store.Segment(ctx, a, id)
	if err != nil {
		return err
	}
	if q.Members, err = kizuna.ParseFilter(seg.Filter); err != nil {
		return err
	}
	q.Now = time.Now().UTC().Truncate(time.Microsecond)
	pv, err := s.Store.Preview(ctx, a, kizuna.PreviewRequest{Filter: seg.Filter, Now: q.Now, CountOnly: true})
	if err != nil {
		return err
	}
	page, err := s.Store.ListFriends(ctx, a, q)
	if err != nil {
		return err
	}
	s.respond(w, r, http.StatusOK, map[string]any{"count": pv.Count, "friends": page.Friends, "next": page.Next, "evaluated_at": q.Now})
	return nil
}

// pageLimit reads a page's ?limit=, 1 to kizuna.MaxFriendPage; absent, it
// is def.
func pageLimit(v url.Values, def int) (int, error) {
	l := v.Get("limit")
	if l == "" {
		return def, nil
	}
	n, err := strconv.Atoi(l)
	if err != nil || n <= 0 || n > kizuna.MaxFriendPage {
		return 0, kizuna.ErrorAt(kizuna.EINVALID, "limit", "limit must be a number from 1 to %d", kizuna.MaxFriendPage)
	}
	return n, nil
}
