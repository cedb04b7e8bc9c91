//go:build race

package sqlstore_test

// raceEnabled reports whether the tests run with the race detector, which
// makes the pure-Go SQLite about 20 times slower (every pointer operation of
// the translated C is checked): the randomized tests then do less work.
const raceEnabled = true
