package agent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/internal/openaifake"
)

// modelAnswer writes an answer in the schema the LLM planner asks for.
func modelAnswer(conds ...map[string]string) string {
	var cs []map[string]string
	for _, c := range conds {
		full := map[string]string{"field": "", "op": "", "property": "", "type": "", "value_json": "", "hours_since_json": ""}
		for k, v := range c {
			full[k] = v
		}
		cs = append(cs, full)
	}
	raw, _ := json.Marshal(map[string]any{"name": "Lapsed 60", "draft_message": "We miss you!", "assumptions": []string{"'recently' read as 60 days"},
		"groups": []any{map[string]any{"conditions": cs}}})
	return string(raw)
}

const testKey = "sk-test-0123456789abcdef"

// TestLLMPlanner: a good answer from the model is used; every failure falls
// back to the offline planner, says why, and still proposes a valid filter.
func TestLLMPlanner(t *testing.T) {
	ctx := context.Background()
	st, a := smallShop(t)
	fake := &openaifake.Server{Key: testKey}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	model, err := agent.ModelFromEnv(func(k string) string {
		return map[string]string{"KIZUNA_LLM_BASE_URL": srv.URL + "/v1", "KIZUNA_LLM_MODEL": "gpt-test", "KIZUNA_LLM_API_KEY": testKey}[k]
	}, nil)
	if err != nil || model == nil {
		t.Fatalf("model: %v %v", model, err)
	}
	svc := &agent.Service{Store: st, Counts: st, Model: model, ModelTimeout: 500 * time.Millisecond, Now: func() time.Time { return serviceNow }}
	good := modelAnswer(map[string]string{"field": "shopify.days_since_last_order", "op": "gte", "value_json": "60"})

	fake.Reply = func(openaifake.Request) openaifake.Reply { return openaifake.Reply{Content: good} }
	p, err := svc.Propose(ctx, a, agent.Request{Lang: "en", Goal: "comeback for people who haven't bought recently"})
	if err != nil {
		t.Fatal(err)
	}
	if p.Planner != agent.PlannerLLM || p.Fallback != "" || p.Name != "Lapsed 60" || p.Draft != "We miss you!" {
		t.Fatalf("the model's answer was not used: %+v", p)
	}
	if !strings.Contains(string(p.Filter), `"value":60`) || len(p.Assumptions) == 0 || len(p.Assumptions[0].Alternatives) < 2 {
		t.Fatalf("filter %s, assumptions %+v", p.Filter, p.Assumptions)
	}
	// The request carried the schema, the account's tags and the goal.
	reqs := fake.Requests()
	last := reqs[len(reqs)-1]
	if last.Model != "gpt-test" || last.ResponseFormat == nil || !strings.Contains(string(*last.ResponseFormat), `"json_schema"`) ||
		!strings.Contains(string(*last.ResponseFormat), "shopify.days_since_last_order") || !strings.Contains(last.Messages[0].Content, `"VIP"`) ||
		last.Messages[1].Content != "comeback for people who haven't bought recently" {
		t.Fatalf("request: %s", last.Raw)
	}
	// Not connected: the schema offers no HubSpot or Klaviyo field.
	var rf struct {
		JSONSchema struct {
			Schema struct {
				Properties struct {
					Groups struct {
						Items struct {
							Properties struct {
								Conditions struct {
									Items struct {
										Properties struct {
											Field struct {
												Enum []string `json:"enum"`
											} `json:"field"`
										} `json:"properties"`
									} `json:"items"`
								} `json:"conditions"`
							} `json:"properties"`
						} `json:"items"`
					} `json:"groups"`
				} `json:"properties"`
			} `json:"schema"`
		} `json:"json_schema"`
	}
	if err := json.Unmarshal(*last.ResponseFormat, &rf); err != nil {
		t.Fatal(err)
	}
	fields := rf.JSONSchema.Schema.Properties.Groups.Items.Properties.Conditions.Items.Properties.Field.Enum
	if len(fields) == 0 || strings.Contains(strings.Join(fields, ","), "hubspot.") || strings.Contains(strings.Join(fields, ","), "klaviyo.") {
		t.Fatalf("the schema's fields %v", fields)
	}

	for _, tc := range []struct {
		name  string
		reply openaifake.Reply
	}{
		{"500", openaifake.Reply{Status: http.StatusInternalServerError}},
		{"429", openaifake.Reply{Status: http.StatusTooManyRequests}},
		{"timeout", openaifake.Reply{Content: good, Delay: 2 * time.Second}},
		{"not JSON", openaifake.Reply{Content: "Sure! Here is your segment: people who haven't bought."}},
		{"contract", openaifake.Reply{Content: modelAnswer(map[string]string{"field": "shopify.orders_count", "op": "between", "value_json": "[5, 2]"})}},
		{"unknown tag", openaifake.Reply{Content: modelAnswer(map[string]string{"field": "tag", "op": "has", "value_json": `"Gold"`})}},
		{"not connected", openaifake.Reply{Content: modelAnswer(map[string]string{"field": "klaviyo.linked", "op": "is", "value_json": "true"})}},
		{"cut off", openaifake.Reply{Content: good, FinishReason: "length"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake.Reply = func(openaifake.Request) openaifake.Reply { return tc.reply }
			p, err := svc.Propose(ctx, a, agent.Request{Lang: "ja", Goal: "最近購入していない人に"})
			if err != nil {
				t.Fatal(err)
			}
			if p.Planner != agent.PlannerOffline || p.Fallback == "" {
				t.Fatalf("no fallback: planner %q, fallback %q", p.Planner, p.Fallback)
			}
			warned := false
			for _, w := range p.Warnings {
				warned = warned || w.Code == agent.WarnFallback
				if strings.Contains(w.Text, testKey) {
					t.Fatalf("a warning shows the key: %s", w.Text)
				}
			}
			if !warned || strings.Contains(p.Fallback, testKey) {
				t.Fatalf("warnings %+v, fallback %q", p.Warnings, p.Fallback)
			}
			f, err := kizuna.ParseFilter(p.Filter)
			if err != nil || len(f.Sources()) != 1 || f.Sources()[0] != "shopify" {
				t.Fatalf("the fallback's filter %s: %v", p.Filter, err)
			}
		})
	}
	// A wrong key is refused by the endpoint, and the error does not say it.
	bad, _ := agent.ModelFromEnv(func(k string) string {
		return map[string]string{"KIZUNA_LLM_BASE_URL": srv.URL + "/v1", "KIZUNA_LLM_MODEL": "gpt-test", "KIZUNA_LLM_API_KEY": "sk-wrong-key-123"}[k]
	}, nil)
	_, err = bad.Plan(ctx, &agent.Input{Lang: "en", Now: serviceNow, Account: a, Turns: []agent.Turn{{Goal: "VIPs"}}, Connected: map[string]bool{}})
	if err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "sk-wrong") {
		t.Fatalf("wrong key: %v", err)
	}
}

