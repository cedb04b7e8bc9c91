package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/shared"

	"github.com/kizuna-line/kizuna"
)

// LLM asks an OpenAI-compatible chat-completions endpoint for a filter,
// through a JSON schema built from the contract and the account's catalog.
// Its answer is parsed by kizuna.ParseFilter like any other filter; the
// service checks it again and falls back to the offline planner on any
// error.
type LLM struct {
	Client openai.Client
	Model  string
}

// MaxModelAnswer bounds the model's answer in bytes.
const MaxModelAnswer = 64 << 10

// NewLLM returns a planner for the endpoint at baseURL (…/v1).
func NewLLM(baseURL, model, apiKey string, hc *http.Client) *LLM {
	if hc == nil {
		hc = &http.Client{}
	}
	limited := *hc
	limited.Transport = limitBody{next: hc.Transport}
	opts := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithHTTPClient(&limited),
		option.WithMaxRetries(0), // the service falls back at once
	}
	if apiKey != "" {
		opts = append(opts, option.WithAPIKey(apiKey))
	}
	// Not openai.NewClient: it adds OPENAI_API_KEY, OPENAI_ORG_ID and the
	// like from the process's environment, and would send them to this
	// base URL, which may be anyone's.
	return &LLM{Model: model, Client: openai.Client{Options: opts, Chat: openai.NewChatService(opts...)}}
}

// ModelFromEnv is the model that KIZUNA_LLM_BASE_URL, KIZUNA_LLM_MODEL and
// KIZUNA_LLM_API_KEY name: nil without a base URL.
func ModelFromEnv(getenv func(string) string, hc *http.Client) (Planner, error) {
	base := strings.TrimSpace(getenv("KIZUNA_LLM_BASE_URL"))
	if base == "" {
		return nil, nil
	}
	model := strings.TrimSpace(getenv("KIZUNA_LLM_MODEL"))
	if model == "" {
		return nil, kizuna.Errorf(kizuna.EINVALID, "KIZUNA_LLM_BASE_URL is set but KIZUNA_LLM_MODEL is not: name the model to ask")
	}
	return NewLLM(base, model, getenv("KIZUNA_LLM_API_KEY"), hc), nil
}

// limitBody caps a response body at MaxModelAnswer*4 bytes: the answer
// and its envelope.
type limitBody struct{ next http.RoundTripper }

func (l limitBody) RoundTrip(r *http.Request) (*http.Response, error) {
	next := l.next
	if next == nil {
		next = http.DefaultTransport
	}
	res, err := next.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	res.Body = struct {
		io.Reader
		io.Closer
	}{io.LimitReader(res.Body, 4*MaxModelAnswer), res.Body}
	return res, nil
}

// answer is what the schema asks the model for. A condition's value is
// written as JSON text (value_json), since a strict schema fixes every
// key's type.
type answer struct {
	Name         string   `json:"name"`
	DraftMessage string   `json:"draft_message"`
	Assumptions  []string `json:"assumptions"`
	Groups       []struct {
		Conditions []struct {
			Field          string `json:"field"`
			Op             string `json:"op"`
			Property       string `json:"property"`
			Type           string `json:"type"`
			ValueJSON      string `json:"value_json"`
			HoursSinceJSON string `json:"hours_since_json"`
		} `json:"conditions"`
	} `json:"groups"`
}

