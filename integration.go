package kizuna

import (
	"context"
	"slices"
	"time"
)

// Integration sources.
const (
	SourceShopify = "shopify"
	SourceHubSpot = "hubspot"
	SourceKlaviyo = "klaviyo"
)

// Sources lists the integration sources in the order pages show them.
var Sources = []string{SourceShopify, SourceHubSpot, SourceKlaviyo}

// ValidSource reports whether s is an integration source.
func ValidSource(s string) bool {
	return s == SourceShopify || s == SourceHubSpot || s == SourceKlaviyo
}

// Connection is an account's connection to Shopify, HubSpot or Klaviyo,
// without its secrets (stored sealed, read only by the code that calls
// the source or checks its webhooks).
type Connection struct {
	Source string `json:"source"`
	// APIBase is the source's base URL: the vendor's own (for Shopify,
	// the shop's https://{shop}.myshopify.com) or a fake's.
	APIBase string `json:"api_base"`
	// Config holds the source's settings that are not secret: Shopify's
	// shop domain and API version, HubSpot's API path version, Klaviyo's
	// revision, and where the shop writes the LINE user ID (a metafield or
	// property name).
	Config      map[string]string `json:"config"`
	ConnectedAt time.Time         `json:"connected_at"`
	ConnectedBy string            `json:"connected_by"`
}

// ConnectionSecrets are a connection's credentials by name (Shopify:
// access_token and webhook_secret; HubSpot: access_token and
// client_secret; Klaviyo: api_key). They print as a mask and have no JSON
// form.
type ConnectionSecrets map[string]string

// String masks the secrets.
func (s ConnectionSecrets) String() string { return "ConnectionSecrets{…}" }

// GoString masks the secrets for %#v.
func (s ConnectionSecrets) GoString() string { return s.String() }

// MarshalJSON refuses to write the secrets anywhere.
func (ConnectionSecrets) MarshalJSON() ([]byte, error) { return []byte(`"…"`), nil }

// ConnectionStore keeps an account's connections to the integration
// sources.
type ConnectionStore interface {
	// Connect stores a connection with its secrets (sealed), replacing an
	// earlier one of the source.
	Connect(ctx context.Context, account *Account, actor string, c Connection, secrets ConnectionSecrets) error
	// Connections lists the account's connections, in Sources order.
	Connections(ctx context.Context, account *Account) ([]Connection, error)
	// Connection returns one: ENOTFOUND when the source is not connected.
	Connection(ctx context.Context, account *Account, source string) (*Connection, error)
	// ConnectionSecrets opens a connection's secrets: ENOTFOUND when none.
	ConnectionSecrets(ctx context.Context, account *Account, source string) (ConnectionSecrets, error)
	// Disconnect forgets a connection and its secrets (the data synced
	// from it stays until a sync or an import changes it).
	Disconnect(ctx context.Context, account *Account, source string) error
	// ConnectedSources lists every account's connections, by account
	// name and source, for the periodic polls and reconciles.
	ConnectedSources(ctx context.Context) ([]ConnectedSource, error)
}

// ConnectedSource is one account's connection to a source as the
// periodic syncs see it.
type ConnectedSource struct {
	Account     string
	Source      string
	ConnectedAt time.Time
	// LastFullAt is when the latest backfill or reconcile of the source
	// that finished since the connection was made did (zero: none).
	LastFullAt time.Time
}

// RequiredSecrets names the credentials a source's connection needs.
func RequiredSecrets(source string) []string {
	switch source {
	case SourceShopify:
		return []string{"access_token", "webhook_secret"}
	case SourceHubSpot:
		return []string{"access_token", "client_secret"}
	case SourceKlaviyo:
		return []string{"api_key"}
	}
	return nil
}

// Bounds of a connection's settings.
const (
	maxConfigKeys  = 20
	maxConfigValue = 500
	maxSecret      = 4096
)

