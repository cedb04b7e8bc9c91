package main

import (
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna/internal/testdb"
)

// TestBenchSync runs `kizuna bench sync` at a tiny size on both backends:
// both backfills finish with every record stored (the command fails
// otherwise) and the report has its figures; a bad flag is a usage error.
func TestBenchSync(t *testing.T) {
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			k := kizunaCLI{t: t, dsn: testdb.DSN(t, backend)}
			out := k.ok("", "bench", "sync", "--records", "600", "--shopify-restore", "100000", "--hubspot-rate", "10000", "--linked", "50").stdout
			for _, want := range []string{
				backend + " backend, 600 records a source, 50% linked",
				"shopify: fake at http://127.0.0.1:",
				"600 customers in ",
				"hubspot: fake at http://127.0.0.1:",
				"600 contacts in ",
				"% of the limit's ",
				"peak heap ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("the report lacks %q:\n%s", want, out)
				}
			}
			if r := k.run("", "bench", "sync", "--sources", "klaviyo"); r.code != exitUsage {
				t.Errorf("--sources klaviyo: exit %d, want %d", r.code, exitUsage)
			}
		})
	}
}
