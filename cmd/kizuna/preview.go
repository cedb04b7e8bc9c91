package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/kizuna-line/kizuna"
)

// preview: kizuna preview --account NAME --filter FILE|- [--now RFC3339] [--lang en|ja] [--json].
// With --json, the spec section 6 object goes to standard output; a refused
// filter (or any other error) prints the spec section 4 error object there
// instead and exits non-zero.
func (c *cmd) preview(ctx context.Context, args []string) error {
	fs, db := c.flags("preview")
	account := fs.String("account", "", "account name")
	filterFile := fs.String("filter", "", "filter JSON file, or - for standard input")
	nowFlag := fs.String("now", "", "evaluation instant, RFC 3339 (default: now)")
	lang := fs.String("lang", "en", "summary language: en or ja")
	asJSON := fs.Bool("json", false, "print the preview as JSON")
	if _, err := c.parse(fs, args, 0, 0, "no positional arguments"); err != nil {
		return err
	}
	if *account == "" || *filterFile == "" {
		return &usageError{"preview needs --account NAME and --filter FILE|-"}
	}
	if *lang != "en" && *lang != "ja" {
		return &usageError{fmt.Sprintf("--lang %q: use en or ja", *lang)}
	}
	fail := func(err error) error {
		if !*asJSON {
			return err
		}
		writeJSON(c.stdout, errorObject(err))
		fmt.Fprintf(c.stderr, "kizuna: %s\n", kizunaMessage(err))
		return errReported
	}
	var now time.Time
	if *nowFlag != "" {
		t, err := time.Parse(time.RFC3339Nano, *nowFlag)
		if err != nil {
			return fail(kizuna.ErrorAt(kizuna.EINVALID, "now", "--now %q is not an RFC 3339 timestamp", *nowFlag))
		}
		now = t
	}
	in, _, err := c.input(*filterFile)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	filter, err := io.ReadAll(io.LimitReader(in, 1<<20))
	if err != nil {
		return fail(err)
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return fail(err)
	}
	defer store.Close()
	p, err := store.Preview(ctx, a, kizuna.PreviewRequest{Filter: json.RawMessage(filter), Now: now, Lang: *lang})
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		return writeJSON(c.stdout, p)
	}
	at := p.EvaluatedAt.In(a.Location()).Format(time.RFC3339)
	header := "LINE USER ID\tNAME\tADDED"
	if *lang == "ja" {
		fmt.Fprintf(c.stdout, "%s\n\n該当する友だち: %d人（%s 時点）\n", p.Summary, p.Count, at)
		header = "LINEユーザーID\t名前\t友だち追加日時"
	} else {
		fmt.Fprintf(c.stdout, "%s\n\n%d friend(s) match, evaluated at %s\n", p.Summary, p.Count, at)
	}
	if len(p.Sample) > 0 {
		fmt.Fprintln(c.stdout)
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, header)
		for _, s := range p.Sample {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", s.LineUserID, s.DisplayName, s.AddedAt.Format("2006-01-02 15:04"))
		}
		tw.Flush()
	}
	return nil
}

// errorObject is the error shape of spec section 4, for any error.
func errorObject(err error) map[string]any {
	e := map[string]any{"code": kizuna.ErrorCode(err), "message": kizunaMessage(err)}
	if ke, ok := err.(*kizuna.Error); ok {
		e["message"] = ke.Message
		if ke.Path != "" {
			e["path"] = ke.Path
		}
	} else if kizuna.ErrorCode(err) == kizuna.EINTERNAL {
		e["message"] = err.Error()
	}
	return map[string]any{"error": e}
}
