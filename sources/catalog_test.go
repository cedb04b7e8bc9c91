package sources_test

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/engine"
	"github.com/kizuna-line/kizuna/internal/conformance"
	"github.com/kizuna-line/kizuna/internal/hubspotfake"
	"github.com/kizuna-line/kizuna/internal/klaviyofake"
	"github.com/kizuna-line/kizuna/internal/shopifyfake"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/jobs"
	"github.com/kizuna-line/kizuna/sources"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// catalogSync runs a sync of a kind to its end with a new reader.
func catalogSync(t *testing.T, db *sqlstore.DB, a *kizuna.Account, source, kind string, r jobs.SourceReader) {
	t.Helper()
	ctx := context.Background()
	s, err := db.StartSourceSync(ctx, a, source, kind, "test-"+kind)
	if err != nil {
		t.Fatal(err)
	}
	done, err := jobs.SyncSource(ctx, db, r, a, s, nil)
	if err != nil || done.Status != "done" {
		t.Fatalf("%s %s: %+v %v", source, kind, done, err)
	}
}

// catalogSection reads the account's section of a source.
func catalogSection(t *testing.T, db *sqlstore.DB, a *kizuna.Account, source string) *kizuna.CatalogSection {
	t.Helper()
	c, err := db.Catalog(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	// What the sync stored is a catalog an import would accept.
	b, _ := json.Marshal(c)
	if _, err := kizuna.ParseCatalog(b); err != nil {
		t.Fatalf("the synced catalog does not parse: %v\n%s", err, b)
	}
	s := c.HubSpot
	if source == kizuna.SourceKlaviyo {
		s = c.Klaviyo
	}
	if s == nil {
		t.Fatalf("no %s section", source)
	}
	return s
}

// byID sorts lists by ID (the vendors keep their own order).
func byID(ls []kizuna.CatalogList) []kizuna.CatalogList {
	out := slices.Clone(ls)
	slices.SortFunc(out, func(a, b kizuna.CatalogList) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

func propertyNamed(s *kizuna.CatalogSection, name string) *kizuna.CatalogProperty {
	for i := range s.Properties {
		if s.Properties[i].Name == name {
			return &s.Properties[i]
		}
	}
	return nil
}

// sameProperties checks that every property of want is in got, equal.
func sameProperties(t *testing.T, got, want *kizuna.CatalogSection) {
	t.Helper()
	for _, w := range want.Properties {
		g := propertyNamed(got, w.Name)
		if g == nil {
			t.Errorf("property %s missing", w.Name)
			continue
		}
		gj, _ := json.Marshal(g)
		wj, _ := json.Marshal(w)
		if !bytes.Equal(gj, wj) {
			t.Errorf("property %s: %s, want %s", w.Name, gj, wj)
		}
	}
}

// TestSyncCatalogHubSpot: a backfill from a fake HubSpot that answers the
// conformance catalog puts it in the account's catalog (its segments,
// and its properties with labels, types and options), with HubSpot's
// other offered properties and without the LINE user ID, hs_object_id,
// lastmodifieddate, hidden ones and HubSpot's computed hs_ ones; the
// previews still equal the import's. A list renamed and one added in
// HubSpot are in the catalog after the next poll, which costs one
// properties call and two lists calls.
func TestSyncCatalogHubSpot(t *testing.T) {
	v := conformance.Load(t)
	want, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			a, b := hubspotAccounts(t, db, v, "hubspot")
			// A's catalog starts other than the source's: the sync replaces it.
			if err := db.PutCatalog(ctx, a, &kizuna.Catalog{HubSpot: &kizuna.CatalogSection{Segments: []kizuna.CatalogList{{ID: "7", Name: "Gone"}}}}); err != nil {
				t.Fatal(err)
			}
			s := newHubSpotSetup(t, v)
			if err := s.fake.LoadCatalog(want.HubSpot); err != nil {
				t.Fatal(err)
			}
			s.fake.DefineProperty(hubspotfake.Property{Name: "hs_analytics_source", Label: "Original Source", Type: "enumeration", FieldType: "select",
				Options: []hubspotfake.Option{{Label: "Direct Traffic", Value: "DIRECT_TRAFFIC"}}, ModificationMetadata: hubspotfake.ModificationMetadata{ReadOnlyValue: true}})
			s.fake.DefineProperty(hubspotfake.Property{Name: "secret_score", Label: "Secret score", Type: "number", FieldType: "number", Hidden: true})
			s.fake.DefineProperty(hubspotfake.Property{Name: "hs_language", Label: "Preferred language", Type: "enumeration", FieldType: "select",
				Options: []hubspotfake.Option{{Label: "Japanese", Value: "ja"}, {Label: "Old", Value: "xx", Hidden: true}}})
			s.fake.DefineProperty(hubspotfake.Property{Name: "first_order", Label: "First order", Type: "datetime", FieldType: "date"})

			catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, s.reader(t, time.Time{}))
			got := catalogSection(t, db, a, kizuna.SourceHubSpot)
			if !slices.Equal(byID(got.Segments), byID(want.HubSpot.Segments)) {
				t.Errorf("segments %v, want %v", got.Segments, want.HubSpot.Segments)
			}
			sameProperties(t, got, want.HubSpot)
			for _, name := range []string{"line_user_id", "hs_object_id", "lastmodifieddate", "hs_analytics_source", "secret_score"} {
				if propertyNamed(got, name) != nil {
					t.Errorf("%s is offered", name)
				}
			}
			for name, w := range map[string]string{
				"email":         `{"name":"email","label":"Email","type":"string"}`,
				"total_revenue": `{"name":"total_revenue","label":"Total Revenue","type":"number"}`,
				"hs_language":   `{"name":"hs_language","label":"Preferred language","type":"string","options":[{"value":"ja","label":"Japanese"}]}`,
				"first_order":   `{"name":"first_order","label":"First order","type":"date"}`,
			} {
				if g, _ := json.Marshal(propertyNamed(got, name)); string(g) != w {
					t.Errorf("%s: %s, want %s", name, g, w)
				}
			}
			hubspotSamePreviews(t, db, v, a, b)

			// A renamed list and a new one reach the catalog with the next poll.
			if err := s.fake.RenameList("101", "Trade show leads 2027"); err != nil {
				t.Fatal(err)
			}
			added := s.fake.CreateList("Spring sale", "MANUAL")
			props, lists := s.fake.Count(hubspotfake.RouteProperties), s.fake.Count(hubspotfake.RouteLists)
			catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncPoll, s.reader(t, s.opts.Now()))
			got = catalogSection(t, db, a, kizuna.SourceHubSpot)
			if n := (&kizuna.Catalog{HubSpot: got}).ListName("hubspot", "101"); n != "Trade show leads 2027" {
				t.Errorf("list 101 is %q after the poll", n)
			}
			if n := (&kizuna.Catalog{HubSpot: got}).ListName("hubspot", added); n != "Spring sale" {
				t.Errorf("the new list %s is %q after the poll", added, n)
			}
			if p, l := s.fake.Count(hubspotfake.RouteProperties)-props, s.fake.Count(hubspotfake.RouteLists)-lists; p != 1 || l != 2 {
				t.Errorf("the poll made %d properties calls and %d lists calls, want 1 and 2", p, l)
			}
		})
	}
}

