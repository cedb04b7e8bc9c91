package kizuna

import "time"

// Next returns the first instant of the schedule strictly after after, in
// the zone loc; false when there is none (a one-time schedule already
// past).
//
// TODO(h-domain): implement daily, weekly, monthly (DST-correct).
func (s Schedule) Next(after time.Time, loc *time.Location) (time.Time, bool) {
	switch s.Kind {
	case ScheduleNow:
		return after, true
	case ScheduleAt:
		if s.At != nil && s.At.After(after) {
			return *s.At, true
		}
	}
	return time.Time{}, false
}

// ValidateSchedule checks a schedule given at now (an "at" in the past is
// refused), each error at its path ("schedule.time").
//
// TODO(h-domain): implement.
func ValidateSchedule(s Schedule, now time.Time) error {
	switch s.Kind {
	case ScheduleNow, ScheduleAt, ScheduleDaily, ScheduleWeekly, ScheduleMonthly:
		return nil
	}
	return ErrorAt(EINVALID, "schedule.kind", "schedule kind must be now, at, daily, weekly or monthly")
}