// CheckConnection validates a connection and its secrets before they are
// stored, each refusal at its path.
func CheckConnection(c Connection, secrets ConnectionSecrets) error {
	if !ValidSource(c.Source) {
		return ErrorAt(EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
	}
	if len(c.Config) > maxConfigKeys {
		return ErrorAt(EINVALID, "config", "a connection has at most %d settings", maxConfigKeys)
	}
	for k, v := range c.Config {
		if err := CheckText(EINVALID, "config."+k, "the setting", v); err != nil {
			return err
		}
		if len(v) > maxConfigValue || len(k) > maxConfigValue {
			return ErrorAt(EINVALID, "config."+k, "a setting has at most %d bytes", maxConfigValue)
		}
	}
	for _, name := range RequiredSecrets(c.Source) {
		if secrets[name] == "" {
			return ErrorAt(EINVALID, name, "%s is required to connect %s", name, c.Source)
		}
	}
	for name, v := range secrets {
		if !slices.Contains(RequiredSecrets(c.Source), name) {
			return ErrorAt(EINVALID, name, "%s takes no credential named %s", c.Source, name)
		}
		if len(v) > maxSecret {
			return ErrorAt(EINVALID, name, "a credential has at most %d bytes", maxSecret)
		}
	}
	return nil
}

// Kinds of source syncs.
const (
	SyncBackfill  = "backfill"  // every record, page by page
	SyncPoll      = "poll"      // records updated since the last cursor
	SyncReconcile = "reconcile" // every record again, to repair drift
)

// SourceSync is one sync of a source into an account: a backfill, a poll
// or a reconcile, with the cursor it has reached (kept after every page,
// so that a sync cut short resumes from it).
type SourceSync struct {
	ID          int64      `json:"id"`
	Source      string     `json:"source"`
	Kind        string     `json:"kind"`
	Status      string     `json:"status"` // running, done, failed
	Cursor      string     `json:"-"`
	StartedAt   time.Time  `json:"started_at"`
	HeartbeatAt time.Time  `json:"heartbeat_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Records     int64      `json:"records"`
	Error       string     `json:"error,omitempty"`
	// Resumed is set when StartSourceSync returned a sync cut short.
	Resumed bool `json:"-"`
}

// Freshness is how current an account's data from a source is.
type Freshness struct {
	Source string `json:"source"`
	// LastSuccessAt is when the latest sync that finished did.
	LastSuccessAt *time.Time `json:"last_success_at,omitempty"`
	// LastError is the latest failure since then, if any.
	LastError   string      `json:"last_error,omitempty"`
	LastErrorAt *time.Time  `json:"last_error_at,omitempty"`
	Running     *SourceSync `json:"running,omitempty"`
	// LastDeliveryAt is when the latest webhook delivery of the source
	// was applied (Shopify's and HubSpot's: each brings its records'
	// changes as they happen).
	LastDeliveryAt *time.Time `json:"last_delivery_at,omitempty"`
}

// SourceSyncStore keeps the syncs of an account's sources: one runs per
// source at a time.
type SourceSyncStore interface {
	// StartSourceSync begins a sync of the source for owner (a job), or
	// returns the running one to resume from its cursor when it is owner's
	// own or was cut short (no heartbeat for SourceSyncStale); while
	// another owner's shows life it is ECONFLICT.
	StartSourceSync(ctx context.Context, account *Account, source, kind, owner string) (*SourceSync, error)
	// SourceSyncProgress records the cursor reached and the records
	// applied since the last call (a heartbeat too).
	SourceSyncProgress(ctx context.Context, account *Account, id int64, cursor string, records int64) error
	FinishSourceSync(ctx context.Context, account *Account, id int64) (*SourceSync, error)
	FailSourceSync(ctx context.Context, account *Account, id int64, message string) (*SourceSync, error)
	// Freshness says, per source with syncs, how current its data is.
	Freshness(ctx context.Context, account *Account) ([]Freshness, error)
}

// Ways a record gets linked to a friend.
const (
	LinkClaimed = "claimed" // the record carries the friend's LINE user ID (written by the shop's LINE Login)
	LinkAPI     = "api"     // POST .../links, from the shop's own account-link flow
	LinkManual  = "manual"  // by hand on the friend page
)

// SourceRecord is the latest state of one record of a source: a Shopify
// customer, a HubSpot contact or a Klaviyo profile, with the data segments
// test, in the import format's shapes (exactly one of Shopify, HubSpot and
// Klaviyo is set, as Source says; its ID field is RecordID).
type SourceRecord struct {
	Source   string
	RecordID string
	// LineUserID is the LINE user ID the record itself carries ("" none).
	LineUserID string
	// UpdatedAt is the record's own update time: a write older than the
	// stored one loses, so deliveries may arrive in any order.
	UpdatedAt time.Time
	// Deleted: the record is gone at the source.
	Deleted bool
	Shopify *ShopifyCustomer
	HubSpot *HubSpotContact
	Klaviyo *KlaviyoProfile
}

// RecordsResult counts what ApplySourceRecords did.
type RecordsResult struct {
	Applied int // records stored (new or newer)
	Stale   int // records older than the stored ones: nothing changed
	// Friends is how many friends' data changed.
	Friends int
	// Duplicate: a webhook delivery seen before; nothing was applied.
	Duplicate bool
	// Conflicts are records claiming a friend another record is linked
	// to: reported, not linked.
	Conflicts []LinkConflict
}

// Delivery is a webhook delivery's keys (the vendor's ids) and records.
type Delivery struct {
	Keys    []string
	Records []SourceRecord
}

// LinkConflict is a record that could not be linked to the friend it
// claims because another record of the source is linked to that friend.
type LinkConflict struct {
	Source     string `json:"source"`
	RecordID   string `json:"record_id"`
	LineUserID string `json:"line_user_id"`
	LinkedTo   string `json:"linked_record_id"`
}

// SourceRecordStore keeps the records synced from the sources and their
// links to friends; a friend's Shopify, HubSpot and Klaviyo data is its
// linked record's, written with the record or link in one transaction
// through the change log.
type SourceRecordStore interface {
	ApplySourceRecords(ctx context.Context, account *Account, records []SourceRecord) (*RecordsResult, error)
	// ApplyDelivery is ApplySourceRecords for a webhook delivery, kept by
	// its keys (the vendor's ids) in the same transaction: when every key
	// was stored before (a replay), nothing changes and Duplicate is set.
	ApplyDelivery(ctx context.Context, account *Account, source string, keys []string, records []SourceRecord) (*RecordsResult, error)
	// ApplyDeliveries applies several deliveries of the source in one
	// transaction, each as ApplyDelivery would, one after another: a
	// delivery whose keys were all stored before, or taken by an earlier
	// one of the call, is Duplicate. One result per delivery, in order.
	ApplyDeliveries(ctx context.Context, account *Account, source string, deliveries []Delivery) ([]*RecordsResult, error)
	// LinkRecord links a friend to a record by API or by hand, replacing
	// the friend's and the record's other links of the source.
	LinkRecord(ctx context.Context, account *Account, source, recordID, lineUserID, how string) error
	// UnlinkRecord removes the friend's link of the source.
	UnlinkRecord(ctx context.Context, account *Account, source, lineUserID string) error
	// LinkCounts counts the linked friends per source.
	LinkCounts(ctx context.Context, account *Account) (map[string]int, error)
}
