package kizuna

import (
	"bytes"
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Property types (spec 3.1): how a stored property value is read.
const (
	TypeString    = "string"
	TypeNumber    = "number"
	TypeBool      = "bool"
	TypeDate      = "date"
	TypeDaysSince = "days_since"
)

// PropertyReading is a stored property value read every way a condition can
// read it. Stores persist it next to the raw value at write time, so that SQL
// compares precomputed columns and never parses JSON or normalizes text.
type PropertyReading struct {
	Known   bool    // present, not null, not a blank string
	HasText bool    // readable as text (string, number or bool)
	Text    string  // Normalize(text)
	HasNum  bool    // readable as a number
	Num     float64 //
	HasBool bool    // readable as a bool
	Bool    bool    //
	HasDay  bool    // readable as an ISO-8601 date in the account's zone
	Day     Day     //
}

// ReadProperty reads the raw JSON value of a property. loc is the account's
// time zone, which gives an RFC 3339 value its calendar date.
func ReadProperty(raw json.RawMessage, loc *time.Location) PropertyReading {
	var r PropertyReading
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return r
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return r
		}
		r.Known = strings.TrimSpace(s) != ""
		r.HasText, r.Text = true, Normalize(s)
		if t := strings.TrimSpace(s); jsonNumberRe.MatchString(t) {
			r.Num, r.HasNum = parseFinite(t)
		}
		if strings.EqualFold(s, "true") || strings.EqualFold(s, "false") {
			r.HasBool, r.Bool = true, strings.EqualFold(s, "true")
		}
		r.Day, r.HasDay = parseISODate(s, loc)
	case 't', 'f':
		r.Known = true
		r.HasText, r.Text = true, string(raw)
		r.HasBool, r.Bool = true, raw[0] == 't'
	case '{', '[':
		r.Known = true
	default:
		r.Known = true
		r.HasText, r.Text = true, Normalize(string(raw))
		r.Num, r.HasNum = parseFinite(string(raw))
	}
	return r
}

// jsonNumberRe is JSON's number grammar: no leading +, no bare leading dot, no hex.
var jsonNumberRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

func parseFinite(s string) (float64, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}

// parseISODate reads "YYYY-MM-DD" as that date, or RFC 3339 as its calendar date in loc.
func parseISODate(s string, loc *time.Location) (Day, bool) {
	if d, ok := ParseDay(s); ok {
		return d, true
	}
	if len(s) < 20 {
		return 0, false
	}
	t, ok := ParseTimestamp(s)
	if !ok {
		return 0, false
	}
	return DayOf(t, loc), true
}
