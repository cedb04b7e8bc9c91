package kizuna

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Friend statuses.
const (
	StatusFollowing = "following"
	StatusBlocked   = "blocked"
)

// Friend is a LINE user who added the account as a friend, with everything the
// account knows about them. A friend is linked to at most one Shopify customer,
// one HubSpot contact and one Klaviyo profile; a nil pointer means not linked.
type Friend struct {
	LineUserID  string    `json:"line_user_id"`
	DisplayName string    `json:"display_name,omitempty"`
	AddedAt     time.Time `json:"added_at"`
	// AddedEstimated marks an added date Kizuna did not see: a friend
	// known only from a follower sync gets the sync's time.
	AddedEstimated bool             `json:"added_estimated,omitempty"`
	Status         string           `json:"status"`
	Tags           []string         `json:"tags"`
	Shopify        *ShopifyCustomer `json:"shopify,omitempty"`
	HubSpot        *HubSpotContact  `json:"hubspot,omitempty"`
	Klaviyo        *KlaviyoProfile  `json:"klaviyo,omitempty"`
}

// ShopifyCustomer is the Shopify customer linked to a friend.
type ShopifyCustomer struct {
	CustomerID  string     `json:"customer_id"`
	Tags        []string   `json:"tags"`
	OrdersCount int64      `json:"orders_count"`
	LastOrderAt *time.Time `json:"last_order_at"`
	Checkouts   []Checkout `json:"checkouts"`
}

