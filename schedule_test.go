package kizuna_test

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata" // the zones below, on a machine without zoneinfo

	"github.com/kizuna-line/kizuna"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestValidateSchedule: each field of a schedule is refused at its path
// when it is wrong, missing where its kind needs it, or given to a kind
// that has no use for it.
func TestValidateSchedule(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	yearAhead := now.AddDate(1, 0, 0)
	for _, s := range []kizuna.Schedule{
		{Kind: "now"},
		{Kind: "at", At: at(time.Hour)},
		{Kind: "at", At: at(-30 * time.Second)}, // the minute a form takes to send
		{Kind: "at", At: &yearAhead},
		{Kind: "daily", Time: "00:00"},
		{Kind: "daily", Time: "23:59"},
		{Kind: "weekly", Time: "09:00", Weekdays: []int{0}},
		{Kind: "weekly", Time: "09:00", Weekdays: []int{6, 5, 4, 3, 2, 1, 0}},
		{Kind: "monthly", Time: "20:00", Day: 1},
		{Kind: "monthly", Time: "20:00", Day: 31},
		{Kind: "daily", Time: "09:00", Weekdays: []int{}}, // an empty list is no list
	} {
		if err := kizuna.ValidateSchedule(s, now); err != nil {
			t.Errorf("ValidateSchedule(%+v): %v", s, err)
		}
	}
	for _, tc := range []struct {
		name string
		s    kizuna.Schedule
		path string
	}{
		{"no kind", kizuna.Schedule{}, "schedule.kind"},
		{"hourly", kizuna.Schedule{Kind: "hourly", Time: "09:00"}, "schedule.kind"},
		{"Daily", kizuna.Schedule{Kind: "Daily", Time: "09:00"}, "schedule.kind"},
		{"at without at", kizuna.Schedule{Kind: "at"}, "schedule.at"},
		{"two minutes ago", kizuna.Schedule{Kind: "at", At: at(-2 * time.Minute)}, "schedule.at"},
		{"past a year", kizuna.Schedule{Kind: "at", At: at(366 * 24 * time.Hour)}, "schedule.at"},
		{"now with at", kizuna.Schedule{Kind: "now", At: at(time.Hour)}, "schedule.at"},
		{"daily with at", kizuna.Schedule{Kind: "daily", Time: "09:00", At: at(time.Hour)}, "schedule.at"},
		{"daily without time", kizuna.Schedule{Kind: "daily"}, "schedule.time"},
		{"weekly without time", kizuna.Schedule{Kind: "weekly", Weekdays: []int{1}}, "schedule.time"},
		{"monthly without time", kizuna.Schedule{Kind: "monthly", Day: 1}, "schedule.time"},
		{"9:00", kizuna.Schedule{Kind: "daily", Time: "9:00"}, "schedule.time"},
		{"24:00", kizuna.Schedule{Kind: "daily", Time: "24:00"}, "schedule.time"},
		{"23:60", kizuna.Schedule{Kind: "daily", Time: "23:60"}, "schedule.time"},
		{"seconds", kizuna.Schedule{Kind: "daily", Time: "09:00:00"}, "schedule.time"},
		{"a space", kizuna.Schedule{Kind: "daily", Time: " 9:00"}, "schedule.time"},
		{"a letter", kizuna.Schedule{Kind: "daily", Time: "0a:00"}, "schedule.time"},
		{"full-width", kizuna.Schedule{Kind: "daily", Time: "０９:００"}, "schedule.time"},
		{"now with time", kizuna.Schedule{Kind: "now", Time: "09:00"}, "schedule.time"},
		{"at with time", kizuna.Schedule{Kind: "at", At: at(time.Hour), Time: "09:00"}, "schedule.time"},
		{"weekly without days", kizuna.Schedule{Kind: "weekly", Time: "09:00"}, "schedule.weekdays"},
		{"weekday 7", kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{1, 7}}, "schedule.weekdays"},
		{"weekday -1", kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{-1}}, "schedule.weekdays"},
		{"weekday twice", kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{1, 4, 1}}, "schedule.weekdays"},
		{"eight days", kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{0, 1, 2, 3, 4, 5, 6, 0}}, "schedule.weekdays"},
		{"daily with weekdays", kizuna.Schedule{Kind: "daily", Time: "09:00", Weekdays: []int{1}}, "schedule.weekdays"},
		{"monthly with weekdays", kizuna.Schedule{Kind: "monthly", Time: "09:00", Day: 1, Weekdays: []int{1}}, "schedule.weekdays"},
		{"monthly without day", kizuna.Schedule{Kind: "monthly", Time: "09:00"}, "schedule.day"},
		{"day 32", kizuna.Schedule{Kind: "monthly", Time: "09:00", Day: 32}, "schedule.day"},
		{"day -1", kizuna.Schedule{Kind: "monthly", Time: "09:00", Day: -1}, "schedule.day"},
		{"weekly with day", kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{1}, Day: 3}, "schedule.day"},
		{"now with day", kizuna.Schedule{Kind: "now", Day: 3}, "schedule.day"},
	} {
		errAt(t, tc.name, kizuna.ValidateSchedule(tc.s, now), tc.path)
	}
}

