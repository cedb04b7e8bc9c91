package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/kizuna-line/kizuna"
)

// isStale reports whether err refuses a segment save made from an older
// version of the segment.
func isStale(err error) bool {
	var e *kizuna.Error
	return errors.As(err, &e) && e.Code == kizuna.ECONFLICT && e.Path == kizuna.StalePath
}

// staleMessage says, in lang, who changed segment id last and when (in the
// account's zone), for an editor whose save came from an older version.
func (s *Server) staleMessage(ctx context.Context, a *kizuna.Account, lang string, id int64) (string, error) {
	hist, err := s.Store.SegmentHistory(ctx, a, id)
	if err != nil {
		return "", err
	}
	last := hist[len(hist)-1]
	return fmt.Sprintf(t(lang, "segment.stale"), last.Actor, last.At.In(a.Location()).Format("2006-01-02 15:04")), nil
}

// refuseStale shows the editor again with what was typed (p), the segment
// as it is now (so that saving again is made from its current version), and
// who changed it and when.
func (s *Server) refuseStale(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, p *page, id int64) {
	ctx := r.Context()
	seg, err := s.Store.Segment(ctx, a, id)
	if err != nil {
		s.failOrNotFound(w, r, ss, err)
		return
	}
	msg, err := s.staleMessage(ctx, a, s.lang(r, ss.user), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Segment, p.Error = seg, msg
	s.renderEditor(w, r, ss, a, p, http.StatusConflict)
}
