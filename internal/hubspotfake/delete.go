package hubspotfake

import (
	"context"
	"fmt"
	"slices"
	"strconv"
)

// SubscriptionDeletion is the ID of the fake's contact.deletion
// subscription.
const SubscriptionDeletion = 23

// DeleteContact deletes a contact made by CreateContact or LoadFriends
// (not a generated one) and sends contact.deletion: reads by ID then
// report it missing, as HubSpot's do for an archived contact.
func (f *Fake) DeleteContact(ctx context.Context, contactID string) error {
	id, _ := strconv.ParseUint(contactID, 10, 64)
	f.mu.Lock()
	if f.contacts[id] == nil || (f.gen != nil && id >= 1 && id <= f.gen.n) {
		f.mu.Unlock()
		return fmt.Errorf("hubspotfake: no contact %s made by hand", contactID)
	}
	delete(f.contacts, id)
	if i, found := slices.BinarySearch(f.extra, id); found {
		f.extra = slices.Delete(f.extra, i, i+1)
	}
	f.queue(SubscriptionDeletion, "contact.deletion", id, "", "", f.now())
	f.mu.Unlock()
	return f.afterMutation(ctx)
}
