package demo

import (
	"encoding/json"
	"slices"
)

// idName is one HubSpot segment or Klaviyo list as the catalog names it.
type idName struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type option struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type property struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Type    string   `json:"type"`
	Options []option `json:"options,omitempty"`
}

type hubspotCatalog struct {
	Segments   []idName   `json:"segments"`
	Properties []property `json:"properties"`
}

type klaviyoCatalog struct {
	Lists      []idName   `json:"lists"`
	Properties []property `json:"properties"`
}

type catalogDoc struct {
	HubSpot hubspotCatalog `json:"hubspot"`
	Klaviyo klaviyoCatalog `json:"klaviyo"`
}

// The generator refers to segments and lists by their index in these tables, so
// the catalog and the data cannot drift apart.
var hubspotSegments = [...]idName{
	{"101", "Trade show leads 2026"},
	{"102", "展示会リード"},
	{"103", "Newsletter subscribers"},
	{"250", "Enterprise prospects"},
	{"310", "卸売パートナー"},
	{"9001", "Churn risk"},
}

const (
	segTradeShowEN = iota
	segTradeShowJA
	segNewsletter
	segEnterprise
	segWholesale
	segChurnRisk
)

var klaviyoLists = [...]idName{
	{"Y6nRLr", "Newsletter"},
	{"XyZ123", "VIP Early Access"},
	{"AbC999", "ニュースレター（日本）"},
	{"QqQ000", "Back in stock"},
	{"BdY426", "Birthday Club"},
}

const (
	listNewsletterEN = iota
	listVIPEarly
	listNewsletterJA
	listBackInStock
	listBirthday
)

var lifecycleStages = []option{
	{"subscriber", "Subscriber"},
	{"lead", "Lead"},
	{"marketingqualifiedlead", "Marketing qualified lead"},
	{"salesqualifiedlead", "Sales qualified lead"},
	{"opportunity", "Opportunity"},
	{"customer", "Customer"},
	{"evangelist", "Evangelist"},
	{"other", "Other"},
}

var leadStatuses = []option{
	{"NEW", "New"},
	{"OPEN", "Open"},
	{"IN_PROGRESS", "In progress"},
	{"OPEN_DEAL", "Open deal"},
	{"UNQUALIFIED", "Unqualified"},
	{"ATTEMPTED_TO_CONTACT", "Attempted to contact"},
	{"CONNECTED", "Connected"},
	{"BAD_TIMING", "Bad timing"},
}

var plans = []option{
	{"free", "Free"},
	{"silver", "Silver"},
	{"gold", "Gold"},
	{"platinum", "Platinum"},
}

// Both languages appear because the shop's Japanese and English sign-up forms
// wrote different values; a marketer has to pick both, which is the point.
var favoriteCategories = []option{
	{"スキンケア", "スキンケア"},
	{"メイク", "メイク"},
	{"ヘアケア", "ヘアケア"},
	{"Skincare", "Skincare"},
	{"Makeup", "Makeup"},
	{"Fragrance", "Fragrance"},
}

var hubspotProperties = []property{
	{Name: "lifecyclestage", Label: "Lifecycle stage", Type: "string", Options: lifecycleStages},
	{Name: "hs_lead_status", Label: "Lead status", Type: "string", Options: leadStatuses},
	{Name: "company", Label: "Company name", Type: "string"},
	{Name: "email", Label: "Email", Type: "string"},
	{Name: "num_employees", Label: "Number of employees", Type: "number"},
	{Name: "createdate", Label: "Create date", Type: "date"},
	{Name: "notes_last_contacted", Label: "Last contacted", Type: "days_since"},
}

var klaviyoProperties = []property{
	{Name: "plan", Label: "Membership plan", Type: "string", Options: plans},
	{Name: "points", Label: "Loyalty points", Type: "number"},
	{Name: "birthday", Label: "Birthday", Type: "date"},
	{Name: "last_open", Label: "Last email open", Type: "days_since"},
	{Name: "accepts_marketing", Label: "Accepts marketing", Type: "bool"},
	{Name: "favorite_category", Label: "Favorite category", Type: "string", Options: favoriteCategories},
}

// Friend tags, in the order a friend's tags are written.
const (
	tagVIP = iota
	tagRepeater
	tagNew
	tagDormant
	tagSeminarJA
	tagSeminarEN
	tagNewsletter
	tagCoupon
	tagSensitiveSkin
	tagDrySkin
	tagPopUp
	tagStaff
	numTags
)

var tagNames = [numTags]string{
	tagVIP:           "VIP",
	tagRepeater:      "リピーター",
	tagNew:           "新規",
	tagDormant:       "休眠",
	tagSeminarJA:     "セミナー参加",
	tagSeminarEN:     "Seminar Attendee",
	tagNewsletter:    "Newsletter",
	tagCoupon:        "coupon-2026",
	tagSensitiveSkin: "敏感肌",
	tagDrySkin:       "乾燥肌",
	tagPopUp:         "ポップアップ来店",
	tagStaff:         "Staff",
}

// TagNames lists every friend tag name WriteFriends can emit, in the order it
// writes them on a friend.
func TagNames() []string {
	return slices.Clone(tagNames[:])
}

// Catalog returns the catalog document (spec section 7) naming every HubSpot
// segment, Klaviyo list and property that WriteFriends emits, as indented JSON
// ending in a newline.
func Catalog() []byte {
	doc := catalogDoc{
		HubSpot: hubspotCatalog{Segments: hubspotSegments[:], Properties: hubspotProperties},
		Klaviyo: klaviyoCatalog{Lists: klaviyoLists[:], Properties: klaviyoProperties},
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		// The document is built from constant tables of strings, which always marshal.
		panic("demo: catalog: " + err.Error())
	}
	return append(b, '\n')
}
