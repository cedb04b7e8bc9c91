// Package agent turns a marketer's goal, written in Japanese or English,
// into a proposed segment: a filter valid under the contract, a name, the
// exact count and a sample now, the assumptions it made (each with
// alternatives and their counts), warnings, and a draft of the broadcast's
// first message. Nothing is created until the proposal is approved.
//
// The planner is offline and deterministic by default (Offline); an
// OpenAI-compatible model may be asked first (LLM), and whatever it answers
// goes through the same parser and validation, falling back to the offline
// planner on any failure.
package agent

import (
	"encoding/json"
	"time"

	"github.com/kizuna-line/kizuna"
)

// Modes.
const (
	ModeAuto    = "auto"    // propose at once, with stated defaults
	ModeConsult = "consult" // ask a short question while the goal is ambiguous
)

// Planner names, as a proposal reports them.
const (
	PlannerOffline = "offline"
	PlannerLLM     = "llm"
)

// Bounds on what a caller can make the agent spend.
const (
	MaxGoalLength = 500 // characters of one turn
	MaxTurns      = 12  // turns of one conversation
	SampleSize    = 10
)

// Input is what a planner reads: the conversation so far and what the
// account offers. Planners never read the store.
type Input struct {
	// Turns are the conversation in order: the goal, then refinements
	// ("make it 60 days", 「VIPも除外して」) and answers (a question's or
	// an assumption's choice), each turn one or the other.
	Turns []Turn
	// Goals are the turns' texts, and Choices their choices merged in
	// order (Slot.Key → Option.Value, the latest winning).
	Goals   []string
	Choices map[string]string
	Mode    string
	Lang    string
	Now     time.Time
	Account *kizuna.Account
	// Connected says which of shopify, hubspot and klaviyo the account
	// has connected; a plan never tests another.
	Connected map[string]bool
	// Tags are the account's friend tags; ShopifyTags its customers'
	// Shopify tags (for name matching).
	Tags        []string
	ShopifyTags []string
	Catalog     *kizuna.Catalog

	// statuses are the sources' statuses Connected was read from, for
	// the service's warnings.
	statuses []kizuna.SourceStatus
}

// Turn is one step of a conversation: a text, or choices.
type Turn struct {
	Goal   string            `json:"goal,omitempty"`
	Choose map[string]string `json:"choose,omitempty"`
}

// Plan is a planner's answer: a filter (nil when the goal gave nothing to
// build one from), the name, the assumptions made, what it could not use.
type Plan struct {
	Filter *kizuna.Filter
	Name   string
	Slots  []Slot
	// Missing are the sources the goal needs that are not connected: the
	// plan left their conditions out.
	Missing []string
	// NotUnderstood is the part of the goal the planner could not read
	// (empty when it read it all).
	NotUnderstood []string
	// Draft is the broadcast's first message, in the input's language.
	Draft string
	// Purpose is what the goal is for ("comeback", "onboarding", …), for
	// the draft; "" when unknown.
	Purpose string
}

// Slot is one assumption of a plan: a reading of the goal that could have
// been another, with the other readings.
type Slot struct {
	Key string
	// Text states the assumption in the input's language ("'recently'
	// read as 90 days without an order").
	Text string
	// Question asks it (Consult mode), in the input's language.
	Question string
	// Ambiguous: the goal did not say, so Consult mode asks before
	// proposing (unless Input.Choices answers it).
	Ambiguous bool
	Value     string
	Options   []Option
}

// Option is one reading of a slot, with the filter it gives.
type Option struct {
	Value  string
	Label  string
	Filter *kizuna.Filter
}

// Proposal is the agent's answer, as the API and the command line give it.
type Proposal struct {
	ID      int64  `json:"id,omitempty"`
	Status  string `json:"status,omitempty"`
	Mode    string `json:"mode"`
	Lang    string `json:"lang"`
	Planner string `json:"planner"`
	// Fallback says why the model's answer was not used (empty when it
	// was, or when no model is configured).
	Fallback string `json:"fallback,omitempty"`
	// Goals are the conversation's texts so far; Choices the answers
	// given (the latest per key); Turns both, in order.
	Goals   []string          `json:"goals"`
	Choices map[string]string `json:"choices,omitempty"`
	Turns   []Turn            `json:"turns"`
	// Questions, in Consult mode, ask before proposing: the proposal then
	// has no filter yet.
	Questions   []Assumption           `json:"questions,omitempty"`
	Filter      json.RawMessage        `json:"filter,omitempty"`
	Name        string                 `json:"name,omitempty"`
	Summary     string                 `json:"summary,omitempty"`
	Count       int64                  `json:"count"`
	Sample      []kizuna.PreviewFriend `json:"sample"`
	Assumptions []Assumption           `json:"assumptions"`
	Warnings    []Warning              `json:"warnings"`
	Draft       string                 `json:"draft_message,omitempty"`
	// SegmentID is the segment approving it created.
	SegmentID   *int64    `json:"segment_id,omitempty"`
	EvaluatedAt time.Time `json:"evaluated_at"`
	TookMS      float64   `json:"took_ms"`
}

// Assumption is a stated reading of the goal with its alternatives.
type Assumption struct {
	Key          string        `json:"key"`
	Text         string        `json:"text"`
	Value        string        `json:"value,omitempty"`
	Alternatives []Alternative `json:"alternatives"`
}

// Alternative is another reading, with the count it would give now.
type Alternative struct {
	Value  string `json:"value"`
	Label  string `json:"label"`
	Count  int64  `json:"count"`
	Chosen bool   `json:"chosen,omitempty"`
}

// Warning codes.
const (
	WarnNotConnected  = "source_not_connected"
	WarnNotFresh      = "source_not_fresh"
	WarnZero          = "zero_count"
	WarnQuota         = "over_quota"
	WarnBlocked       = "blocked_friends"
	WarnNotUnderstood = "not_understood"
	WarnNoLine        = "line_not_connected"
	WarnFallback      = "llm_fallback"
)

// Warning is something the marketer should know before approving.
type Warning struct {
	Code string `json:"code"`
	Text string `json:"text"`
}
