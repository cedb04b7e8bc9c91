package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/agent"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// choices is a repeatable --choose key=value.
type choices map[string]string

func (c choices) String() string { return fmt.Sprint(map[string]string(c)) }

func (c choices) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q is not key=value", v)
	}
	c[k] = val
	return nil
}

// agentService is the agent over the store: counts by SQL (no server
// needed), the model when KIZUNA_LLM_BASE_URL says one.
func (c *cmd) agentService(store *sqlstore.DB) *agent.Service {
	return &agent.Service{Store: store, Counts: store}
}

// agentPropose: kizuna agent propose --account NAME [--mode auto|consult]
// [--lang en|ja] [--now RFC3339] [--after ID] [--choose KEY=VALUE]...
// [--json] GOAL. The goal may be several words.
func (c *cmd) agentPropose(ctx context.Context, args []string) error {
	fs, db := c.flags("agent propose")
	account := fs.String("account", "", "account name")
	mode := fs.String("mode", agent.ModeAuto, "auto (propose at once) or consult (ask first when the goal is open)")
	lang := fs.String("lang", "", "language of the answer: en or ja (default: the goal's, or the conversation's)")
	nowFlag := fs.String("now", "", "evaluation instant, RFC 3339 (default: now)")
	after := fs.Int64("after", 0, "the proposal this turn follows (a refinement or an answer)")
	choose := choices{}
	fs.Var(choose, "choose", "KEY=VALUE: answer a question or switch an assumption (repeatable)")
	asJSON := fs.Bool("json", false, "print the proposal as JSON")
	pos, err := c.parse(fs, args, 0, 1<<20, "a GOAL")
	if err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"agent propose needs --account NAME"}
	}
	goal := strings.Join(pos, " ")
	if goal == "" && *after == 0 {
		return &usageError{"agent propose needs a GOAL, such as \"a comeback campaign for friends who haven't bought recently\""}
	}
	fail := c.failer(*asJSON)
	req := agent.Request{Goal: goal, Mode: *mode, Lang: *lang, After: *after, Choose: choose, Actor: "command line"}
	if *after != 0 && !flagSet(fs, "mode") {
		req.Mode = ""
	}
	if req.Lang == "" && *after == 0 {
		req.Lang = "en"
		if hasJapanese(goal) {
			req.Lang = "ja"
		}
	}
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339Nano, *nowFlag)
		if err != nil {
			return fail(kizuna.ErrorAt(kizuna.EINVALID, "now", "--now %q is not an RFC 3339 timestamp", *nowFlag))
		}
		req.Now = t
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return fail(err)
	}
	defer store.Close()
	p, err := c.agentService(store).Propose(ctx, a, req)
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		return writeJSON(c.stdout, p)
	}
	printProposal(c.stdout, p, a.Name)
	return nil
}

