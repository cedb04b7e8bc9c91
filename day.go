package kizuna

import (
	"time"
)

// Day is a calendar date counted in days since 1970-01-01. Calendar dates are
// stored this way so that "days since" arithmetic is integer subtraction in Go
// and in SQL alike.
type Day int64

// DayOf returns the calendar date of t in loc.
func DayOf(t time.Time, loc *time.Location) Day {
	y, m, d := t.In(loc).Date()
	return DayFromDate(y, m, d)
}

// DayFromDate returns the Day of a proleptic Gregorian date.
func DayFromDate(y int, m time.Month, d int) Day {
	return Day(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// ParseDay parses a strict "YYYY-MM-DD" date that exists in the calendar.
func ParseDay(s string) (Day, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	for i, c := range []byte(s) {
		if i == 4 || i == 7 {
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return 0, false
	}
	return DayFromDate(t.Date()), true
}

// Time returns midnight UTC of the day, for formatting.
func (d Day) Time() time.Time { return time.Unix(int64(d)*86400, 0).UTC() }

// String formats the day as YYYY-MM-DD.
func (d Day) String() string { return d.Time().Format(time.DateOnly) }

// ParseTimestamp parses an RFC 3339 timestamp with an offset and truncates it
// to microseconds, the precision every backend keeps.
func ParseTimestamp(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	// Go accepts offsets up to ±99:59; RFC 3339's hours stop at 23.
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 {
		return time.Time{}, false
	}
	return t.Truncate(time.Microsecond), true
}

// HoursSince returns floor((now - t) / 1h), negative for a future t.
func HoursSince(t, now time.Time) int64 {
	d := now.UnixMicro() - t.UnixMicro()
	const h = int64(time.Hour / time.Microsecond)
	q := d / h
	if d%h != 0 && d < 0 {
		q--
	}
	return q
}