// Checkout is one Shopify checkout of a customer.
type Checkout struct {
	ID          string     `json:"id"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// HubSpotContact is the HubSpot contact linked to a friend.
type HubSpotContact struct {
	ContactID  string     `json:"contact_id"`
	Segments   []string   `json:"segments"`
	Properties Properties `json:"properties"`
}

// KlaviyoProfile is the Klaviyo profile linked to a friend.
type KlaviyoProfile struct {
	ProfileID  string     `json:"profile_id"`
	Lists      []string   `json:"lists"`
	Properties Properties `json:"properties"`
}

// Properties maps a property name to its stored JSON value, kept as written so
// that each condition type can read it its own way (spec 3.1).
type Properties map[string]json.RawMessage

// AbandonedAt returns the time of the customer's most recent abandoned cart: a
// checkout with no completed_at and no order placed since its last update.
func (c *ShopifyCustomer) AbandonedAt() (time.Time, bool) {
	var at time.Time
	found := false
	for _, ch := range c.Checkouts {
		if ch.CompletedAt != nil {
			continue
		}
		if c.LastOrderAt != nil && !c.LastOrderAt.Before(ch.UpdatedAt) {
			continue
		}
		if !found || ch.UpdatedAt.After(at) {
			at, found = ch.UpdatedAt, true
		}
	}
	return at, found
}

var lineUserIDRe = regexp.MustCompile(`^U[0-9a-fA-F]{32}$`)

// ValidLineUserID reports whether s has the shape of a LINE user ID.
func ValidLineUserID(s string) bool { return lineUserIDRe.MatchString(s) }

// friendLine is the import format of one line, decoded in one pass; pointers
// tell an absent key from a zero value.
type friendLine struct {
	LineUserID  *string      `json:"line_user_id"`
	DisplayName *string      `json:"display_name"`
	AddedAt     *string      `json:"added_at"`
	Status      *string      `json:"status"`
	Tags        []string     `json:"tags"`
	Shopify     *shopifyLine `json:"shopify"`
	HubSpot     *hubspotLine `json:"hubspot"`
	Klaviyo     *klaviyoLine `json:"klaviyo"`
}

type shopifyLine struct {
	CustomerID  *string  `json:"customer_id"`
	Tags        []string `json:"tags"`
	OrdersCount *int64   `json:"orders_count"`
	LastOrderAt *string  `json:"last_order_at"`
	Checkouts   []struct {
		ID          *string `json:"id"`
		UpdatedAt   *string `json:"updated_at"`
		CompletedAt *string `json:"completed_at"`
	} `json:"checkouts"`
}

type hubspotLine struct {
	ContactID  *string    `json:"contact_id"`
	Segments   []string   `json:"segments"`
	Properties Properties `json:"properties"`
}

type klaviyoLine struct {
	ProfileID  *string    `json:"profile_id"`
	Lists      []string   `json:"lists"`
	Properties Properties `json:"properties"`
}

// ParseFriendLine parses one line of the import format (spec section 5). Keys
// that the format does not define are refused, so a typo cannot silently drop
// data. The returned error is an *Error whose message says what is wrong.
func ParseFriendLine(line []byte) (*Friend, error) {
	var raw friendLine
	if err := strictUnmarshal(line, &raw, "properties"); err != nil {
		return nil, err
	}
	f := &Friend{Status: StatusFollowing}
	switch {
	case raw.LineUserID == nil:
		return nil, importErrAt("line_user_id", "line_user_id is required")
	case !ValidLineUserID(*raw.LineUserID):
		return nil, importErrAt("line_user_id", "line_user_id %q is not U followed by 32 hex digits", *raw.LineUserID)
	}
	f.LineUserID = *raw.LineUserID
	if raw.AddedAt == nil {
		return nil, importErrAt("added_at", "added_at is required")
	}
	var err error
	if f.AddedAt, err = importTime("added_at", *raw.AddedAt); err != nil {
		return nil, err
	}
	if raw.DisplayName != nil {
		f.DisplayName = *raw.DisplayName
		if err := CheckText(EINVALIDIMPORT, "display_name", "display_name", f.DisplayName); err != nil {
			return nil, err
		}
		if n := utf8.RuneCountInString(f.DisplayName); n > MaxDisplayName {
			return nil, importErrAt("display_name", "display_name has at most %d characters; this one has %d", MaxDisplayName, n)
		}
	}
	if raw.Status != nil {
		if *raw.Status != StatusFollowing && *raw.Status != StatusBlocked {
			return nil, importErrAt("status", "status %q is not following or blocked", *raw.Status)
		}
		f.Status = *raw.Status
	}
	if f.Tags, err = cleanList("tags", raw.Tags); err != nil {
		return nil, err
	}
	for i, t := range f.Tags {
		if err := CheckTagName(EINVALIDIMPORT, fmt.Sprintf("tags[%d]", i), t); err != nil {
			return nil, err
		}
	}
	if raw.Shopify != nil {
		if f.Shopify, err = parseShopify(raw.Shopify); err != nil {
			return nil, err
		}
	}
	if h := raw.HubSpot; h != nil {
		c := &HubSpotContact{Properties: h.Properties}
		if h.ContactID != nil {
			c.ContactID = *h.ContactID
		}
		if c.Segments, err = cleanList("hubspot.segments", h.Segments); err != nil {
			return nil, err
		}
		f.HubSpot = c
	}
	if k := raw.Klaviyo; k != nil {
		p := &KlaviyoProfile{Properties: k.Properties}
		if k.ProfileID != nil {
			p.ProfileID = *k.ProfileID
		}
		if p.Lists, err = cleanList("klaviyo.lists", k.Lists); err != nil {
			return nil, err
		}
		f.Klaviyo = p
	}
	return f, nil
}

func parseShopify(s *shopifyLine) (*ShopifyCustomer, error) {
	c := &ShopifyCustomer{}
	if s.CustomerID != nil {
		c.CustomerID = *s.CustomerID
	}
	var err error
	if c.Tags, err = cleanList("shopify.tags", s.Tags); err != nil {
		return nil, err
	}
	if s.OrdersCount != nil {
		if *s.OrdersCount < 0 || *s.OrdersCount > maxExactInt {
			return nil, importErrAt("shopify.orders_count", "shopify.orders_count %d is out of range (0 to 2^53)", *s.OrdersCount)
		}
		c.OrdersCount = *s.OrdersCount
	}
	if s.LastOrderAt != nil {
		t, err := importTime("shopify.last_order_at", *s.LastOrderAt)
		if err != nil {
			return nil, err
		}
		c.LastOrderAt = &t
	}
	for i, ch := range s.Checkouts {
		var out Checkout
		if ch.ID != nil {
			out.ID = *ch.ID
		}
		p := fmt.Sprintf("shopify.checkouts[%d]", i)
		if ch.UpdatedAt == nil {
			return nil, importErrAt(p+".updated_at", "shopify.checkouts[%d].updated_at is required", i)
		}
		if out.UpdatedAt, err = importTime(p+".updated_at", *ch.UpdatedAt); err != nil {
			return nil, err
		}
		if ch.CompletedAt != nil {
			t, err := importTime(p+".completed_at", *ch.CompletedAt)
			if err != nil {
				return nil, err
			}
			out.CompletedAt = &t
		}
		c.Checkouts = append(c.Checkouts, out)
	}
	return c, nil
}

// cleanList drops duplicates (a set has each member once) and refuses empty names.
func cleanList(name string, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	if len(in) > MaxFriendTags {
		return nil, importErrAt(name, "%s has at most %d entries; this one has %d", name, MaxFriendTags, len(in))
	}
	out := make([]string, 0, len(in))
	seen := make(map[string]bool, len(in))
	for i, s := range in {
		if strings.TrimSpace(s) == "" {
			return nil, importErrAt(fmt.Sprintf("%s[%d]", name, i), "%s[%d] is empty", name, i)
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, nil
}

func isNull(b []byte) bool { return bytes.Equal(bytes.TrimSpace(b), []byte("null")) }

func importErrAt(path, format string, args ...any) *Error {
	return ErrorAt(EINVALIDIMPORT, path, format, args...)
}

// importTime parses a timestamp of the import at path: RFC 3339 with an
// offset, inside TimeInRange, so that no stored time breaks a page that
// shows it in UTC or in the account's zone.
func importTime(path, s string) (time.Time, error) {
	t, ok := ParseTimestamp(s)
	if !ok {
		return time.Time{}, importErrAt(path, "%s %q is not an RFC 3339 timestamp with an offset", path, s)
	}
	if err := CheckTime(EINVALIDIMPORT, path, t); err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// strictUnmarshal decodes one JSON value into v, refusing unknown keys,
// duplicate keys and trailing data, and turns decoder errors into plain
// sentences. Keys under an object key named freeMap (property names) are
// the data's own; every other key must be written exactly as the format
// spells it.
func strictUnmarshal(data []byte, v any, freeMap string) error {
	if err := formatKeysOnly(data, freeMap); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		path := "$"
		var typ *json.UnmarshalTypeError
		if errors.As(err, &typ) && typ.Field != "" {
			path = typ.Field
		} else if k, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
			if k, err := strconv.Unquote(k); err == nil {
				path = firstKeyPath(data, k)
			}
		}
		return importErrAt(path, "%s", describeJSONError(err))
	}
	if rest := bytes.TrimSpace(data[dec.InputOffset():]); len(rest) > 0 {
		return importErrAt("$", "unexpected data after the JSON object")
	}
	return nil
}

func describeJSONError(err error) string {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d: %v", e.Offset, e)
	case *json.UnmarshalTypeError:
		if e.Field != "" {
			return fmt.Sprintf("%s must be %s, not a JSON %s", e.Field, jsonKind(e.Type.Kind().String()), e.Value)
		}
		return fmt.Sprintf("expected %s, not a JSON %s", jsonKind(e.Type.Kind().String()), e.Value)
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "json: unknown field ") {
		return "unknown key " + strings.TrimPrefix(msg, "json: unknown field ")
	}
	if msg == "EOF" || msg == "unexpected EOF" {
		return "incomplete JSON"
	}
	return strings.TrimPrefix(msg, "json: ")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int64", "int", "float64":
		return "a number"
	case "slice":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "bool":
		return "true or false"
	}
	return k
}

// formatKeys are the keys of the import format and the catalog, spelled
// as they must be written.
var formatKeys = map[string]bool{
	"line_user_id": true, "display_name": true, "added_at": true, "status": true, "tags": true,
	"shopify": true, "hubspot": true, "klaviyo": true, "customer_id": true, "orders_count": true,
	"last_order_at": true, "checkouts": true, "id": true, "updated_at": true, "completed_at": true,
	"contact_id": true, "segments": true, "properties": true, "profile_id": true, "lists": true,
	"name": true, "label": true, "type": true, "options": true, "value": true,
}

// formatKeysOnly refuses, in one walk, a key an object repeats (as
// CheckDuplicateKeys) and a key that is not one of formatKeys as written:
// encoding/json matches struct fields ignoring case, so without it "Tags"
// would be read as "tags" (and next to "tags", silently win or lose).
// Keys inside an object held under the key freeMap are the data's own and
// only checked for repeats.
func formatKeysOnly(data []byte, freeMap string) error {
	var err error
	walkKeys(data, func(stack []keyFrame, k []byte) bool {
		if stack[len(stack)-1].seen(k) {
			key := string(k)
			err = importErrAt(joinKey(stackPath(stack), key), "the key %q appears twice in one object", key)
			return true
		}
		for _, f := range stack[:len(stack)-1] {
			if freeMap != "" && f.object && string(f.key) == freeMap {
				return false
			}
		}
		if !formatKeys[string(k)] {
			key := string(k)
			err = importErrAt(joinKey(stackPath(stack), key), "unknown key %q", key)
			return true
		}
		return false
	})
	return err
}
