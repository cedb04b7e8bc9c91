package kizuna

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ValidateSchedule checks a schedule given at now, each error at its path:
// schedule.kind (now, at, daily, weekly or monthly); schedule.at (only for
// "at": not before now minus a minute, at most a year ahead);
// schedule.time ("HH:MM", only and always for recurring kinds);
// schedule.weekdays (only weekly: 1 to 7 distinct days, 0 Sunday to 6);
// schedule.day (only monthly: 1 to 31).
func ValidateSchedule(s Schedule, now time.Time) error {
	switch s.Kind {
	case ScheduleNow, ScheduleAt, ScheduleDaily, ScheduleWeekly, ScheduleMonthly:
	default:
		return ErrorAt(EINVALID, "schedule.kind", "schedule kind must be now, at, daily, weekly or monthly")
	}

	if s.Kind == ScheduleAt {
		switch {
		case s.At == nil:
			return ErrorAt(EINVALID, "schedule.at", "a one-time broadcast needs the time to send it (at)")
		case s.At.Before(now.Add(-time.Minute)):
			return ErrorAt(EINVALID, "schedule.at", "the time to send has passed; choose a time in the future")
		case s.At.After(now.AddDate(1, 0, 0)):
			return ErrorAt(EINVALID, "schedule.at", "a broadcast can be scheduled at most one year ahead")
		}
	} else if s.At != nil {
		return ErrorAt(EINVALID, "schedule.at", "only a one-time schedule (kind at) has a time to send at")
	}

	if s.Recurring() {
		if s.Time == "" {
			return ErrorAt(EINVALID, "schedule.time", "a recurring broadcast needs its time of day (HH:MM)")
		}
		if _, _, ok := parseClock(s.Time); !ok {
			return ErrorAt(EINVALID, "schedule.time", "the time of day must be HH:MM, from 00:00 to 23:59, not %q", clip(s.Time, 20))
		}
	} else if s.Time != "" {
		return ErrorAt(EINVALID, "schedule.time", "only a recurring schedule (daily, weekly, monthly) has a time of day")
	}

	if s.Kind == ScheduleWeekly {
		if len(s.Weekdays) == 0 {
			return ErrorAt(EINVALID, "schedule.weekdays", "a weekly broadcast needs at least one weekday")
		}
		var seen [7]bool
		for _, d := range s.Weekdays {
			if d < 0 || d > 6 {
				return ErrorAt(EINVALID, "schedule.weekdays", "a weekday is 0 (Sunday) to 6 (Saturday), not %d", d)
			}
			if seen[d] {
				return ErrorAt(EINVALID, "schedule.weekdays", "the weekday %d is given twice", d)
			}
			seen[d] = true
		}
	} else if len(s.Weekdays) > 0 {
		return ErrorAt(EINVALID, "schedule.weekdays", "only a weekly schedule has weekdays")
	}

	if s.Kind == ScheduleMonthly {
		if s.Day < 1 || s.Day > 31 {
			return ErrorAt(EINVALID, "schedule.day", "a monthly broadcast needs its day of the month, 1 to 31")
		}
	} else if s.Day != 0 {
		return ErrorAt(EINVALID, "schedule.day", "only a monthly schedule has a day of the month")
	}
	return nil
}

// parseClock reads a time of day written "HH:MM", 00:00 to 23:59.
func parseClock(s string) (hour, minute int, ok bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return 0, 0, false
		}
	}
	hour = int(s[0]-'0')*10 + int(s[1]-'0')
	minute = int(s[3]-'0')*10 + int(s[4]-'0')
	if hour > 23 || minute > 59 {
		return 0, 0, false
	}
	return hour, minute, true
}