// TestHubSpotCatalogConfig: a connection that names the properties to
// read offers only those (the others are not read), and the renaming
// call of HubSpot's lists API is served in its wire format.
func TestHubSpotCatalogConfig(t *testing.T) {
	v := conformance.Load(t)
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	s := newHubSpotSetup(t, v)
	s.conn.Config["properties"] = "lifecyclestage,company,line_user_id"
	// Rename through the API, as a HubSpot user would.
	req, _ := http.NewRequest(http.MethodPut, s.conn.APIBase+"/crm/v3/lists/250/update-list-name?listName="+url.QueryEscape("大口見込み客"), nil)
	req.Header.Set("Authorization", "Bearer pat-na1-test")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		UpdatedList struct {
			ListID string `json:"listId"`
			Name   string `json:"name"`
		} `json:"updatedList"`
	}
	json.NewDecoder(res.Body).Decode(&out)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || out.UpdatedList.ListID != "250" || out.UpdatedList.Name != "大口見込み客" {
		t.Fatalf("rename: %d %+v", res.StatusCode, out)
	}
	catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, s.reader(t, time.Time{}))
	got := catalogSection(t, db, a, kizuna.SourceHubSpot)
	var names []string
	for _, p := range got.Properties {
		names = append(names, p.Name)
	}
	if slices.Sort(names); !slices.Equal(names, []string{"company", "lifecyclestage"}) {
		t.Errorf("properties %v, want company and lifecyclestage", names)
	}
	if n := (&kizuna.Catalog{HubSpot: got}).ListName("hubspot", "250"); n != "大口見込み客" {
		t.Errorf("list 250 is %q", n)
	}
	if c, _ := db.Catalog(ctx, a); c.Klaviyo != nil {
		t.Errorf("a HubSpot sync wrote a Klaviyo section: %+v", c.Klaviyo)
	}
}

