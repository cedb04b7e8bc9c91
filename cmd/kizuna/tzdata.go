package main

// The binary carries the IANA time-zone database (about 450 KB), so that an
// account's days are counted in its own zone on a host without zone data
// (a scratch or distroless container): without it the zone would not load,
// and the store refuses such an account rather than count in UTC.
import _ "time/tzdata"
