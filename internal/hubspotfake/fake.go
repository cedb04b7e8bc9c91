// Package hubspotfake is a fake HubSpot CRM server for tests, the demo and
// `kizuna fake hubspot`. It speaks HubSpot's wire format (integrations.md
// §3.7) for the endpoints Kizuna uses: contacts (list, search, batch read)
// on both path families (/crm/v3/… and the date-based /crm/objects/2026-03/…),
// contact properties, lists v3 and their memberships, bearer auth, the
// rolling ten-second and search rate limits with their headers, fault
// injection, a record of requests, and webhooks v3 signed as HubSpot signs
// them, with replay and duplicate, out-of-order and stale modes.
//
// Contacts come from Kizuna's own import format (LoadFriends) or from a
// seeded generator (Generate) whose contacts are computed on demand, so a
// million of them take no memory until one is changed.
package hubspotfake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Route names, used to inject faults and in the request record.
const (
	RouteContacts    = "contacts"    // GET objects/contacts and one contact
	RouteSearch      = "search"      // POST objects/contacts/search
	RouteBatchRead   = "batch/read"  // POST objects/contacts/batch/read
	RouteProperties  = "properties"  // GET properties/contacts[/{name}]
	RouteLists       = "lists"       // list search, get, create
	RouteMemberships = "memberships" // list memberships, add, remove, a record's lists
)

// Defaults, HubSpot's where it has one.
const (
	DefaultRateMax     = 100 // requests per ten seconds (Free/Starter)
	DefaultSearchRate  = 4   // search requests a second
	DefaultLineUserID  = "line_user_id"
	DefaultDateVersion = "2026-03"
	RateWindow         = 10 * time.Second
	SearchMaxResults   = 10000
	listPageMax        = 100
	searchPageMax      = 200
	membershipPageMax  = 250
	batchReadMax       = 100
	maxBody            = 4 << 20
)

// Config sets up a Fake. Zero fields take defaults.
type Config struct {
	AccessToken  string // the only bearer token accepted
	ClientSecret string // signs webhooks (v3)
	// LineUserIDProperty is the contact property that holds the LINE user
	// ID (default line_user_id).
	LineUserIDProperty string
	// Now is the clock of rate limits, timestamps and webhooks (default
	// time.Now).
	Now func() time.Time
	// RateMax is the rolling ten-second limit (0: 100; negative: none).
	RateMax int
	// SearchRate is search requests a second (0: 4; negative: none).
	SearchRate int
	// DailyMax is the daily limit (0: none); DAILY 429s past it.
	DailyMax int
	// IndexLag hides a contact from search for this long after a write.
	IndexLag time.Duration
	// WebhookURL receives the webhooks ("" sends none); PortalID and
	// AppID go into the events.
	WebhookURL string
	PortalID   int64
	AppID      int64
	// RecordLimit is how many recent requests the record keeps (0: 1000).
	RecordLimit int
	// HTTPClient sends webhooks (default: a 5 s timeout, as HubSpot's).
	HTTPClient *http.Client
}

// Fake is the fake HubSpot server. It is safe for concurrent use.
type Fake struct {
	cfg Config
	mux *http.ServeMux

	mu       sync.Mutex
	gen      *generator
	contacts map[uint64]*contact // explicit and changed generated contacts
	extra    []uint64            // sorted IDs of contacts outside the generated range
	nextID   uint64
	props    map[string]*Property
	propSeq  []string
	lists    map[uint64]*list
	listSeq  uint64
	limits   limiter
	faults   map[string][]Fault
	log      []Recorded
	hooks    webhooks
	counts   map[string]int
}

// contact is one stored contact: property values are strings, absent
// means null.
type contact struct {
	id      uint64
	props   map[string]string
	created time.Time
	updated time.Time
	written time.Time  // the fake's clock at the last write, for index lag
	gen     *generator // set on a generated contact not changed: props are computed
	// noCreate: loaded from an import line without a createdate, which
	// reads back as unset, as the line has it.
	noCreate bool
}

