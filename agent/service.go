package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
)

// Store is what the agent needs of storage: what the account offers (tags,
// catalog, connected sources and their freshness), its segments' names,
// and a place for proposals.
type Store interface {
	kizuna.SourceStatusReader
	kizuna.AgentStore
	TagNames(ctx context.Context, account *kizuna.Account) ([]string, error)
	ShopifyTags(ctx context.Context, account *kizuna.Account) ([]string, error)
	Catalog(ctx context.Context, account *kizuna.Account) (*kizuna.Catalog, error)
	Segments(ctx context.Context, account *kizuna.Account) ([]*kizuna.Segment, error)
}

// BlockedCounter counts the blocked friends a filter's conditions match
// (the engine does; optional).
type BlockedCounter interface {
	BlockedMatching(ctx context.Context, a *kizuna.Account, filter json.RawMessage, now time.Time) (int64, error)
}

// Service answers proposals and their approval.
type Service struct {
	Store Store
	// Counts answers counts and samples: the engine in a server, else
	// the database.
	Counts kizuna.Previewer
	// Blocked, when set, counts the blocked friends a proposal loses.
	Blocked BlockedCounter
	// Quota, when set, reads the month's remaining LINE messages (nil:
	// no limit); its error means LINE cannot say (not connected).
	Quota func(ctx context.Context, a *kizuna.Account) (*int64, error)
	// Model, when set, is asked first; Offline answers when it fails.
	Model Planner
	// ModelTimeout bounds a model's answer (default 20 s).
	ModelTimeout time.Duration
	Now          func() time.Time
}

// Planner turns an input into a plan.
type Planner interface {
	Plan(ctx context.Context, in *Input) (*Plan, error)
}

// Request asks for a proposal: a new conversation (After 0) or the next
// turn of the one proposal After belongs to.
type Request struct {
	Mode  string
	Lang  string
	Now   time.Time // zero: the clock
	Goal  string
	After int64
	// Choose answers questions or switches assumptions: key → value.
	Choose map[string]string
	Actor  string
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Propose answers a request with a stored proposal. Nothing but the
// proposal is saved.
func (s *Service) Propose(ctx context.Context, a *kizuna.Account, req Request) (*Proposal, error) {
	start := time.Now()
	in, err := s.input(ctx, a, req)
	if err != nil {
		return nil, err
	}
	p := &Proposal{Mode: in.Mode, Lang: in.Lang, Goals: in.Goals, Choices: in.Choices, Turns: in.Turns, Sample: []kizuna.PreviewFriend{}, Assumptions: []Assumption{}, Warnings: []Warning{}, EvaluatedAt: in.Now}
	plan, err := s.plan(ctx, in, p)
	if err != nil {
		return nil, err
	}
	if err := s.fill(ctx, a, in, plan, p); err != nil {
		return nil, err
	}
	p.TookMS = float64(time.Since(start).Microseconds()) / 1000
	body, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	stored, err := s.Store.CreateAgentProposal(ctx, a, req.Actor, body)
	if err != nil {
		return nil, err
	}
	p.ID, p.Status = stored.ID, stored.Status
	return p, nil
}

// input reads the account and the conversation into a planner's input.
func (s *Service) input(ctx context.Context, a *kizuna.Account, req Request) (*Input, error) {
	in := &Input{Mode: req.Mode, Lang: req.Lang, Now: req.Now, Account: a, Choices: map[string]string{}}
	if req.After != 0 {
		prev, err := s.Get(ctx, a, req.After)
		if err != nil {
			return nil, err
		}
		in.Turns = slices.Clone(prev.Turns)
		if in.Mode == "" {
			in.Mode = prev.Mode
		}
		if in.Lang == "" {
			in.Lang = prev.Lang
		}
	}
	if in.Mode == "" {
		in.Mode = ModeAuto
	}
	if in.Mode != ModeAuto && in.Mode != ModeConsult {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "mode", "mode must be auto or consult, not %q", req.Mode)
	}
	if in.Lang == "" {
		in.Lang = "en"
	}
	if in.Lang != "en" && in.Lang != "ja" {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "lang", "lang must be en or ja, not %q", req.Lang)
	}
	if err := (kizuna.PreviewRequest{Now: in.Now}).CheckNow(); err != nil {
		return nil, err
	}
	if in.Now.IsZero() {
		in.Now = s.now()
	}
	in.Now = in.Now.UTC().Truncate(time.Microsecond)
	goal := strings.TrimSpace(req.Goal)
	if n := utf8.RuneCountInString(goal); n > MaxGoalLength {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "goal", "the goal is %d characters long; at most %d", n, MaxGoalLength)
	}
	if !utf8.ValidString(goal) {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "goal", "the goal is not valid UTF-8")
	}
	if len(req.Choose) > 20 {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "choose", "at most 20 choices")
	}
	for k, v := range req.Choose {
		if len(k) > 64 || len(v) > 64 {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, "choose", "a choice is longer than 64 bytes")
		}
	}
	if goal != "" || len(req.Choose) > 0 {
		if len(in.Turns) >= MaxTurns {
			return nil, kizuna.ErrorAt(kizuna.EINVALID, "goal", "the conversation has %d turns already; start a new one", MaxTurns)
		}
		in.Turns = append(in.Turns, Turn{Goal: goal, Choose: maps.Clone(req.Choose)})
	}
	for _, t := range in.Turns {
		if t.Goal != "" {
			in.Goals = append(in.Goals, t.Goal)
		}
		maps.Copy(in.Choices, t.Choose)
	}
	if len(in.Goals) == 0 {
		return nil, kizuna.ErrorAt(kizuna.EINVALID, "goal", "say what the broadcast is for: the goal is empty")
	}
	// One read of the sources: which are connected (for the planner)
	// and how fresh (for the warnings).
	var err error
	if in.statuses, err = kizuna.ReadSourceStatuses(ctx, s.Store, a, in.Now); err != nil {
		return nil, err
	}
	in.Connected = map[string]bool{}
	for _, st := range in.statuses {
		in.Connected[st.Source] = st.Connected
	}
	if in.Tags, err = s.Store.TagNames(ctx, a); err != nil {
		return nil, err
	}
	if in.Connected["shopify"] {
		// The engine lists them from its index; a store reads them.
		if n, ok := s.Store.(interface {
			ShopifyTagNames(context.Context, *kizuna.Account) ([]string, error)
		}); ok {
			in.ShopifyTags, err = n.ShopifyTagNames(ctx, a)
		} else {
			in.ShopifyTags, err = s.Store.ShopifyTags(ctx, a)
		}
		if err != nil {
			return nil, err
		}
	}
	if in.Catalog, err = s.Store.Catalog(ctx, a); err != nil {
		return nil, err
	}
	return in, nil
}