// TestNextOnceAndNow: "now" runs at once; "at" runs at its instant if it
// is still ahead, then never again.
func TestNextOnceAndNow(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	if got, ok := (kizuna.Schedule{Kind: "now"}).Next(now, time.UTC); !ok || !got.Equal(now) {
		t.Errorf("now: Next = %v, %v; want %v", got, ok, now)
	}
	at := now.Add(72 * time.Hour)
	s := kizuna.Schedule{Kind: "at", At: &at}
	if got, ok := s.Next(now, time.UTC); !ok || !got.Equal(at) {
		t.Errorf("at: Next = %v, %v; want %v", got, ok, at)
	}
	for _, after := range []time.Time{at, at.Add(time.Second)} {
		if got, ok := s.Next(after, time.UTC); ok {
			t.Errorf("at: Next(%v) = %v, want none", after, got)
		}
	}
	if got, ok := (kizuna.Schedule{Kind: "at"}).Next(now, time.UTC); ok {
		t.Errorf("at without a time: Next = %v", got)
	}
	for _, s := range []kizuna.Schedule{
		{Kind: "daily", Time: "25:00"},
		{Kind: "weekly", Time: "09:00"},
		{Kind: "weekly", Time: "09:00", Weekdays: []int{9}},
		{Kind: "monthly", Time: "09:00"},
		{Kind: "hourly", Time: "09:00"},
	} {
		if got, ok := s.Next(now, time.UTC); ok {
			t.Errorf("%+v: Next = %v, want none", s, got)
		}
	}
}

