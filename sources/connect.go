package sources

import (
	"context"
	"strings"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/hubspot"
	"github.com/kizuna-line/kizuna/klaviyo"
	"github.com/kizuna-line/kizuna/shopify"
)

// DefaultBase returns a source's API base URL when a connection gives
// none: Shopify's is the shop's own (https://{shop_domain}).
func DefaultBase(source string, config map[string]string) string {
	switch source {
	case kizuna.SourceShopify:
		if d := strings.TrimSpace(config["shop_domain"]); d != "" {
			return "https://" + d
		}
	case kizuna.SourceHubSpot:
		return hubspot.DefaultBaseURL
	case kizuna.SourceKlaviyo:
		return klaviyo.DefaultBaseURL
	}
	return ""
}

// Check makes one real call with a connection's credentials: a wrong
// token is a clear refusal, before anything is stored.
func Check(ctx context.Context, c *kizuna.Connection, secrets kizuna.ConnectionSecrets, o Options) error {
	if err := kizuna.CheckConnection(*c, secrets); err != nil {
		return err
	}
	if strings.TrimSpace(c.APIBase) == "" {
		c.APIBase = DefaultBase(c.Source, c.Config)
	}
	base, err := kizuna.CleanAPIBase(c.APIBase)
	if err != nil {
		return err
	}
	c.APIBase = base
	switch c.Source {
	case kizuna.SourceShopify:
		cl, err := shopify.New(shopify.Config{BaseURL: c.APIBase, AccessToken: secrets["access_token"], APIVersion: c.Config["api_version"],
			HTTPClient: o.HTTPClient, Now: o.Now, Sleep: o.Sleep})
		if err != nil {
			return err
		}
		_, err = cl.Check(ctx)
		return err
	case kizuna.SourceHubSpot:
		cl, err := hubspot.New(hubspot.Config{BaseURL: c.APIBase, AccessToken: secrets["access_token"], Version: c.Config["api_version"],
			HTTPClient: o.HTTPClient, Now: o.Now, Sleep: o.Sleep})
		if err != nil {
			return err
		}
		return cl.Check(ctx)
	case kizuna.SourceKlaviyo:
		cl, err := klaviyo.New(klaviyo.Config{BaseURL: c.APIBase, APIKey: secrets["api_key"], Revision: c.Config["revision"],
			HTTPClient: o.HTTPClient, Now: o.Now, Sleep: o.Sleep})
		if err != nil {
			return err
		}
		return cl.Check(ctx)
	}
	return kizuna.ErrorAt(kizuna.EINVALID, "source", "the source must be shopify, hubspot or klaviyo")
}

// Connect checks a connection with one real call, then stores it.
func Connect(ctx context.Context, st kizuna.ConnectionStore, a *kizuna.Account, actor string, c kizuna.Connection, secrets kizuna.ConnectionSecrets, o Options) error {
	if err := Check(ctx, &c, secrets, o); err != nil {
		return err
	}
	return st.Connect(ctx, a, actor, c, secrets)
}