// klaviyoCatalogSetup serves a fake Klaviyo with the conformance
// friends' profiles and the catalog's list names, and returns a reader
// maker for it.
func klaviyoCatalogSetup(t *testing.T, v *conformance.Vectors, want *kizuna.Catalog) (*klaviyofake.Fake, string, func(since time.Time) jobs.SourceReader) {
	t.Helper()
	f := klaviyofake.New(klaviyofake.Config{APIKey: "pk_test_catalog"})
	if _, err := f.LoadNDJSON(bytes.NewReader(v.Friends)); err != nil {
		t.Fatal(err)
	}
	if err := f.LoadCatalog(want.Klaviyo); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	t.Cleanup(func() { f.Close(); srv.Close() })
	conn := &kizuna.Connection{Source: kizuna.SourceKlaviyo, APIBase: srv.URL, Config: map[string]string{}}
	opts := sources.Options{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	return f, srv.URL, func(since time.Time) jobs.SourceReader {
		r, err := sources.For(opts)(conn, kizuna.ConnectionSecrets{"api_key": "pk_test_catalog"}, since)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

// TestSyncCatalogKlaviyo: Klaviyo's lists reach the catalog by a sync;
// its properties, which Klaviyo does not describe, are the account's
// (labels and types kept) and those the sync saw on profiles, typed by
// their values, labelled with their names; the LINE user ID property is
// not offered. A list renamed or added, and a property first set on a
// profile, are in the catalog after the next poll.
func TestSyncCatalogKlaviyo(t *testing.T) {
	v := conformance.Load(t)
	want, err := kizuna.ParseCatalog(v.Catalog)
	if err != nil {
		t.Fatal(err)
	}
	for _, backend := range testdb.Backends() {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			db := testdb.Open(t, backend)
			fresh, err := db.CreateAccount(ctx, "fresh", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			imported, err := db.CreateAccount(ctx, "imported", "Asia/Tokyo")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.PutCatalog(ctx, imported, want); err != nil {
				t.Fatal(err)
			}
			f, base, reader := klaviyoCatalogSetup(t, v, want)
			for _, a := range []*kizuna.Account{fresh, imported} {
				catalogSync(t, db, a, kizuna.SourceKlaviyo, kizuna.SyncBackfill, reader(time.Time{}))
			}

			// The fresh account learns every property from the profiles,
			// with the types the conformance catalog gives them.
			got := catalogSection(t, db, fresh, kizuna.SourceKlaviyo)
			if !slices.Equal(byID(got.Lists), byID(want.Klaviyo.Lists)) {
				t.Errorf("lists %v, want %v", got.Lists, want.Klaviyo.Lists)
			}
			var learned []string
			for _, p := range got.Properties {
				learned = append(learned, p.Name+":"+p.Type+":"+p.Label)
			}
			if w := []string{"accepts_marketing:bool:accepts_marketing", "birthday:date:birthday", "favorite_category:string:favorite_category",
				"last_open:date:last_open", "plan:string:plan", "points:number:points"}; !slices.Equal(learned, w) {
				t.Errorf("learned %v, want %v", learned, w)
			}
			// The imported catalog keeps its words.
			got = catalogSection(t, db, imported, kizuna.SourceKlaviyo)
			gj, _ := json.Marshal(got.Properties)
			wj, _ := json.Marshal(want.Klaviyo.Properties)
			if !bytes.Equal(gj, wj) {
				t.Errorf("properties %s, want %s", gj, wj)
			}

			// Renamed (through the API), added, and a new property.
			body := `{"data":{"type":"list","id":"Y6nRLr","attributes":{"name":"Weekly newsletter"}}}`
			req, _ := http.NewRequest(http.MethodPatch, base+"/api/lists/Y6nRLr", strings.NewReader(body))
			req.Header.Set("Authorization", "Klaviyo-API-Key pk_test_catalog")
			req.Header.Set("Revision", klaviyofake.DefaultRevision)
			req.Header.Set("Content-Type", "application/vnd.api+json")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("rename: %d", res.StatusCode)
			}
			added, err := f.CreateList("", "Restock alerts")
			if err != nil {
				t.Fatal(err)
			}
			since := time.Now().Add(-time.Minute)
			if _, err := f.AddProfile(klaviyofake.ProfileData{ExternalID: "shoe-1", Properties: map[string]json.RawMessage{
				"shoe_size": json.RawMessage(`24.5`), "line_user_id": json.RawMessage(`"U0123456789abcdef0123456789abcdef"`)}}); err != nil {
				t.Fatal(err)
			}
			catalogSync(t, db, imported, kizuna.SourceKlaviyo, kizuna.SyncPoll, reader(since))
			got = catalogSection(t, db, imported, kizuna.SourceKlaviyo)
			c := &kizuna.Catalog{Klaviyo: got}
			if n := c.ListName("klaviyo", "Y6nRLr"); n != "Weekly newsletter" {
				t.Errorf("Y6nRLr is %q after the poll", n)
			}
			if n := c.ListName("klaviyo", added); n != "Restock alerts" {
				t.Errorf("the new list is %q after the poll", n)
			}
			if p := c.Property("klaviyo", "shoe_size"); p == nil || p.Type != kizuna.TypeNumber || p.Label != "shoe_size" {
				t.Errorf("shoe_size: %+v", p)
			}
			if p := c.Property("klaviyo", "line_user_id"); p != nil {
				t.Errorf("the LINE user ID property is offered: %+v", p)
			}
			sameProperties(t, got, want.Klaviyo)
		})
	}
}

var (
	catalogAttr     = regexp.MustCompile(`data-catalog="([^"]*)"`)
	shopifyTagsAttr = regexp.MustCompile(`data-shopify-tags="([^"]*)"`)
)

// TestEditorOffersSyncedNames: the segment editor's pickers get their
// names from what the sync keeps: a HubSpot list renamed and one added
// are offered by their new names after the next poll (from the catalog),
// and so is a tag just given to a linked Shopify customer (from the
// customers' tags, which the sync's records bring: the catalog has no
// Shopify section).
func TestEditorOffersSyncedNames(t *testing.T) {
	v := conformance.Load(t)
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, "shop", v.Account.Timezone)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportFriends(ctx, a, bytes.NewReader(hubspotWithoutPart(t, v.Friends, "shopify")), kizuna.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "owner@example.com", "correct horse battery", "en")
	if err != nil {
		t.Fatal(err)
	}
	db.AddMember(ctx, u, a, kizuna.RoleOwner)
	eng := engine.New(db, db, nil)
	defer eng.Stop()
	srv := httptest.NewServer(web.New(eng, db, nil).Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(path string) string {
		res, err := hc.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
		return string(b)
	}
	token := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(get("/signin"))
	if token == nil {
		t.Fatal("no CSRF token on /signin")
	}
	res, err := hc.PostForm(srv.URL+"/signin", url.Values{"csrf": {token[1]}, "email": {"owner@example.com"}, "password": {"correct horse battery"}})
	if err != nil || res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %v %v", res, err)
	}
	res.Body.Close()
	var shopifyTags []string
	pickers := func() *kizuna.Catalog {
		page := get("/a/shop/segments/new")
		m := catalogAttr.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the editor has no data-catalog")
		}
		var c kizuna.Catalog
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &c); err != nil {
			t.Fatalf("data-catalog: %v", err)
		}
		m = shopifyTagsAttr.FindStringSubmatch(page)
		if m == nil {
			t.Fatal("the editor has no data-shopify-tags")
		}
		if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &shopifyTags); err != nil {
			t.Fatalf("data-shopify-tags: %v", err)
		}
		return &c
	}

	s := newHubSpotSetup(t, v)
	catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, s.reader(t, time.Time{}))
	if n := pickers().ListName("hubspot", "9001"); n != "9001" {
		t.Fatalf("list 9001 is offered as %q", n)
	}
	if err := s.fake.RenameList("9001", "解約リスク"); err != nil {
		t.Fatal(err)
	}
	added := s.fake.CreateList("Spring sale", "MANUAL")
	catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncPoll, s.reader(t, s.opts.Now()))
	c := pickers()
	if n := c.ListName("hubspot", "9001"); n != "解約リスク" {
		t.Errorf("after the poll, list 9001 is offered as %q", n)
	}
	if n := c.ListName("hubspot", added); n != "Spring sale" {
		t.Errorf("after the poll, the new list is offered as %q", n)
	}
	if p := c.Property("hubspot", "lifecyclestage"); p == nil || len(p.Options) == 0 || p.Label != "Lifecycle Stage" {
		t.Errorf("lifecyclestage is offered as %+v", p)
	}

	// Shopify: a tag given to a linked customer is offered after a poll.
	shop := shopifyfake.New(shopifyfake.Config{AccessToken: "shpat_catalog", WebhookSecret: "s"})
	if _, err := shop.LoadNDJSON(bytes.NewReader(v.Friends)); err != nil {
		t.Fatal(err)
	}
	shopSrv := httptest.NewServer(shop)
	defer func() { shop.Close(); shopSrv.Close() }()
	shopReader := func(since time.Time) jobs.SourceReader {
		r, err := sources.For(sources.Options{Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }})(
			&kizuna.Connection{Source: kizuna.SourceShopify, APIBase: shopSrv.URL, Config: map[string]string{}},
			kizuna.ConnectionSecrets{"access_token": "shpat_catalog", "webhook_secret": "s"}, since)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	catalogSync(t, db, a, kizuna.SourceShopify, kizuna.SyncBackfill, shopReader(time.Time{}))
	var customer string
	for line := range bytes.SplitSeq(bytes.TrimSpace(v.Friends), []byte("\n")) {
		fr, err := kizuna.ParseFriendLine(line)
		if err == nil && fr.Shopify != nil && fr.Status != "blocked" && fr.Status != "unfollowed" {
			customer = fr.Shopify.CustomerID
			break
		}
	}
	const tag = "0 春の先行セール"
	pickers()
	if slices.Contains(shopifyTags, tag) || len(shopifyTags) == 0 {
		t.Fatalf("Shopify tags before: %v", shopifyTags)
	}
	since := time.Now().Add(-time.Minute)
	if _, err := shop.TagCustomer(ctx, customer, []string{tag}, nil); err != nil {
		t.Fatal(err)
	}
	catalogSync(t, db, a, kizuna.SourceShopify, kizuna.SyncPoll, shopReader(since))
	pickers()
	if !slices.Contains(shopifyTags, tag) {
		t.Errorf("after the poll, the Shopify tags offered are %v", shopifyTags)
	}
}