// list is one list (segment). A generated list's members are computed,
// with changes kept in added and removed.
type list struct {
	id        uint64
	name      string
	kind      string // MANUAL, DYNAMIC, SNAPSHOT
	version   int
	created   time.Time
	updated   time.Time
	genBit    int // 0: none; else the generator's membership bit
	genCount  int // members the generator gives, -1 until counted
	added     map[uint64]time.Time
	removed   map[uint64]bool
	sortedIDs []uint64 // cache of added's keys, nil when stale
}

// Property is one contact property definition.
type Property struct {
	Name      string   `json:"name"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	FieldType string   `json:"fieldType"`
	GroupName string   `json:"groupName"`
	Options   []Option `json:"options"`
	// Hidden, Calculated and ModificationMetadata are HubSpot's: a
	// property hidden from its UI, one whose value HubSpot computes.
	Hidden               bool                 `json:"hidden"`
	Calculated           bool                 `json:"calculated"`
	ModificationMetadata ModificationMetadata `json:"modificationMetadata"`
}

// Option is one option of an enumeration property.
type Option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// New returns a fake with HubSpot's default contact properties and no
// contacts.
func New(cfg Config) *Fake {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LineUserIDProperty == "" {
		cfg.LineUserIDProperty = DefaultLineUserID
	}
	if cfg.RateMax == 0 {
		cfg.RateMax = DefaultRateMax
	}
	if cfg.SearchRate == 0 {
		cfg.SearchRate = DefaultSearchRate
	}
	if cfg.RecordLimit == 0 {
		cfg.RecordLimit = 1000
	}
	if cfg.PortalID == 0 {
		cfg.PortalID = 62515
	}
	if cfg.AppID == 0 {
		cfg.AppID = 1160452
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	f := &Fake{
		cfg:      cfg,
		contacts: map[uint64]*contact{},
		nextID:   1,
		props:    map[string]*Property{},
		lists:    map[uint64]*list{},
		faults:   map[string][]Fault{},
		counts:   map[string]int{},
	}
	f.limits.init(cfg)
	f.hooks.url = cfg.WebhookURL
	for _, p := range defaultProperties(cfg.LineUserIDProperty) {
		f.addProperty(p)
	}
	f.routes()
	return f
}

func (f *Fake) now() time.Time { return f.cfg.Now() }

func (f *Fake) addProperty(p Property) {
	if _, ok := f.props[p.Name]; !ok {
		f.propSeq = append(f.propSeq, p.Name)
	}
	if p.GroupName == "" {
		p.GroupName = "contactinformation"
	}
	if p.Options == nil {
		p.Options = []Option{}
	}
	f.props[p.Name] = &p
}

func options(values ...string) []Option {
	out := make([]Option, len(values)/2)
	for i := range out {
		out[i] = Option{Label: values[2*i+1], Value: values[2*i], DisplayOrder: i}
	}
	return out
}

var lifecycleStages = []string{"subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"}
var leadStatuses = []string{"NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"}

func defaultProperties(lineProp string) []Property {
	return []Property{
		{Name: "email", Label: "Email", Type: "string", FieldType: "text"},
		{Name: "firstname", Label: "First Name", Type: "string", FieldType: "text"},
		{Name: "lastname", Label: "Last Name", Type: "string", FieldType: "text"},
		{Name: "phone", Label: "Phone Number", Type: "string", FieldType: "phonenumber"},
		{Name: "company", Label: "Company Name", Type: "string", FieldType: "text"},
		{Name: "lifecyclestage", Label: "Lifecycle Stage", Type: "enumeration", FieldType: "radio", Options: options(
			"subscriber", "Subscriber", "lead", "Lead", "marketingqualifiedlead", "Marketing Qualified Lead",
			"salesqualifiedlead", "Sales Qualified Lead", "opportunity", "Opportunity", "customer", "Customer",
			"evangelist", "Evangelist", "other", "Other")},
		{Name: "hs_lead_status", Label: "Lead Status", Type: "enumeration", FieldType: "radio", Options: options(
			"NEW", "New", "OPEN", "Open", "IN_PROGRESS", "In Progress", "OPEN_DEAL", "Open Deal", "UNQUALIFIED", "Unqualified",
			"ATTEMPTED_TO_CONTACT", "Attempted to Contact", "CONNECTED", "Connected", "BAD_TIMING", "Bad Timing")},
		{Name: "total_revenue", Label: "Total Revenue", Type: "number", FieldType: "number"},
		{Name: "hs_object_id", Label: "Record ID", Type: "number", FieldType: "number", ModificationMetadata: readOnlyValue},
		{Name: "createdate", Label: "Create Date", Type: "datetime", FieldType: "date"},
		{Name: "lastmodifieddate", Label: "Last Modified Date", Type: "datetime", FieldType: "date", ModificationMetadata: readOnlyValue},
		{Name: lineProp, Label: "LINE User ID", Type: "string", FieldType: "text"},
	}
}

// hsTime is HubSpot's ISO-8601 form of a time.
func hsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// get returns the contact id: an explicit one, or a generated one computed
// now; nil when there is none.
func (f *Fake) get(id uint64) *contact {
	if c := f.contacts[id]; c != nil {
		return c
	}
	if f.gen != nil && id >= 1 && id <= f.gen.n {
		return f.gen.contact(id)
	}
	return nil
}

// prop returns a contact's property value, with the computed ones
// (hs_object_id, createdate, lastmodifieddate).
func (c *contact) prop(name string) (string, bool) {
	switch name {
	case "hs_object_id":
		return strconv.FormatUint(c.id, 10), true
	case "createdate":
		// HubSpot takes a createdate given at creation (an import's).
		if v, ok := c.props["createdate"]; ok || c.noCreate {
			return v, ok
		}
		return hsTime(c.created), true
	case "lastmodifieddate":
		return hsTime(c.updated), true
	}
	if c.gen != nil {
		return c.gen.prop(c.id, name)
	}
	v, ok := c.props[name]
	return v, ok
}

// nextIDs returns up to k contact IDs above after, ascending.
func (f *Fake) nextIDs(after uint64, k int) []uint64 {
	out := make([]uint64, 0, k)
	g := after + 1
	var gn uint64
	if f.gen != nil {
		gn = f.gen.n
	}
	i := sort.Search(len(f.extra), func(i int) bool { return f.extra[i] > after })
	for len(out) < k {
		hasG := g <= gn
		hasE := i < len(f.extra)
		switch {
		case !hasG && !hasE:
			return out
		case hasG && (!hasE || g < f.extra[i]):
			out = append(out, g)
			g++
		default:
			out = append(out, f.extra[i])
			i++
		}
	}
	return out
}

// total is the number of contacts.
func (f *Fake) total() int {
	n := len(f.extra)
	if f.gen != nil {
		n += int(f.gen.n)
	}
	return n
}

// put stores a contact, materialized.
func (f *Fake) put(c *contact) {
	if _, ok := f.contacts[c.id]; !ok && (f.gen == nil || c.id > f.gen.n) {
		i, found := slices.BinarySearch(f.extra, c.id)
		if !found {
			f.extra = slices.Insert(f.extra, i, c.id)
		}
	}
	f.contacts[c.id] = c
	if c.id >= f.nextID {
		f.nextID = c.id + 1
	}
}

// LoadFriends creates a contact per friend with a HubSpot contact: its
// properties as HubSpot strings (numbers as written, booleans "true" or
// "false", arrays joined with ";", null unset), the friend's LINE user ID
// in the LINE user ID property, and its segments as MANUAL lists (made by
// name when missing, with the segment as ID when it is a free number). A numeric contact_id is kept as the contact's ID;
// others get the next free ID. Its createdate is the line's, unset when
// the line has none, so that it reads back as the line has it (HubSpot
// takes a createdate given at import). Properties the fake does not know are
// defined, their type guessed from the first value. It returns the IDs in
// the friends' order ("" for a friend without HubSpot).
func (f *Fake) LoadFriends(friends []*kizuna.Friend) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	ids := make([]string, len(friends))
	for n, fr := range friends {
		h := fr.HubSpot
		if h == nil {
			continue
		}
		id, err := strconv.ParseUint(h.ContactID, 10, 64)
		if err != nil || id == 0 {
			id = f.freeID()
		}
		c := &contact{id: id, props: map[string]string{}, created: fr.AddedAt, updated: now, written: now}
		if c.created.IsZero() {
			c.created = now
		}
		for name, raw := range h.Properties {
			v, ok, typ := hubspotValue(raw)
			if _, known := f.props[name]; !known {
				f.defineGuessed(name, typ, raw)
			}
			if ok {
				c.props[name] = v
			}
		}
		_, c.noCreate = c.props["createdate"]
		c.noCreate = !c.noCreate
		c.props[f.cfg.LineUserIDProperty] = fr.LineUserID
		f.put(c)
		for _, seg := range h.Segments {
			l := f.listByName(seg)
			if n, err := strconv.ParseUint(seg, 10, 64); l == nil && err == nil && n > 0 && f.lists[n] != nil {
				l = f.lists[n] // a list defined beforehand, under its name
			} else if l == nil && err == nil && n > 0 {
				l = f.newListID(n, seg, "MANUAL") // the import's segment is the list's ID
			} else if l == nil {
				l = f.newList(seg, "MANUAL")
			}
			f.addMember(l, id, now)
		}
		ids[n] = strconv.FormatUint(id, 10)
	}
	return ids, nil
}

// LoadNDJSON reads import lines (kizuna.ParseFriendLine) and loads them
// with LoadFriends.
func (f *Fake) LoadNDJSON(r io.Reader) (int, error) {
	dec := json.NewDecoder(r)
	var friends []*kizuna.Friend
	for line := 1; ; line++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err == io.EOF {
			break
		} else if err != nil {
			return 0, fmt.Errorf("import line %d: %w", line, err)
		}
		fr, err := kizuna.ParseFriendLine(raw)
		if err != nil {
			return 0, fmt.Errorf("import line %d: %w", line, err)
		}
		friends = append(friends, fr)
	}
	_, err := f.LoadFriends(friends)
	return len(friends), err
}

func (f *Fake) freeID() uint64 {
	for f.get(f.nextID) != nil {
		f.nextID++
	}
	id := f.nextID
	f.nextID++
	return id
}

// hubspotValue turns an import property value into HubSpot's string, and
// guesses the HubSpot type it would have.
func hubspotValue(raw json.RawMessage) (v string, ok bool, typ string) {
	s := strings.TrimSpace(string(raw))
	switch {
	case s == "" || s == "null":
		return "", false, "string"
	case s == "true" || s == "false":
		return s, true, "bool"
	case s[0] == '"':
		var str string
		_ = json.Unmarshal(raw, &str)
		if _, err := time.Parse("2006-01-02", str); err == nil {
			return str, true, "date"
		}
		if _, err := time.Parse(time.RFC3339, str); err == nil {
			return str, true, "datetime"
		}
		return str, true, "string"
	case s[0] == '[':
		var items []json.RawMessage
		_ = json.Unmarshal(raw, &items)
		parts := make([]string, 0, len(items))
		for _, it := range items {
			if p, ok, _ := hubspotValue(it); ok {
				parts = append(parts, p)
			}
		}
		return strings.Join(parts, ";"), true, "enumeration"
	case s[0] == '{':
		return s, true, "string"
	default:
		return s, true, "number"
	}
}

func (f *Fake) defineGuessed(name, typ string, raw json.RawMessage) {
	p := Property{Name: name, Label: name, Type: typ, GroupName: "imported"}
	switch typ {
	case "bool":
		p.FieldType = "booleancheckbox"
		p.Options = options("true", "Yes", "false", "No")
	case "number":
		p.FieldType = "number"
	case "date", "datetime":
		p.FieldType = "date"
	case "enumeration":
		p.FieldType = "checkbox"
		v, _, _ := hubspotValue(raw)
		for i, o := range strings.Split(v, ";") {
			if o != "" {
				p.Options = append(p.Options, Option{Label: o, Value: o, DisplayOrder: i})
			}
		}
	default:
		p.FieldType = "text"
	}
	f.addProperty(p)
}

// DefineProperty adds or replaces a contact property definition.
func (f *Fake) DefineProperty(p Property) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addProperty(p)
}
