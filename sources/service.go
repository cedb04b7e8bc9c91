package sources

import (
	"context"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// Store is what the Service needs of the store: connections, syncs,
// records and links, which sources count as connected, and the reads of
// conflicts and a friend's links.
type Store interface {
	kizuna.ConnectionStore
	kizuna.SourceSyncStore
	kizuna.SourceRecordStore
	Integrations(ctx context.Context, a *kizuna.Account) (map[string]bool, error)
	LinkConflicts(ctx context.Context, a *kizuna.Account, source string, limit int) ([]kizuna.LinkConflict, int, error)
	FriendLinks(ctx context.Context, a *kizuna.Account, lineUserID string) ([]sqlstore.FriendLink, error)
}

// Syncs queues the sync of a source (jobs.Jobs does, on the durable job
// engine).
type Syncs interface {
	StartSourceSync(ctx context.Context, a *kizuna.Account, source, kind string) error
}

var _ Store = (*sqlstore.DB)(nil)

// Service is what Settings and the API do with an account's sources:
// connect (one real call checks the credentials, then a backfill is
// queued), disconnect, sync on demand, and say how each source stands.
type Service struct {
	Store Store
	// Syncs queues syncs; nil: connecting still works, but no sync is
	// queued and Sync is EUNAVAILABLE.
	Syncs   Syncs
	Options Options
	// Now is the clock of the statuses' lag (nil: time.Now).
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Connect checks a connection's credentials with one real call and stores
// it (nothing is stored on a refusal), then queues its backfill. It
// returns the connection as stored, without its secrets. A backfill that
// cannot be queued is an error after the connection is stored: Sync
// queues it again.
func (s *Service) Connect(ctx context.Context, a *kizuna.Account, actor string, c kizuna.Connection, secrets kizuna.ConnectionSecrets) (*kizuna.Connection, error) {
	if err := Connect(ctx, s.Store, a, actor, c, secrets, s.Options); err != nil {
		return nil, err
	}
	stored, err := s.Store.Connection(ctx, a, c.Source)
	if err != nil {
		return nil, err
	}
	if s.Syncs != nil {
		if err := s.Syncs.StartSourceSync(ctx, a, c.Source, kizuna.SyncBackfill); err != nil {
			return stored, err
		}
	}
	return stored, nil
}

// Disconnect forgets a source's connection and its secrets: ENOTFOUND
// when it is not connected.
func (s *Service) Disconnect(ctx context.Context, a *kizuna.Account, source string) error {
	return s.Store.Disconnect(ctx, a, source)
}

// Sync queues a sync of a connected source: a backfill, a poll or a
// reconcile.
func (s *Service) Sync(ctx context.Context, a *kizuna.Account, source, kind string) error {
	if kind != kizuna.SyncBackfill && kind != kizuna.SyncPoll && kind != kizuna.SyncReconcile {
		return kizuna.ErrorAt(kizuna.EINVALID, "kind", "the sync kind %q is not backfill, reconcile or poll", kind)
	}
	if _, err := s.Store.Connection(ctx, a, source); err != nil {
		return err
	}
	if s.Syncs == nil {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "syncs do not run in this process")
	}
	return s.Syncs.StartSourceSync(ctx, a, source, kind)
}

// Statuses says, per source in kizuna.Sources order, whether it is
// connected, how current its data is and whether it is failing, with the
// running sync (nil when none) for its progress.
func (s *Service) Statuses(ctx context.Context, a *kizuna.Account) ([]kizuna.SourceStatus, []kizuna.Freshness, error) {
	connected, err := s.Store.Integrations(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	fresh, err := s.Store.Freshness(ctx, a)
	if err != nil {
		return nil, nil, err
	}
	return kizuna.SourceStatuses(connected, fresh, s.now()), fresh, nil
}

// Conflicts lists up to limit of a source's records that claim a friend
// another record is linked to, and counts them all.
func (s *Service) Conflicts(ctx context.Context, a *kizuna.Account, source string, limit int) ([]kizuna.LinkConflict, int, error) {
	return s.Store.LinkConflicts(ctx, a, source, limit)
}

// FriendLinks says how a friend is linked to each source's record.
func (s *Service) FriendLinks(ctx context.Context, a *kizuna.Account, lineUserID string) ([]sqlstore.FriendLink, error) {
	return s.Store.FriendLinks(ctx, a, lineUserID)
}
