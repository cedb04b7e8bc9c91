package main

import (
	"os"
	"testing"
)

// TestMain keeps the key files that commands create for PostgreSQL
// databases out of the source tree.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kizuna-keys")
	if err != nil {
		panic(err)
	}
	keyDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