// Next returns the first run of the schedule strictly after after; false
// when there is none (a one-time schedule already past, or a schedule
// ValidateSchedule refuses). A "now" schedule runs at after itself.
//
// A recurring schedule runs once on each local date it names, at its time
// of day in loc (UTC when nil). Daylight saving time is handled: a time of
// day that a spring-forward gap skips runs at the first instant after the
// gap (02:30 on the night New York moves from 02:00 to 03:00 runs at
// 03:00); a time of day that occurs twice when clocks fall back runs once,
// at its first occurrence. A monthly day past the month's end (31 in
// April) runs on the month's last day. A date the clocks skip whole has no
// run.
func (s Schedule) Next(after time.Time, loc *time.Location) (time.Time, bool) {
	switch s.Kind {
	case ScheduleNow:
		return after, true
	case ScheduleAt:
		if s.At != nil && s.At.After(after) {
			return *s.At, true
		}
		return time.Time{}, false
	}
	if !s.Recurring() {
		return time.Time{}, false
	}
	hour, minute, ok := parseClock(s.Time)
	if !ok {
		return time.Time{}, false
	}
	var days [7]bool
	switch s.Kind {
	case ScheduleWeekly:
		for _, d := range s.Weekdays {
			if d >= 0 && d <= 6 {
				days[d] = true
			}
		}
		if days == [7]bool{} {
			return time.Time{}, false
		}
	case ScheduleMonthly:
		if s.Day < 1 || s.Day > 31 {
			return time.Time{}, false
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	// Local dates are walked as dates at midnight UTC, where every day has
	// 24 hours. The walk starts a day early: a margin that costs one step.
	y, m, d := after.In(loc).Date()
	date := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	for range 64 { // a monthly run is at most 62 days away
		if s.runsOn(date, days) {
			y, m, d := date.Date()
			t := wallInstant(y, m, d, hour, minute, loc)
			// A gap can carry the run past the date's end only when the
			// clocks skip the rest of the date (Samoa skipped 30 December
			// 2011 whole): a date that is never on the clocks has no run.
			if ty, tm, td := t.Date(); ty != y || tm != m || td != d {
				date = date.AddDate(0, 0, 1)
				continue
			}
			if t.After(after) {
				return t, true
			}
		}
		date = date.AddDate(0, 0, 1)
	}
	return time.Time{}, false
}

// runsOn reports whether a recurring schedule runs on the date (midnight
// UTC); days are a weekly schedule's weekdays.
func (s Schedule) runsOn(date time.Time, days [7]bool) bool {
	switch s.Kind {
	case ScheduleWeekly:
		return days[date.Weekday()]
	case ScheduleMonthly:
		last := time.Date(date.Year(), date.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
		return date.Day() == min(s.Day, last)
	}
	return true
}

// wallInstant returns the instant the clocks of loc show the date at
// hour:minute: the first one when they show it twice (clocks falling
// back), and the first instant after the gap when they skip it (clocks
// springing forward). time.Date leaves both choices unspecified.
func wallInstant(y int, mo time.Month, d, hour, minute int, loc *time.Location) time.Time {
	wall := time.Date(y, mo, d, hour, minute, 0, 0, time.UTC).Unix()
	offsetAt := func(u int64) int64 {
		_, off := time.Unix(u, 0).In(loc).Zone()
		return int64(off)
	}
	// The offsets that can apply: the instant is within a day of the wall
	// time read as UTC (offsets are under 24 hours), so the offsets in
	// force a day before, at and a day after it include those on both
	// sides of any change of the clocks near it.
	offsets := []int64{offsetAt(wall - 86400), offsetAt(wall), offsetAt(wall + 86400)}
	best, found := int64(0), false
	for _, off := range offsets {
		if u := wall - off; offsetAt(u) == off && (!found || u < best) {
			best, found = u, true
		}
	}
	if found {
		return time.Unix(best, 0).In(loc)
	}
	// A gap: the clocks jump from before the wall time to after it at one
	// instant, between the wall time read with the largest offset (still
	// before the jump) and with the smallest (already after it).
	lo, hi := wall-slices.Max(offsets), wall-slices.Min(offsets)
	before := offsetAt(lo)
	for lo+1 < hi { // offsetAt(lo) == before, offsetAt(hi) != before
		mid := lo + (hi-lo)/2
		if offsetAt(mid) == before {
			lo = mid
		} else {
			hi = mid
		}
	}
	return time.Unix(hi, 0).In(loc)
}

var (
	weekdaysEN = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	weekdaysJA = [7]string{"日", "月", "火", "水", "木", "金", "土"}
)

// Describe says the schedule in plain words in lang ("ja" for Japanese,
// English otherwise), with times in loc (UTC when nil): "Every week on
// Monday and Thursday at 09:00", 「毎週 月・木曜 9:00」. Weekdays are
// listed from Monday to Sunday.
func (s Schedule) Describe(lang string, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	ja := lang == "ja"
	switch s.Kind {
	case ScheduleNow:
		if ja {
			return "今すぐ"
		}
		return "Now"
	case ScheduleAt:
		if s.At == nil {
			if ja {
				return "1回"
			}
			return "Once"
		}
		t := s.At.In(loc)
		if ja {
			return fmt.Sprintf("%d年%d月%d日(%s) %d:%02d に1回", t.Year(), t.Month(), t.Day(), weekdaysJA[t.Weekday()], t.Hour(), t.Minute())
		}
		return "Once, on " + t.Format("Mon 2 Jan 2006 at 15:04")
	}
	if !s.Recurring() {
		return s.Kind
	}
	clock := s.Time
	if h, m, ok := parseClock(s.Time); ok && ja {
		clock = fmt.Sprintf("%d:%02d", h, m)
	}
	switch s.Kind {
	case ScheduleDaily:
		if ja {
			return "毎日 " + clock
		}
		return "Every day at " + clock
	case ScheduleWeekly:
		var names []string
		for _, d := range []int{1, 2, 3, 4, 5, 6, 0} {
			if slices.Contains(s.Weekdays, d) {
				if ja {
					names = append(names, weekdaysJA[d])
				} else {
					names = append(names, weekdaysEN[d])
				}
			}
		}
		if ja {
			return "毎週 " + strings.Join(names, "・") + "曜 " + clock
		}
		return "Every week on " + andList(names) + " at " + clock
	default: // monthly
		if ja {
			text := fmt.Sprintf("毎月%d日 %s", s.Day, clock)
			if s.Day > 28 {
				text += fmt.Sprintf("(%d日がない月は末日)", s.Day)
			}
			return text
		}
		text := fmt.Sprintf("Every month on day %d at %s", s.Day, clock)
		if s.Day > 28 {
			text += " (the last day in shorter months)"
		}
		return text
	}
}

// andList joins words as English does: "a", "a and b", "a, b and c".
func andList(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