// Plan asks the model.
func (l *LLM) Plan(ctx context.Context, in *Input) (*Plan, error) {
	params := openai.ChatCompletionNewParams{
		Model: shared.ChatModel(l.Model),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage(systemPrompt(in)),
		},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{OfJSONSchema: &shared.ResponseFormatJSONSchemaParam{
			JSONSchema: shared.ResponseFormatJSONSchemaJSONSchemaParam{
				Name:   "segment_proposal",
				Strict: openai.Bool(true),
				Schema: answerSchema(in),
			},
		}},
	}
	for _, t := range in.Turns {
		if t.Goal != "" {
			params.Messages = append(params.Messages, openai.UserMessage(t.Goal))
		}
		for _, k := range sortedKeys(t.Choose) {
			params.Messages = append(params.Messages, openai.UserMessage(fmt.Sprintf("For %q, use %q.", k, t.Choose[k])))
		}
	}
	res, err := l.Client.Chat.Completions.New(ctx, params)
	if err != nil {
		var apiErr *openai.Error
		if errors.As(err, &apiErr) {
			return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's endpoint answered %d", apiErr.StatusCode)
		}
		if ctx.Err() != nil {
			return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model did not answer in time")
		}
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's endpoint could not be reached")
	}
	if len(res.Choices) == 0 {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model gave no answer")
	}
	ch := res.Choices[0]
	if ch.Message.Refusal != "" {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model refused to answer")
	}
	if ch.FinishReason != "" && ch.FinishReason != "stop" {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's answer is incomplete (%s)", ch.FinishReason)
	}
	content := ch.Message.Content
	if len(content) > MaxModelAnswer {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's answer is over %d bytes", MaxModelAnswer)
	}
	var a answer
	dec := json.NewDecoder(strings.NewReader(content))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&a); err != nil {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's answer is not the JSON asked for")
	}
	f, err := a.filter()
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EUPSTREAM, "the model's filter is not valid: %s", kizuna.ErrorMessage(err))
	}
	plan := &Plan{Filter: f, Name: strings.TrimSpace(a.Name), Draft: strings.TrimSpace(a.DraftMessage)}
	if plan.Name == "" {
		plan.Name = say(in.Lang, "Agent's segment", "エージェントのセグメント")
	}
	plan.Slots = ThresholdSlots(f, in.Lang)
	for i, text := range a.Assumptions {
		if i >= 5 || strings.TrimSpace(text) == "" {
			break
		}
		if len(plan.Slots) > i {
			plan.Slots[i].Text = truncate(strings.TrimSpace(text), 300) + " " + plan.Slots[i].Text
		}
	}
	return plan, nil
}

// filter writes the answer's groups as a contract filter and parses it.
func (a answer) filter() (*kizuna.Filter, error) {
	var groups []map[string]any
	for _, g := range a.Groups {
		var conds []map[string]any
		for _, c := range g.Conditions {
			m := map[string]any{"field": c.Field, "op": c.Op}
			if c.Property != "" {
				m["property"] = c.Property
			}
			if c.Type != "" {
				m["type"] = c.Type
			}
			if c.ValueJSON != "" {
				m["value"] = json.RawMessage(c.ValueJSON)
			}
			if c.HoursSinceJSON != "" {
				m["hours_since"] = json.RawMessage(c.HoursSinceJSON)
			}
			conds = append(conds, m)
		}
		groups = append(groups, map[string]any{"conditions": conds})
	}
	raw, err := json.Marshal(map[string]any{"groups": groups})
	if err != nil {
		return nil, kizuna.Errorf(kizuna.EINVALIDFILTER, "the filter cannot be written: %v", err)
	}
	return kizuna.ParseFilter(raw)
}

// answerSchema is the strict JSON schema of the answer: fields of the
// connected sources only.
func answerSchema(in *Input) map[string]any {
	fields := []string{kizuna.FieldAddedDate, kizuna.FieldDaysSinceAdded}
	if len(in.Tags) > 0 {
		fields = append(fields, kizuna.FieldTag)
	}
	for _, src := range kizuna.Sources {
		if !in.Connected[src] {
			continue
		}
		switch src {
		case "shopify":
			fields = append(fields, kizuna.FieldShopifyLinked, kizuna.FieldShopifyTag, kizuna.FieldShopifyOrders, kizuna.FieldShopifyDaysSince, kizuna.FieldShopifyAbandoned)
		case "hubspot":
			fields = append(fields, kizuna.FieldHubSpotLinked, kizuna.FieldHubSpotSegment, kizuna.FieldHubSpotProperty)
		case "klaviyo":
			fields = append(fields, kizuna.FieldKlaviyoLinked, kizuna.FieldKlaviyoList, kizuna.FieldKlaviyoProperty)
		}
	}
	ops := []string{kizuna.OpEq, kizuna.OpNeq, kizuna.OpLt, kizuna.OpLte, kizuna.OpGt, kizuna.OpGte, kizuna.OpBetween,
		kizuna.OpOn, kizuna.OpBefore, kizuna.OpAfter, kizuna.OpHas, kizuna.OpNotHas, kizuna.OpHasAny, kizuna.OpHasAll, kizuna.OpHasNone,
		kizuna.OpIs, kizuna.OpExists, kizuna.OpNotExists, kizuna.OpMemberOf, kizuna.OpNotMemberOf, kizuna.OpContains, kizuna.OpNotContains,
		kizuna.OpStartsWith, kizuna.OpIn, kizuna.OpNotIn, kizuna.OpIsKnown, kizuna.OpIsUnknown}
	str := func(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }
	condition := map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"field", "op", "property", "type", "value_json", "hours_since_json"},
		"properties": map[string]any{
			"field":            map[string]any{"type": "string", "enum": fields},
			"op":               map[string]any{"type": "string", "enum": ops},
			"property":         str("the property's name for hubspot.property and klaviyo.property, else \"\""),
			"type":             map[string]any{"type": "string", "enum": []string{"", "string", "number", "bool", "date", "days_since"}},
			"value_json":       str("the condition's value as JSON text (\"90\", \"[\\\"VIP\\\"]\", \"\\\"2026-10-01\\\"\", \"true\"), or \"\" when the op takes none"),
			"hours_since_json": str("for shopify.abandoned_cart exists only: {\"op\": …, \"value\": …} as JSON text, else \"\""),
		},
	}
	return map[string]any{
		"type":                 "object",
		"additionalProperties": false,
		"required":             []string{"name", "draft_message", "assumptions", "groups"},
		"properties": map[string]any{
			"name":          str("the segment's name, in the user's language"),
			"draft_message": str("the broadcast's first message, in the user's language"),
			"assumptions":   map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
			"groups": map[string]any{"type": "array", "items": map[string]any{
				"type":                 "object",
				"additionalProperties": false,
				"required":             []string{"conditions"},
				"properties":           map[string]any{"conditions": map[string]any{"type": "array", "items": condition}},
			}},
		},
	}
}

