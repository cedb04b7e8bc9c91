package web

import (
	"net/http"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// similarTag is a tag name typed on the tags page (to create, or to rename
// From to) that equals an existing tag after the contract's normalization
// (NFKC and case folding) without being it: "ＶＩＰ" when "VIP" exists.
// Friend tags stay distinct by exact name (spec section 1), so imports and
// the API accept such a tag; a person on a page (the tags page, or a
// friend's "Add tag") is asked first.
type similarTag struct {
	Existing, Name, From string
}

// warnSimilarTag shows the tags page with a warning and reports true when
// name (to create, or to rename from to) equals another tag after
// normalization and the form does not confirm it (confirm_similar).
func (s *Server) warnSimilarTag(w http.ResponseWriter, r *http.Request, ss *session, a *kizuna.Account, from, name string) bool {
	sim, err := s.similarTagTo(r, a, from, name)
	if err != nil {
		s.fail(w, r, err)
		return true
	}
	if sim != nil {
		s.tagsPageWith(w, r, ss, a, http.StatusConflict, sim)
	}
	return sim != nil
}

// similarTagTo returns the account's tag, other than from, that name equals
// after normalization without being it, unless the form confirms the name
// (confirm_similar); nil when there is none.
func (s *Server) similarTagTo(r *http.Request, a *kizuna.Account, from, name string) (*similarTag, error) {
	name = strings.TrimSpace(name)
	if name == "" || r.PostFormValue("confirm_similar") != "" {
		return nil, nil
	}
	tags, err := s.Store.Tags(r.Context(), a)
	if err != nil {
		return nil, err
	}
	norm := kizuna.Normalize(name)
	for _, tg := range tags {
		if tg.Name != name && tg.Name != from && kizuna.Normalize(tg.Name) == norm {
			return &similarTag{Existing: tg.Name, Name: name, From: from}, nil
		}
	}
	return nil, nil
}