// TestNextDailyEveryDate iterates two years of daily runs in zones with
// and without daylight saving time (New York and London by an hour, Lord
// Howe by 30 minutes): every local date gets exactly one run, at its time
// of day when the clocks show it (its first occurrence when they show it
// twice), or at the first instant after the gap when they skip it.
func TestNextDailyEveryDate(t *testing.T) {
	for _, zone := range []string{"Asia/Tokyo", "America/New_York", "Europe/London", "Australia/Lord_Howe", "UTC"} {
		loc := mustZone(t, zone)
		for _, clock := range []string{"00:00", "00:30", "01:00", "01:30", "01:45", "02:00", "02:15", "02:30", "09:00", "23:59"} {
			s := kizuna.Schedule{Kind: "daily", Time: clock}
			var hour, minute int
			fmt.Sscanf(clock, "%d:%d", &hour, &minute)
			start := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			end := time.Date(2028, 1, 1, 0, 0, 0, 0, loc)
			wantDate := start
			runs, gaps, twice := 0, 0, 0
			for after := start.Add(-time.Nanosecond); ; {
				run, ok := s.Next(after, loc)
				if !ok {
					t.Fatalf("%s %s: no run after %v", zone, clock, after)
				}
				if !run.After(after) {
					t.Fatalf("%s %s: Next(%v) = %v, not after it", zone, clock, after, run)
				}
				if !run.Before(end) {
					break
				}
				runs++
				local := run.In(loc)
				if y, m, d := local.Date(); y != wantDate.Year() || m != wantDate.Month() || d != wantDate.Day() {
					t.Fatalf("%s %s: run %v is on %d-%02d-%02d, want %s", zone, clock, local, y, m, d, wantDate.Format("2006-01-02"))
				}
				if local.Hour() == hour && local.Minute() == minute && local.Second() == 0 {
					// The first occurrence: no earlier instant of the same
					// date shows the same time.
					shows := func(d time.Duration) bool {
						e := run.Add(d).In(loc)
						return e.Day() == local.Day() && e.Hour() == hour && e.Minute() == minute
					}
					for _, d := range []time.Duration{30 * time.Minute, time.Hour, 2 * time.Hour} {
						if shows(-d) {
							t.Errorf("%s %s: run %v is a second occurrence, %v after the first", zone, clock, local, d)
						}
						if shows(d) {
							twice++ // the clocks show it again later: this is the first
						}
					}
				} else {
					// Skipped: the instant before the run shows an earlier
					// time, under another offset.
					gaps++
					before := run.Add(-time.Second).In(loc)
					_, offBefore := before.Zone()
					_, offRun := local.Zone()
					wall := time.Date(local.Year(), local.Month(), local.Day(), hour, minute, 0, 0, time.UTC)
					beforeWall := time.Date(before.Year(), before.Month(), before.Day(), before.Hour(), before.Minute(), before.Second(), 0, time.UTC)
					runWall := time.Date(local.Year(), local.Month(), local.Day(), local.Hour(), local.Minute(), local.Second(), 0, time.UTC)
					if offBefore == offRun || !beforeWall.Before(wall) || !runWall.After(wall) {
						t.Errorf("%s %s: run %v is not at its time and not right after a gap (the second before is %v)", zone, clock, local, before)
					}
				}
				wantDate = wantDate.AddDate(0, 0, 1)
				after = run
			}
			if runs != 730 {
				t.Errorf("%s %s: %d runs in 2026 and 2027, want 730", zone, clock, runs)
			}
			// Each year skips and repeats one stretch of time in these
			// zones with daylight saving time.
			wantGaps, wantTwice := 0, 0
			switch {
			case zone == "America/New_York" && (clock == "02:00" || clock == "02:15" || clock == "02:30"):
				wantGaps = 2
			case zone == "America/New_York" && (clock == "01:00" || clock == "01:30" || clock == "01:45"):
				wantTwice = 2
			case zone == "Europe/London" && (clock == "01:00" || clock == "01:30" || clock == "01:45"):
				wantGaps, wantTwice = 2, 2
			case zone == "Australia/Lord_Howe" && (clock == "02:00" || clock == "02:15"):
				wantGaps = 2
			case zone == "Australia/Lord_Howe" && (clock == "01:30" || clock == "01:45"):
				wantTwice = 2
			}
			if gaps != wantGaps || twice != wantTwice {
				t.Errorf("%s %s: %d runs in gaps, %d first occurrences of repeated times; want %d and %d", zone, clock, gaps, twice, wantGaps, wantTwice)
			}
		}
	}
}