// TestHubSpotCatalogKeepsDaysSince: HubSpot has no days_since type; a date
// property the account's catalog shows as days since keeps that type
// after a sync, and one it does not stays a date.
func TestHubSpotCatalogKeepsDaysSince(t *testing.T) {
	v := conformance.Load(t)
	ctx := context.Background()
	db := testdb.Open(t, "sqlite")
	a, err := db.CreateAccount(ctx, "shop", "Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	cat, err := kizuna.ParseCatalog([]byte(`{"hubspot":{"segments":[],"properties":[{"name":"createdate","label":"Days since created","type":"days_since"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.PutCatalog(ctx, a, cat); err != nil {
		t.Fatal(err)
	}
	s := newHubSpotSetup(t, v)
	s.fake.DefineProperty(hubspotfake.Property{Name: "next_visit", Label: "Next visit", Type: "datetime", FieldType: "date"})
	catalogSync(t, db, a, kizuna.SourceHubSpot, kizuna.SyncBackfill, s.reader(t, time.Time{}))
	got := catalogSection(t, db, a, kizuna.SourceHubSpot)
	if p := propertyNamed(got, "createdate"); p == nil || p.Type != "days_since" {
		t.Errorf("createdate %+v, want days_since kept", p)
	}
	if p := propertyNamed(got, "next_visit"); p == nil || p.Type != "date" {
		t.Errorf("next_visit %+v, want date", p)
	}
}
