// Package sources reads Shopify, HubSpot and Klaviyo for the sync: a
// jobs.SourceReader per connection, turning each vendor's records (read
// by the packages shopify, hubspot and klaviyo) into kizuna.SourceRecords
// in the import format's shapes, so that a record reached by sync and the
// same record reached by import give the same previews.
package sources

import (
	"context"
	"net/http"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/jobs"
)

// Options are what every reader takes besides its connection.
type Options struct {
	// HTTPClient makes the calls (nil: each client's default).
	HTTPClient *http.Client
	// Now and Sleep are the clients' clock (nil: the real one); tests make
	// them virtual.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// newReader makes one source's reader; each source's file registers its
// own in init.
type newReader func(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time, o Options) (jobs.SourceReader, error)

var readers = map[string]newReader{}

// For returns jobs.Config.Sources: the reader of a connection of any
// source.
func For(o Options) func(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time) (jobs.SourceReader, error) {
	return func(c *kizuna.Connection, secrets kizuna.ConnectionSecrets, since time.Time) (jobs.SourceReader, error) {
		r, ok := readers[c.Source]
		if !ok {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
		}
		return r(c, secrets, since, o)
	}
}