// systemPrompt states the contract and what the account offers.
func systemPrompt(in *Input) string {
	var b strings.Builder
	loc := in.Now.Location()
	if in.Account != nil {
		loc = in.Account.Location()
	}
	lang := map[string]string{"en": "English", "ja": "Japanese"}[in.Lang]
	fmt.Fprintf(&b, `You turn a LINE Official Account marketer's goal into a segment filter.
A filter is an OR of groups; a group is an AND of conditions. Only following friends match.
Days are calendar days in the account's time zone (%s); today is %s.
"Added within the last 7 days, today included" is line.days_since_added lt 7.
shopify.days_since_last_order counts days since the last order; friends who never ordered do not match it.
Negative ops (not_has, has_none, not_member_of, neq, not_contains, not_in, is_unknown, not_exists, linked is false) include friends without the data.
Use only the fields in the schema, the friend tags, lists, segments and properties below, by their exact names and IDs.
Answer in %s: the name, the draft message and the assumptions (each threshold you chose that the goal did not give).
`, loc, in.Now.In(loc).Format("2006-01-02 (Monday)"), lang)
	if len(in.Tags) > 0 {
		fmt.Fprintf(&b, "Friend tags: %s\n", quoteAll(in.Tags, 200))
	}
	if in.Connected["shopify"] && len(in.ShopifyTags) > 0 {
		fmt.Fprintf(&b, "Shopify customer tags: %s\n", quoteAll(in.ShopifyTags, 200))
	}
	if c := in.Catalog; c != nil {
		for _, sec := range []struct {
			src, lists string
			s          *kizuna.CatalogSection
		}{{"hubspot", "HubSpot segments (hubspot.segment, by ID)", c.HubSpot}, {"klaviyo", "Klaviyo lists (klaviyo.list, by ID)", c.Klaviyo}} {
			if !in.Connected[sec.src] || sec.s == nil {
				continue
			}
			var names []string
			for _, l := range append(slices.Clone(sec.s.Segments), sec.s.Lists...) {
				names = append(names, fmt.Sprintf("%q = %q", l.ID, l.Name))
			}
			if len(names) > 0 {
				fmt.Fprintf(&b, "%s: %s\n", sec.lists, strings.Join(names[:min(len(names), 200)], ", "))
			}
			for i, p := range sec.s.Properties {
				if i >= 200 {
					break
				}
				var opts []string
				for _, o := range p.Options {
					opts = append(opts, fmt.Sprintf("%q (%s)", o.Value, o.Label))
				}
				fmt.Fprintf(&b, "%s.property %q (%s), type %s", sec.src, p.Name, p.Label, p.Type)
				if len(opts) > 0 {
					fmt.Fprintf(&b, ", options: %s", strings.Join(opts, ", "))
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

func quoteAll(names []string, n int) string {
	var out []string
	for i, s := range names {
		if i >= n {
			break
		}
		out = append(out, fmt.Sprintf("%q", s))
	}
	return strings.Join(out, ", ")
}