// TestNextDST pins the runs on the nights the clocks change.
func TestNextDST(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, tc := range []struct {
		zone, clock, after, want, wall string
	}{
		// New York springs from 02:00 to 03:00 on 8 March 2026.
		{"America/New_York", "02:30", "2026-03-07T00:00:00Z", "2026-03-07T07:30:00Z", "2026-03-07 02:30 EST"},
		{"America/New_York", "02:30", "2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"},
		{"America/New_York", "02:30", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z", "2026-03-09 02:30 EDT"},
		{"America/New_York", "02:00", "2026-03-08T00:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"},
		{"America/New_York", "03:00", "2026-03-08T00:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08 03:00 EDT"},
		{"America/New_York", "09:00", "2026-03-07T15:00:00Z", "2026-03-08T13:00:00Z", "2026-03-08 09:00 EDT"},
		// New York falls back from 02:00 to 01:00 on 1 November 2026.
		{"America/New_York", "01:30", "2026-10-31T12:00:00Z", "2026-11-01T05:30:00Z", "2026-11-01 01:30 EDT"},
		{"America/New_York", "01:30", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-02 01:30 EST"},
		{"America/New_York", "01:30", "2026-11-01T05:45:00Z", "2026-11-02T06:30:00Z", "2026-11-02 01:30 EST"}, // not the second 01:30
		{"America/New_York", "02:00", "2026-10-31T12:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01 02:00 EST"},
		// London springs from 01:00 to 02:00 on 29 March and falls back on 25 October 2026.
		{"Europe/London", "01:30", "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29 02:00 BST"},
		{"Europe/London", "01:30", "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z", "2026-10-25 01:30 BST"},
		{"Europe/London", "01:30", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-26 01:30 GMT"},
		// Lord Howe moves by 30 minutes: back from 02:00 to 01:30 on 5 April,
		// forward from 02:00 to 02:30 on 4 October 2026.
		{"Australia/Lord_Howe", "01:45", "2026-04-04T00:00:00Z", "2026-04-04T14:45:00Z", "2026-04-05 01:45 +11"},
		{"Australia/Lord_Howe", "01:45", "2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z", "2026-04-06 01:45 +1030"},
		{"Australia/Lord_Howe", "02:15", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z", "2026-10-04 02:30 +11"},
		{"Australia/Lord_Howe", "02:30", "2026-10-03T00:00:00Z", "2026-10-03T15:30:00Z", "2026-10-04 02:30 +11"},
		// Tokyo has no daylight saving time.
		{"Asia/Tokyo", "09:00", "2026-12-03T23:59:59Z", "2026-12-04T00:00:00Z", "2026-12-04 09:00 JST"},
		{"Asia/Tokyo", "09:00", "2026-12-04T00:00:00Z", "2026-12-05T00:00:00Z", "2026-12-05 09:00 JST"},
	} {
		loc := mustZone(t, tc.zone)
		got, ok := kizuna.Schedule{Kind: "daily", Time: tc.clock}.Next(utc(tc.after), loc)
		if !ok || !got.Equal(utc(tc.want)) || got.In(loc).Format("2006-01-02 15:04 MST") != tc.wall {
			t.Errorf("%s daily %s after %s: %v (%s), want %s (%s)", tc.zone, tc.clock, tc.after,
				got.UTC().Format(time.RFC3339), got.In(loc).Format("2006-01-02 15:04 MST"), tc.want, tc.wall)
		}
	}
}

// TestNextSkippedDate: Samoa skipped 30 December 2011 whole; a daily
// schedule has no run that date and one on each of the dates around it.
func TestNextSkippedDate(t *testing.T) {
	loc := mustZone(t, "Pacific/Apia")
	s := kizuna.Schedule{Kind: "daily", Time: "09:00"}
	after := time.Date(2011, 12, 28, 12, 0, 0, 0, loc)
	var got []string
	for range 3 {
		run, ok := s.Next(after, loc)
		if !ok {
			t.Fatal("no run")
		}
		got = append(got, run.In(loc).Format("2006-01-02 15:04"))
		after = run
	}
	if want := "[2011-12-29 09:00 2011-12-31 09:00 2012-01-01 09:00]"; fmt.Sprint(got) != want {
		t.Errorf("runs %v, want %s", got, want)
	}
}

// TestNextWeekly: a weekly schedule runs on its weekdays only, each one
// once, for a year.
func TestNextWeekly(t *testing.T) {
	loc := mustZone(t, "America/New_York")
	s := kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{4, 1}} // Monday and Thursday
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, loc)                          // a Friday
	first, ok := s.Next(start, loc)
	if want := time.Date(2026, 12, 7, 9, 0, 0, 0, loc); !ok || !first.Equal(want) {
		t.Fatalf("first run %v, want %v", first, want)
	}
	want := 0
	for d := time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		if d.Weekday() == time.Monday || d.Weekday() == time.Thursday {
			want++
		}
	}
	runs := 0
	for after := start; ; runs++ {
		run, ok := s.Next(after, loc)
		if !ok {
			t.Fatal("no run")
		}
		local := run.In(loc)
		if local.Year() >= 2028 {
			break
		}
		if wd := local.Weekday(); wd != time.Monday && wd != time.Thursday || local.Hour() != 9 || local.Minute() != 0 {
			t.Fatalf("run on %v", local)
		}
		if gap := local.Sub(after.In(loc)).Hours(); runs > 0 && (gap < 71 || gap > 97) {
			t.Fatalf("run %v comes %.0f hours after the previous one", local, gap)
		}
		after = run
	}
	if runs != want {
		t.Errorf("%d runs, want %d Mondays and Thursdays", runs, want)
	}
}

// TestNextMonthly: a monthly day past the month's end runs on the month's
// last day, in every month, once.
func TestNextMonthly(t *testing.T) {
	loc := mustZone(t, "Europe/London")
	for _, tc := range []struct {
		day  int
		want []int // the day of each month of 2027 and 2028
	}{
		{31, []int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}},
		{30, []int{30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 29, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30}},
		{29, []int{29, 28, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29, 29}},
		{1, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
	} {
		s := kizuna.Schedule{Kind: "monthly", Time: "20:00", Day: tc.day}
		after := time.Date(2026, 12, 31, 21, 0, 0, 0, loc)
		for i, day := range tc.want {
			run, ok := s.Next(after, loc)
			local := run.In(loc)
			wantMonth := time.Month(i%12 + 1)
			if !ok || local.Year() != 2027+i/12 || local.Month() != wantMonth || local.Day() != day || local.Hour() != 20 || local.Minute() != 0 {
				t.Errorf("day %d: run %d is %v, want %d %s %d at 20:00", tc.day, i, local, day, wantMonth, 2027+i/12)
				break
			}
			after = run
		}
	}
}

// TestDescribe: a schedule in plain words, in English and Japanese, in the
// account's zone.
func TestDescribe(t *testing.T) {
	tokyo := mustZone(t, "Asia/Tokyo")
	at := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC) // 09:00 in Tokyo, a Friday
	for _, tc := range []struct {
		s      kizuna.Schedule
		loc    *time.Location
		en, ja string
	}{
		{kizuna.Schedule{Kind: "now"}, tokyo, "Now", "今すぐ"},
		{kizuna.Schedule{Kind: "at", At: &at}, tokyo, "Once, on Fri 4 Dec 2026 at 09:00", "2026年12月4日(金) 9:00 に1回"},
		{kizuna.Schedule{Kind: "at", At: &at}, mustZone(t, "America/New_York"), "Once, on Thu 3 Dec 2026 at 19:00", "2026年12月3日(木) 19:00 に1回"},
		{kizuna.Schedule{Kind: "daily", Time: "09:00"}, tokyo, "Every day at 09:00", "毎日 9:00"},
		{kizuna.Schedule{Kind: "daily", Time: "00:05"}, nil, "Every day at 00:05", "毎日 0:05"},
		{kizuna.Schedule{Kind: "weekly", Time: "09:00", Weekdays: []int{4, 1}}, tokyo, "Every week on Monday and Thursday at 09:00", "毎週 月・木曜 9:00"},
		{kizuna.Schedule{Kind: "weekly", Time: "18:30", Weekdays: []int{0}}, tokyo, "Every week on Sunday at 18:30", "毎週 日曜 18:30"},
		{kizuna.Schedule{Kind: "weekly", Time: "18:30", Weekdays: []int{0, 5, 3, 1}}, tokyo, "Every week on Monday, Wednesday, Friday and Sunday at 18:30", "毎週 月・水・金・日曜 18:30"},
		{kizuna.Schedule{Kind: "monthly", Time: "20:00", Day: 31}, tokyo, "Every month on day 31 at 20:00 (the last day in shorter months)", "毎月31日 20:00(31日がない月は末日)"},
		{kizuna.Schedule{Kind: "monthly", Time: "20:00", Day: 29}, tokyo, "Every month on day 29 at 20:00 (the last day in shorter months)", "毎月29日 20:00(29日がない月は末日)"},
		{kizuna.Schedule{Kind: "monthly", Time: "08:05", Day: 15}, tokyo, "Every month on day 15 at 08:05", "毎月15日 8:05"},
	} {
		if got := tc.s.Describe("en", tc.loc); got != tc.en {
			t.Errorf("Describe(en, %+v) = %q, want %q", tc.s, got, tc.en)
		}
		if got := tc.s.Describe("ja", tc.loc); got != tc.ja {
			t.Errorf("Describe(ja, %+v) = %q, want %q", tc.s, got, tc.ja)
		}
	}
}
