package hubspotfake

import (
	"slices"
	"sort"
	"strings"
	"time"
)

func (f *Fake) listByName(name string) *list {
	for _, l := range f.lists {
		if strings.EqualFold(l.name, name) {
			return l
		}
	}
	return nil
}

func (f *Fake) newList(name, kind string) *list {
	f.listSeq++
	for f.lists[f.listSeq+100] != nil {
		f.listSeq++
	}
	return f.newListID(f.listSeq+100, name, kind)
}

// newListID makes a list with that ID, which must be free.
func (f *Fake) newListID(id uint64, name, kind string) *list {
	now := f.now()
	l := &list{id: id, name: name, kind: kind, version: 1, created: now, updated: now,
		added: map[uint64]time.Time{}, removed: map[uint64]bool{}, genCount: -1}
	f.lists[l.id] = l
	return l
}

// addMember puts contact id in l; false when it was already there.
func (f *Fake) addMember(l *list, id uint64, at time.Time) bool {
	if _, ok := f.member(l, id); ok {
		return false
	}
	if f.genMember(l, id) {
		delete(l.removed, id)
	} else {
		l.added[id] = at
		l.sortedIDs = nil
	}
	l.updated = at
	return true
}

// removeMember takes contact id out of l; false when it was not there.
func (f *Fake) removeMember(l *list, id uint64) bool {
	if _, ok := f.member(l, id); !ok {
		return false
	}
	if _, ok := l.added[id]; ok {
		delete(l.added, id)
		l.sortedIDs = nil
	}
	if f.genMember(l, id) {
		l.removed[id] = true
	}
	l.updated = f.now()
	return true
}

// genMember reports whether the generator puts id in l.
func (f *Fake) genMember(l *list, id uint64) bool {
	return l.genBit != 0 && f.gen != nil && id >= 1 && id <= f.gen.n && f.gen.inList(id, l.genBit)
}

// member reports whether contact id is in the list, and since when.
func (f *Fake) member(l *list, id uint64) (time.Time, bool) {
	if at, ok := l.added[id]; ok {
		return at, true
	}
	if !l.removed[id] && f.genMember(l, id) {
		return f.gen.created(id), true
	}
	return time.Time{}, false
}

func (l *list) sorted() []uint64 {
	if l.sortedIDs == nil {
		l.sortedIDs = make([]uint64, 0, len(l.added))
		for id := range l.added {
			l.sortedIDs = append(l.sortedIDs, id)
		}
		slices.Sort(l.sortedIDs)
	}
	return l.sortedIDs
}

// nextMembers returns up to k members of l above after, ascending.
func (f *Fake) nextMembers(l *list, after uint64, k int) []uint64 {
	if l.genBit == 0 {
		s := l.sorted()
		i := sort.Search(len(s), func(i int) bool { return s[i] > after })
		return slices.Clone(s[i:min(len(s), i+k)])
	}
	var out []uint64
	for len(out) < k {
		ids := f.nextIDs(after, 1000)
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			if _, ok := f.member(l, id); ok {
				out = append(out, id)
				if len(out) == k {
					break
				}
			}
		}
		after = ids[len(ids)-1]
	}
	return out
}

// size is the number of members of l.
func (f *Fake) size(l *list) int {
	if l.genBit == 0 {
		return len(l.added)
	}
	if l.genCount < 0 {
		l.genCount = 0
		for id := uint64(1); id <= f.gen.n; id++ {
			if f.gen.inList(id, l.genBit) {
				l.genCount++
			}
		}
	}
	return l.genCount - len(l.removed) + len(l.added)
}
