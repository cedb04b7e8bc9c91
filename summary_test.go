package kizuna_test

import (
	"fmt"
	"os"
	"testing"
	"time"
	"encoding/json"

	"github.com/kizuna-line/kizuna"
)

func TestScratchSummar(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)
	raw, _ := os.ReadFile("testdata/conformance/catalog.json")
	cat, err := kizuna.ParseCatalog(raw)
	if err != nil { t.Fatal(err) }
	data, _ := os.ReadFile("testdata/conformance/cases.json")
	var c struct{ Cases []struct{ Name string; Filter json.RawMessage } }
	json.Unmarshal(data, &c)
	for _, tc := range c.Cases {
		f, err := kizuna.ParseFilter(tc.Filter)
		if err != nil { continue }
		fmt.Println(tc.Name, string(tc.Filter))
		fmt.Println("  EN:", kizuna.Summarize(f, cat, loc, now, "en"))
		fmt.Println("  JA:", kizuna.Summarize(f, cat, loc, now, "ja"))
	}
}
