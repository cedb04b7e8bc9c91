package kizuna

import (
	"context"
	"time"
)

// FriendFacts is a friend reduced to what filters test, with every value
// that does not depend on "now" already derived in the account's zone:
// calendar days, the most recent abandoned cart, normalized text, property
// readings. Stores keep these at write time; the in-memory engine is built
// from them.
type FriendFacts struct {
	LineUserID  string
	DisplayName string
	Following   bool
	AddedAt     time.Time
	AddedDay    Day
	// AddedEstimated: the added date is a follower sync's time.
	AddedEstimated bool
	Tags           []string      // friend tag names, exact
	Shopify        *ShopifyFacts // nil: not linked
	HubSpot        *ContactFacts // nil: not linked
	Klaviyo        *ContactFacts // nil: not linked
}

// ShopifyFacts is what filters test of a linked Shopify customer.
type ShopifyFacts struct {
	OrdersCount  int64
	HasLastOrder bool
	LastOrderDay Day
	HasAbandoned bool
	AbandonedAt  time.Time // most recent abandoned cart
	TagsNorm     []string  // Normalize of each customer tag
}

// ContactFacts is what filters test of a linked HubSpot contact or Klaviyo
// profile: its list (segment) IDs and its properties as read.
type ContactFacts struct {
	Lists      []string
	Properties map[string]PropertyReading
}

// FactsOf derives a friend's facts in the account's zone loc.
func FactsOf(f *Friend, loc *time.Location) *FriendFacts {
	ff := &FriendFacts{
		LineUserID:  f.LineUserID,
		DisplayName: f.DisplayName,
		Following:   f.Status == StatusFollowing,
		AddedAt:     f.AddedAt,
		AddedDay:    DayOf(f.AddedAt, loc),
		Tags:        f.Tags,
		// The date is as estimated as the friend's.
		AddedEstimated: f.AddedEstimated,
	}
	if s := f.Shopify; s != nil {
		sf := &ShopifyFacts{OrdersCount: s.OrdersCount}
		if s.LastOrderAt != nil {
			sf.HasLastOrder, sf.LastOrderDay = true, DayOf(*s.LastOrderAt, loc)
		}
		sf.AbandonedAt, sf.HasAbandoned = s.AbandonedAt()
		for _, t := range s.Tags {
			sf.TagsNorm = append(sf.TagsNorm, Normalize(t))
		}
		ff.Shopify = sf
	}
	contact := func(lists []string, props Properties) *ContactFacts {
		c := &ContactFacts{Lists: lists, Properties: make(map[string]PropertyReading, len(props))}
		for name, raw := range props {
			c.Properties[name] = ReadProperty(raw, loc)
		}
		return c
	}
	if h := f.HubSpot; h != nil {
		ff.HubSpot = contact(h.Segments, h.Properties)
	}
	if k := f.Klaviyo; k != nil {
		ff.Klaviyo = contact(k.Lists, k.Properties)
	}
	return ff
}

// FactsScanner streams the facts of every friend of an account, blocked
// friends included, in one consistent snapshot, and tells whether they
// changed: FriendsVersion grows with every committed write to the account's
// friends, by any process.
type FactsScanner interface {
	ScanFacts(ctx context.Context, account *Account, fn func(*FriendFacts) error) error
	FriendsVersion(ctx context.Context, account *Account) (int64, error)
	// FriendsVersions returns the friends version of each account, by
	// account ID, in one read (a follower's poll of every loaded account).
	FriendsVersions(ctx context.Context, accounts []*Account) (map[int64]int64, error)
	// TagNames lists the account's friend tags, carried by a friend or not.
	TagNames(ctx context.Context, account *Account) ([]string, error)
	// FriendChanges reads, in one snapshot, what changed in the account's
	// friends after version since: the current facts of the friends written
	// since, and which of them are gone. When more than limit friends
	// changed, or the change log no longer reaches back to since, it returns
	// Rebuild instead.
	FriendChanges(ctx context.Context, account *Account, since int64, limit int) (*FriendChanges, error)
}

// FriendChanges brings an index of an account's friends from one friends
// version to Version.
type FriendChanges struct {
	Version  int64
	Rebuild  bool           // too much changed, or the log is gone: scan everything again
	Friends  []*FriendFacts // the changed friends that exist, as they are now
	Gone     []string       // the changed friends that no longer exist
	TagNames []string       // every friend tag of the account now
}