// agentDecide: kizuna agent approve|cancel --account NAME [--name N] ID.
func (c *cmd) agentDecide(approve bool) func(ctx context.Context, args []string) error {
	return func(ctx context.Context, args []string) error {
		what := "agent cancel"
		if approve {
			what = "agent approve"
		}
		fs, db := c.flags(what)
		account := fs.String("account", "", "account name")
		name := fs.String("name", "", "the segment's name (default: the proposed one)")
		asJSON := fs.Bool("json", false, "print the answer as JSON")
		pos, err := c.parse(fs, args, 1, 1, "one proposal ID")
		if err != nil {
			return err
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil || id <= 0 || *account == "" {
			return &usageError{what + " needs --account NAME and a proposal ID"}
		}
		fail := c.failer(*asJSON)
		store, a, err := c.openAccount(ctx, *db, *account)
		if err != nil {
			return fail(err)
		}
		defer store.Close()
		svc := c.agentService(store)
		if !approve {
			p, err := svc.Cancel(ctx, a, "command line", id)
			if err != nil {
				return fail(err)
			}
			if *asJSON {
				return writeJSON(c.stdout, p)
			}
			fmt.Fprintf(c.stdout, "proposal %d cancelled; nothing was created. The conversation was:\n", id)
			for _, g := range p.Goals {
				fmt.Fprintf(c.stdout, "  %s\n", g)
			}
			return nil
		}
		seg, p, err := svc.Approve(ctx, a, "command line", id, *name)
		if err != nil {
			return fail(err)
		}
		if *asJSON {
			return writeJSON(c.stdout, map[string]any{"segment": seg, "proposal": p})
		}
		fmt.Fprintf(c.stdout, "segment %d %q created from proposal %d.\nBroadcast to it with the draft:\n  kizuna broadcast send --account %s --segment %q --messages FILE\nDraft: %s\n", seg.ID, seg.Name, id, a.Name, seg.Name, p.Draft)
		return nil
	}
}

// failer prints an error as the API's error object with --json.
func (c *cmd) failer(asJSON bool) func(error) error {
	return func(err error) error {
		if !asJSON {
			return err
		}
		writeJSON(c.stdout, errorObject(err))
		fmt.Fprintf(c.stderr, "kizuna: %s\n", kizunaMessage(err))
		return errReported
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if r >= 0x3040 && r <= 0x30ff || r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// printProposal writes a proposal for a person: the questions, or the
// name, count, summary, assumptions with their alternatives, warnings,
// the sample and the draft, with the command that approves it.
func printProposal(w io.Writer, p *agent.Proposal, account string) {
	ja := p.Lang == "ja"
	say := func(en, jp string) string {
		if ja {
			return jp
		}
		return en
	}
	for _, wn := range p.Warnings {
		fmt.Fprintf(w, "%s %s\n", say("warning:", "注意:"), wn.Text)
	}
	if len(p.Questions) > 0 {
		for _, q := range p.Questions {
			fmt.Fprintf(w, "%s\n", q.Text)
			for _, alt := range q.Alternatives {
				fmt.Fprintf(w, "  --choose %s=%s  %s (%s)\n", q.Key, alt.Value, alt.Label, countText(alt.Count, ja))
			}
		}
		fmt.Fprintf(w, "%s kizuna agent propose --account %s --after %d --choose KEY=VALUE\n", say("Answer with:", "回答:"), account, p.ID)
		return
	}
	if len(p.Filter) == 0 {
		return
	}
	fmt.Fprintf(w, "%s %s\n%s %s\n%s %s\n", say("Segment:", "セグメント名:"), p.Name, say("Recipients:", "配信対象:"), countText(p.Count, ja), say("Conditions:", "条件:"), p.Summary)
	for _, as := range p.Assumptions {
		fmt.Fprintf(w, "%s %s\n", say("Assumed:", "前提:"), as.Text)
		for _, alt := range as.Alternatives {
			mark := " "
			if alt.Chosen {
				mark = "*"
			}
			fmt.Fprintf(w, "  %s --choose %s=%s  %s (%s)\n", mark, as.Key, alt.Value, alt.Label, countText(alt.Count, ja))
		}
	}
	if len(p.Sample) > 0 {
		fmt.Fprintln(w, say("Sample:", "サンプル:"))
		for _, f := range p.Sample {
			fmt.Fprintf(w, "  %s  %s\n", f.LineUserID, f.DisplayName)
		}
	}
	fmt.Fprintf(w, "%s %s\n", say("Draft message:", "メッセージ案:"), p.Draft)
	fmt.Fprintf(w, "%s kizuna agent approve --account %s %d   (%s kizuna agent cancel --account %s %d)\n", say("Approve:", "承認:"), account, p.ID, say("or", "取り消し:"), account, p.ID)
}

func countText(n int64, ja bool) string {
	if ja {
		return fmt.Sprintf("%d人", n)
	}
	if n == 1 {
		return "1 friend"
	}
	return fmt.Sprintf("%d friends", n)
}

// flagSet reports whether the command line set the flag.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}