// plan asks the model, when there is one, and else (or when it fails) the
// offline planner.
func (s *Service) plan(ctx context.Context, in *Input, p *Proposal) (*Plan, error) {
	if s.Model != nil {
		timeout := s.ModelTimeout
		if timeout <= 0 {
			timeout = 20 * time.Second
		}
		mctx, cancel := context.WithTimeout(ctx, timeout)
		plan, err := s.Model.Plan(mctx, in)
		cancel()
		if err == nil {
			err = Check(plan.Filter, in)
		}
		if err == nil {
			p.Planner = PlannerLLM
			return plan, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		p.Fallback = kizuna.ErrorMessage(err)
		p.Warnings = append(p.Warnings, Warning{Code: WarnFallback, Text: say(in.Lang,
			"The model could not be used (%s); the offline planner proposed this.",
			"モデルを使えなかったため（%s）、オフラインのプランナーが提案しました。", localError(err, in.Lang))})
	}
	p.Planner = PlannerOffline
	return Offline{}.Plan(ctx, in)
}

// Check refuses a planned filter that the contract or the account refuses:
// one that fails validation, names a friend tag the account lacks, or
// tests a source that is not connected.
func Check(f *kizuna.Filter, in *Input) error {
	if f == nil {
		return nil
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return kizuna.Errorf(kizuna.EINVALIDFILTER, "the filter cannot be written: %v", err)
	}
	parsed, err := kizuna.ParseFilter(raw)
	if err != nil {
		return err
	}
	if err := parsed.CheckTags(func(name string) bool { return slices.Contains(in.Tags, name) }); err != nil {
		return err
	}
	for _, src := range parsed.Sources() {
		if !in.Connected[src] {
			return kizuna.Errorf(kizuna.EINVALIDFILTER, "the filter tests %s, which is not connected", src)
		}
	}
	return nil
}

// fill answers the plan: questions in Consult mode while the goal is
// ambiguous; else the filter with its count, sample, summary, assumptions
// with their alternatives' counts, and warnings.
func (s *Service) fill(ctx context.Context, a *kizuna.Account, in *Input, plan *Plan, p *Proposal) error {
	lang := in.Lang
	for _, src := range plan.Missing {
		p.Warnings = append(p.Warnings, Warning{Code: WarnNotConnected, Text: say(lang,
			"The goal needs %s, which is not connected: its conditions were left out. Connect it in Settings → Integrations.",
			"目的には%sのデータが必要ですが、連携されていないため、その条件は入れていません。設定 → 連携で連携できます。", sourceName(src))})
	}
	if len(plan.NotUnderstood) > 0 {
		p.Warnings = append(p.Warnings, Warning{Code: WarnNotUnderstood, Text: say(lang,
			"Not understood, so left out: %s. Say it another way, or add the condition in the editor after approving.",
			"次の部分は読み取れなかったため、条件に入れていません：%s。言い換えるか、承認後に編集画面で条件を追加してください。",
			strings.Join(plan.NotUnderstood, say(lang, ", ", "、")))})
	}
	if plan.Filter == nil {
		p.Warnings = append(p.Warnings, Warning{Code: WarnZero, Text: say(lang,
			"No condition could be built from the goal. Try naming who should get the message: a tag, purchases, the date they became friends, a list.",
			"目的から条件を作れませんでした。誰に送りたいか（タグ、購入回数、友だち追加日、リストなど）を書いてみてください。")})
		return nil
	}
	if err := Check(plan.Filter, in); err != nil {
		// A planner's mistake must not reach the user as a filter.
		p.Warnings = append(p.Warnings, Warning{Code: WarnNotUnderstood, Text: say(lang,
			"The conditions read from the goal could not be used (%s). Say it another way.",
			"目的から読み取った条件を使えませんでした（%s）。言い換えてください。", localError(err, lang))})
		return nil
	}
	p.Name = plan.Name
	p.Draft = plan.Draft
	if in.Mode == ModeConsult {
		for _, sl := range plan.Slots {
			if _, answered := in.Choices[sl.Key]; !sl.Ambiguous || answered {
				continue
			}
			q, err := s.assumption(ctx, a, in, sl, sl.Question)
			if err != nil {
				return err
			}
			p.Questions = append(p.Questions, q)
		}
		if len(p.Questions) > 0 {
			p.Name, p.Draft = "", ""
			return nil
		}
	}
	raw, err := json.Marshal(plan.Filter)
	if err != nil {
		return err
	}
	pv, err := s.Counts.Preview(ctx, a, kizuna.PreviewRequest{Filter: raw, Now: in.Now, Lang: lang})
	if err != nil {
		return err
	}
	p.Filter, p.Count, p.Sample, p.Summary = raw, pv.Count, pv.Sample, pv.Summary
	if p.Sample == nil {
		p.Sample = []kizuna.PreviewFriend{}
	}
	for _, sl := range plan.Slots {
		as, err := s.assumption(ctx, a, in, sl, sl.Text)
		if err != nil {
			return err
		}
		p.Assumptions = append(p.Assumptions, as)
	}
	if err := s.warn(ctx, a, in, plan, p); err != nil {
		return err
	}
	p.Name, err = s.uniqueName(ctx, a, p.Name, lang)
	return err
}

// assumption counts a slot's options.
func (s *Service) assumption(ctx context.Context, a *kizuna.Account, in *Input, sl Slot, text string) (Assumption, error) {
	as := Assumption{Key: sl.Key, Text: text, Value: sl.Value, Alternatives: []Alternative{}}
	for _, o := range sl.Options {
		alt := Alternative{Value: o.Value, Label: o.Label, Chosen: o.Value == sl.Value}
		if Check(o.Filter, in) != nil {
			continue
		}
		if o.Filter != nil {
			raw, err := json.Marshal(o.Filter)
			if err != nil {
				return as, err
			}
			pv, err := s.Counts.Preview(ctx, a, kizuna.PreviewRequest{Filter: raw, Now: in.Now, CountOnly: true})
			if err != nil {
				return as, err
			}
			alt.Count = pv.Count
		}
		as.Alternatives = append(as.Alternatives, alt)
	}
	return as, nil
}

// warn adds what the marketer should know before approving: sources not
// fresh, a count of zero, blocked friends, and the month's quota.
func (s *Service) warn(ctx context.Context, a *kizuna.Account, in *Input, plan *Plan, p *Proposal) error {
	lang := in.Lang
	used := kizuna.UsedSources(plan.Filter, in.statuses)
	for _, src := range used.Failing {
		p.Warnings = append(p.Warnings, Warning{Code: WarnNotFresh, Text: say(lang,
			"%s has not synced successfully for over 30 minutes: the count may be out of date. See Settings → Integrations.",
			"%sの同期が30分以上成功していないため、人数が古い可能性があります。設定 → 連携を確認してください。", sourceName(src))})
	}
	for _, st := range used.Sources {
		if st.Connected && st.Syncing && st.LastSuccessAt == nil && !slices.Contains(used.Failing, st.Source) {
			p.Warnings = append(p.Warnings, Warning{Code: WarnNotFresh, Text: say(lang,
				"%s has not finished its first sync: the count may still grow.",
				"%sの最初の同期がまだ終わっていないため、人数はこれから増える可能性があります。", sourceName(st.Source))})
		}
	}
	if p.Count == 0 {
		p.Warnings = append(p.Warnings, Warning{Code: WarnZero, Text: say(lang,
			"Nobody matches now: a broadcast would reach no one. Try another alternative below.",
			"現在、条件に合う友だちがいません。このままでは誰にも届きません。下の別の案を試してください。")})
	}
	if s.Blocked != nil {
		if n, err := s.Blocked.BlockedMatching(ctx, a, p.Filter, in.Now); err == nil && n > 0 {
			p.Warnings = append(p.Warnings, Warning{Code: WarnBlocked, Text: say(lang,
				"%s more friends match but have blocked the account: they are not counted and will not receive it.",
				"ほかに%s人が条件に合いますが、ブロック中のため人数に含まれず、配信もされません。", count(n))})
		}
	}
	if s.Quota != nil {
		q, err := s.Quota(ctx, a)
		switch {
		case err != nil && ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			p.Warnings = append(p.Warnings, Warning{Code: WarnNoLine, Text: say(lang,
				"The month's remaining messages could not be read from LINE (%s).",
				"LINEから今月の残りメッセージ数を読めませんでした（%s）。", localError(err, lang))})
		case q != nil && *q < p.Count:
			p.Warnings = append(p.Warnings, Warning{Code: WarnQuota, Text: say(lang,
				"%s friends match, but the account has %s messages left this month: only that many would be sent.",
				"%s人が条件に合いますが、今月の残りメッセージ数は%s通のため、その分しか配信されません。", count(p.Count), count(max(*q, 0)))})
		}
	}
	return nil
}

// uniqueName keeps the proposed name off the account's live segments:
// "NAME", then "NAME 2", "NAME 3", ….
func (s *Service) uniqueName(ctx context.Context, a *kizuna.Account, name, lang string) (string, error) {
	segs, err := s.Store.Segments(ctx, a)
	if err != nil {
		return "", err
	}
	taken := map[string]bool{}
	for _, sg := range segs {
		taken[strings.ToLower(sg.Name)] = true
	}
	if name == "" {
		name = say(lang, "Agent's segment", "エージェントのセグメント")
	}
	name = truncate(name, kizuna.MaxNameLength-4)
	for i := 2; taken[strings.ToLower(name)]; i++ {
		base := truncate(name, kizuna.MaxNameLength-4)
		name = fmt.Sprintf("%s %d", strings.TrimRight(strings.TrimSuffix(base, fmt.Sprintf(" %d", i-1)), " "), i)
	}
	return name, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// Get reads a stored proposal.
func (s *Service) Get(ctx context.Context, a *kizuna.Account, id int64) (*Proposal, error) {
	st, err := s.Store.AgentProposal(ctx, a, id)
	if err != nil {
		return nil, err
	}
	return decode(st)
}

func decode(st *kizuna.AgentProposal) (*Proposal, error) {
	var p Proposal
	if err := json.Unmarshal(st.Body, &p); err != nil {
		return nil, fmt.Errorf("agent proposal %d: %w", st.ID, err)
	}
	p.ID, p.Status, p.SegmentID = st.ID, st.Status, st.SegmentID
	return &p, nil
}

// Approve creates the proposal's segment (named name, or the proposed name
// when empty); its history says the agent proposed it and actor approved.
func (s *Service) Approve(ctx context.Context, a *kizuna.Account, actor string, id int64, name string) (*kizuna.Segment, *Proposal, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, nil, err
	}
	if len(p.Filter) == 0 {
		return nil, nil, kizuna.ErrorAt(kizuna.ECONFLICT, "proposal", "proposal %d has no segment to create: answer its questions, or say the goal another way", id)
	}
	if strings.TrimSpace(name) == "" {
		name = p.Name
	}
	seg, err := s.Store.ApproveAgentProposal(ctx, a, actor, id, name, p.Filter)
	if err != nil {
		return nil, nil, err
	}
	p.Status, p.SegmentID = kizuna.ProposalApproved, &seg.ID
	return seg, p, nil
}

// Cancel closes a proposal without creating anything; the conversation's
// goals stay in the answer for the user to restate.
func (s *Service) Cancel(ctx context.Context, a *kizuna.Account, actor string, id int64) (*Proposal, error) {
	p, err := s.Get(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CancelAgentProposal(ctx, a, actor, id); err != nil {
		return nil, err
	}
	p.Status = kizuna.ProposalCancelled
	return p, nil
}

// say picks the language's text and formats it.
func say(lang, en, ja string, args ...any) string {
	f := en
	if lang == "ja" {
		f = ja
	}
	if len(args) == 0 {
		return f
	}
	return fmt.Sprintf(f, args...)
}

// localError is an error's message in the language.
func localError(err error, lang string) string {
	if lang == "ja" {
		return kizuna.LocalMessage(err, "ja")
	}
	return kizuna.ErrorMessage(err)
}

func sourceName(src string) string {
	switch src {
	case "shopify":
		return "Shopify"
	case "hubspot":
		return "HubSpot"
	case "klaviyo":
		return "Klaviyo"
	}
	return src
}

// count writes n with thousands separators.
func count(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return s
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}
