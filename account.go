package kizuna

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
)

// DefaultTimeZone is the zone of an account created without one.
const DefaultTimeZone = "Asia/Tokyo"

// Account is one LINE Official Account. Everything else belongs to exactly one
// account and is never visible from another.
type Account struct {
	ID        int64     `json:"-"`
	Name      string    `json:"name"`
	TimeZone  string    `json:"timezone"`
	CreatedAt time.Time `json:"created_at"`

	loc *time.Location // set by LoadLocation
}

// LoadLocation loads the account's time zone once, for Location to return.
// A store calls it whenever it reads an account, so that a zone this host
// cannot load (no zone data, a name a newer database dropped) is an error
// where the account enters, not days silently counted in another zone.
func (a *Account) LoadLocation() error {
	loc, err := loadZone(a.TimeZone)
	if err != nil {
		return fmt.Errorf("account %q: %w", a.Name, err)
	}
	a.loc = loc
	return nil
}

// Location returns the account's time zone. It never falls back to UTC: an
// account whose zone cannot be loaded panics here, and the stores refuse
// such an account when they read it (LoadLocation), so the panic is only
// reachable by an Account built by hand with a bad zone.
func (a *Account) Location() *time.Location {
	if a.loc != nil {
		return a.loc
	}
	loc, err := loadZone(a.TimeZone)
	if err != nil {
		panic(fmt.Sprintf("kizuna: account %q: %v", a.Name, err))
	}
	return loc
}

// loadZone loads an IANA zone. "" and "Local" would load UTC and the host's
// zone, neither of which an account means, so they are refused too.
func loadZone(zone string) (*time.Location, error) {
	if zone == "" || strings.EqualFold(zone, "local") {
		return nil, fmt.Errorf("time zone %q is not an IANA zone name", zone)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("time zone %q cannot be loaded: %w", zone, err)
	}
	return loc, nil
}

var accountNameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// ValidateAccount checks an account's name (it appears in URLs, so letters,
// digits, '.', '_' and '-') and its IANA time zone.
func ValidateAccount(name, zone string) error {
	if !accountNameRe.MatchString(name) {
		return Errorf(EINVALID, "account name %q must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	if zone == "" || strings.EqualFold(zone, "local") {
		return Errorf(EINVALID, "time zone %q is not an IANA zone name such as Asia/Tokyo", zone)
	}
	if _, err := time.LoadLocation(zone); err != nil {
		return Errorf(EINVALID, "unknown time zone %q: use an IANA zone name such as Asia/Tokyo", zone)
	}
	return nil
}

// Tag is a friend tag, unique by exact name within an account.
type Tag struct {
	Name    string `json:"name"`
	Friends int64  `json:"friends"`
}

// ImportOptions controls a friend import.
type ImportOptions struct {
	// SkipInvalid imports the good lines of a file with bad lines; without it
	// a file with any bad line changes nothing.
	SkipInvalid bool
	// Progress, if set, is called now and then with the lines read so far.
	Progress func(lines int64)
}

// LineError is one bad import line: its number, what is wrong, and where
// in the line (a path such as "added_at" or "shopify.checkouts[0].updated_at";
// "$" for the line as a whole).
type LineError struct {
	Line    int64  `json:"line"`
	Message string `json:"message"`
	Path    string `json:"path,omitempty"`
}

// MaxReportedLineErrors is how many bad lines an import reports one by one;
// the rest are counted.
const MaxReportedLineErrors = 20

// ImportResult says what an import did.
type ImportResult struct {
	Lines    int64       `json:"lines"`    // non-blank lines read
	Imported int64       `json:"imported"` // good lines written (a friend on two lines counts twice)
	Skipped  int64       `json:"skipped"`  // bad lines skipped (SkipInvalid)
	Invalid  int64       `json:"invalid"`  // bad lines found
	Errors   []LineError `json:"errors,omitempty"`
}

// ImportError is returned when bad lines stopped an import; nothing was changed.
type ImportError struct{ Result *ImportResult }

func (e *ImportError) Error() string {
	msg := fmt.Sprintf("%d bad line(s), nothing imported", e.Result.Invalid)
	if len(e.Result.Errors) > 0 {
		msg += fmt.Sprintf("; first: line %d: %s", e.Result.Errors[0].Line, e.Result.Errors[0].Message)
	}
	return msg
}

// Preview is the answer of spec section 6.
type Preview struct {
	Count       int64           `json:"count"`
	Sample      []PreviewFriend `json:"sample"`
	Summary     string          `json:"summary"`
	EvaluatedAt time.Time       `json:"evaluated_at"`
	// EstimatedAdded, when the filter tests the date friends were added,
	// counts the members whose added date is estimated (known only from
	// a follower sync).
	EstimatedAdded int64 `json:"estimated_added,omitempty"`
	// AnsweredBy says which path computed the answer: "engine" (the
	// in-memory index) or "sql" (the database), and TookMS how long it took.
	AnsweredBy string  `json:"answered_by,omitempty"`
	TookMS     float64 `json:"took_ms"`
}

// TokenInfo describes an API token without revealing it.
type TokenInfo struct {
	ID        int64     `json:"id"`
	CreatedAt time.Time `json:"created_at"`
}

// FriendQuery asks for a page of friends: those whose display name contains
// Search (or whose LINE user ID starts with it), carrying Tag, after the
// cursor After, at most Limit (MaxFriendPage when 0 or more).
type FriendQuery struct {
	Search, Tag, After string
	Limit              int
	// Members, when set, keeps only the friends in it at Now (the store's
	// clock when zero): following friends who match the filter. A segment's
	// members page and the friend list filtered to a segment ask this.
	Members *Filter
	Now     time.Time
}

// MaxFriendPage is the most friends a page holds.
const MaxFriendPage = 100

// FriendPage is one page of friends, most recently added first.
type FriendPage struct {
	Friends []FriendSummary `json:"friends"`
	Next    string          `json:"next,omitempty"` // the cursor of the next page; empty on the last
}

// FriendSummary is a friend as a list shows it.
type FriendSummary struct {
	LineUserID  string    `json:"line_user_id"`
	DisplayName string    `json:"display_name"`
	Status      string    `json:"status"`
	AddedAt     time.Time `json:"added_at"`
	// AddedEstimated: the added date is a follower sync's time.
	AddedEstimated bool     `json:"added_estimated,omitempty"`
	Tags           []string `json:"tags"`
}

// PreviewFriend is one friend of a preview's sample.
type PreviewFriend struct {
	LineUserID  string    `json:"line_user_id"`
	DisplayName string    `json:"display_name"`
	AddedAt     time.Time `json:"added_at"`
}

// PreviewRequest asks for a preview. Now is the evaluation instant (zero: the
// server clock); Lang is "en" or "ja".
type PreviewRequest struct {
	Filter json.RawMessage
	Now    time.Time
	Lang   string
	// CountOnly asks for the count alone (a segment list's column): no
	// sample, no summary.
	CountOnly bool
}

// CheckNow refuses an evaluation instant outside TimeInRange (EINVALID at
// "now"): counting days from it, or writing it back as evaluated_at,
// would fail. The zero time means the server clock and passes.
func (r PreviewRequest) CheckNow() error {
	if r.Now.IsZero() {
		return nil
	}
	return CheckTime(EINVALID, "now", r.Now)
}

// Store is what the command line and the HTTP API need from storage. Every
// method that takes an account works inside that account only. Methods return
// *Error for anything a caller can act on (ENOTFOUND, ECONFLICT, EINVALID,
// EINVALIDFILTER) and *ImportError for a refused import.
type Store interface {
	CreateAccount(ctx context.Context, name, zone string) (*Account, error)
	FindAccount(ctx context.Context, name string) (*Account, error)
	CreateToken(ctx context.Context, account *Account) (string, error)
	AccountByToken(ctx context.Context, token string) (*Account, error)
	Tokens(ctx context.Context, account *Account) ([]TokenInfo, error)
	RevokeToken(ctx context.Context, account *Account, id int64) error
	// The account's members: users and their roles. An account always
	// keeps an owner: demoting or removing the last one is ECONFLICT.
	Members(ctx context.Context, account *Account) ([]Member, error)
	// InviteMember invites an e-mail address to the account with a role
	// (a new invitation replaces a pending one for the address); the
	// answer is the same whether or not the address has a user. A current
	// member is ECONFLICT.
	InviteMember(ctx context.Context, account *Account, email, role string) (*Invited, error)
	// Invitations lists the account's pending invitations; RevokeInvitation
	// withdraws one (ENOTFOUND if not the account's or no longer pending).
	Invitations(ctx context.Context, account *Account) ([]Invitation, error)
	RevokeInvitation(ctx context.Context, account *Account, id int64) error
	SetMemberRole(ctx context.Context, account *Account, userID int64, role string) error
	RemoveMember(ctx context.Context, account *Account, userID int64) error
	ImportFriends(ctx context.Context, account *Account, r io.Reader, opt ImportOptions) (*ImportResult, error)
	PutCatalog(ctx context.Context, account *Account, c *Catalog) error
	Catalog(ctx context.Context, account *Account) (*Catalog, error)
	// Integrations says which of shopify, hubspot and klaviyo are connected:
	// by a connection (ConnectionStore), or, for a source never connected
	// nor disconnected, by imported data of it.
	Integrations(ctx context.Context, account *Account) (map[string]bool, error)
	FindFriend(ctx context.Context, account *Account, lineUserID string) (*Friend, error)
	// FriendsFacts reads several friends' facts in one snapshot; names
	// that are not friends are left out.
	FriendsFacts(ctx context.Context, account *Account, lineUserIDs []string) ([]*FriendFacts, error)
	ListFriends(ctx context.Context, account *Account, q FriendQuery) (*FriendPage, error)
	// TagFriends adds and removes friend tags of the friends named by LINE
	// user ID, creating added tags the account lacks. An unknown friend is
	// ENOTFOUND and changes nothing.
	TagFriends(ctx context.Context, account *Account, lineUserIDs, add, remove []string) error
	// DeleteFriends deletes the friends named by LINE user ID with all their
	// data, and returns how many there were; unknown IDs are ignored.
	DeleteFriends(ctx context.Context, account *Account, lineUserIDs []string) (int, error)
	Tags(ctx context.Context, account *Account) ([]Tag, error)
	// ShopifyTags lists the distinct Shopify customer tags of the
	// account's friends, sorted (a bounded list, for suggestions).
	ShopifyTags(ctx context.Context, account *Account) ([]string, error)
	// CreateTag, RenameTag and DeleteTag manage friend tags: a rename
	// rewrites the saved segments that test the tag; a delete is refused
	// (ECONFLICT, naming them) while live segments test it.
	CreateTag(ctx context.Context, account *Account, name string) error
	RenameTag(ctx context.Context, account *Account, actor, from, to string) error
	DeleteTag(ctx context.Context, account *Account, name string) error
	// TagSegmentMembers gives a tag to every member of a live segment now
	// and returns how many members it has.
	TagSegmentMembers(ctx context.Context, account *Account, segmentID int64, tag string) (int, error)
	Preview(ctx context.Context, account *Account, req PreviewRequest) (*Preview, error)
	SegmentStore
	LineStore
	BroadcastStore
	ConnectionStore
	SourceSyncStore
	SourceRecordStore
	AgentStore
	Close() error
}

// SegmentStore keeps an account's saved segments and folders. Writes take
// an actor (who made the change) for the record of changes.
type SegmentStore interface {
	Segments(ctx context.Context, account *Account) ([]*Segment, error)
	DeletedSegments(ctx context.Context, account *Account) ([]*Segment, error)
	Segment(ctx context.Context, account *Account, id int64) (*Segment, error)
	CreateSegment(ctx context.Context, account *Account, actor, name string, folderID int64, filter json.RawMessage) (*Segment, error)
	EditSegment(ctx context.Context, account *Account, actor string, id int64, edit SegmentEdit) (*Segment, error)
	DuplicateSegment(ctx context.Context, account *Account, actor string, id int64, name string) (*Segment, error)
	DeleteSegment(ctx context.Context, account *Account, actor string, id int64) error
	RestoreSegment(ctx context.Context, account *Account, actor string, id int64) (*Segment, error)
	SegmentHistory(ctx context.Context, account *Account, id int64) ([]SegmentChange, error)
	Folders(ctx context.Context, account *Account) ([]Folder, error)
	CreateFolder(ctx context.Context, account *Account, name string) (*Folder, error)
	RenameFolder(ctx context.Context, account *Account, id int64, name string) error
	DeleteFolder(ctx context.Context, account *Account, id int64) error
}
