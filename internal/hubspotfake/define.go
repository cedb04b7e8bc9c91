package hubspotfake

import "strconv"

// DefineList makes a list with a given ID, name and kind (MANUAL,
// DYNAMIC or SNAPSHOT), or renames the list with that ID; LoadFriends then
// puts a friend whose segment is the ID in it. It returns the ID.
func (f *Fake) DefineList(id uint64, name, kind string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if l := f.lists[id]; l != nil {
		l.name, l.updated = name, f.now()
	} else {
		f.newListID(id, name, kind)
	}
	return strconv.FormatUint(id, 10)
}