// TestModelKeyFromEnvOnly: the process's OPENAI_API_KEY is never sent to
// the configured endpoint; without KIZUNA_LLM_API_KEY no key is sent.
func TestModelKeyFromEnvOnly(t *testing.T) {
	t.Setenv("OPENAI_API_KEY", "sk-process-env-secret")
	t.Setenv("OPENAI_ORG_ID", "org-secret")
	fake := &openaifake.Server{}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	model, err := agent.ModelFromEnv(func(k string) string {
		return map[string]string{"KIZUNA_LLM_BASE_URL": srv.URL + "/v1", "KIZUNA_LLM_MODEL": "m"}[k]
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	model.Plan(context.Background(), &agent.Input{Lang: "en", Now: serviceNow, Turns: []agent.Turn{{Goal: "VIPs"}}, Connected: map[string]bool{}})
	reqs := fake.Requests()
	if len(reqs) != 1 || strings.Contains(reqs[0].Authorization, "secret") || strings.Contains(string(reqs[0].Raw), "secret") {
		t.Fatalf("requests %+v", reqs)
	}
}

// TestModelFromEnv: no base URL, no model; a base URL needs a model.
func TestModelFromEnv(t *testing.T) {
	if m, err := agent.ModelFromEnv(func(string) string { return "" }, nil); m != nil || err != nil {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := agent.ModelFromEnv(func(k string) string {
		if k == "KIZUNA_LLM_BASE_URL" {
			return "http://127.0.0.1:1/v1"
		}
		return ""
	}, nil); err == nil || !strings.Contains(err.Error(), "KIZUNA_LLM_MODEL") {
		t.Fatalf("%v", err)
	}
}

// TestThresholdSlots: each threshold gets half, the same and twice as
// alternatives, the filter otherwise the same.
func TestThresholdSlots(t *testing.T) {
	f, err := kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"},{"field":"shopify.orders_count","op":"gte","value":4}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	slots := agent.ThresholdSlots(f, "en")
	if len(slots) != 1 || slots[0].Key != "g0c1.shopify.orders_count" || len(slots[0].Options) != 3 {
		t.Fatalf("%+v", slots)
	}
	for i, want := range []float64{2, 4, 8} {
		o := slots[0].Options[i]
		if o.Filter.Groups[0].Conditions[1].Nums[0] != want || o.Filter.Groups[0].Conditions[0].Strings[0] != "VIP" {
			t.Fatalf("option %d: %+v", i, o.Filter)
		}
	}
	if f.Groups[0].Conditions[1].Nums[0] != 4 {
		t.Fatal("the original filter changed")
	}
	g, _ := kizuna.ParseFilter([]byte(`{"groups":[{"conditions":[{"field":"tag","op":"has","value":"VIP"}]}]}`))
	if s := agent.ThresholdSlots(g, "ja"); len(s) != 1 || s[0].Key != "since_added" || len(s[0].Options) != 3 {
		t.Fatalf("%+v", s)
	}
}
