package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/kizuna-line/kizuna"
)

// importFriends: kizuna import --account NAME [--skip-invalid] FILE|-.
func (c *cmd) importFriends(ctx context.Context, args []string) error {
	fs, db := c.flags("import")
	account := fs.String("account", "", "account name")
	skip := fs.Bool("skip-invalid", false, "import the good lines of a file with bad lines")
	pos, err := c.parse(fs, args, 1, 1, "one FILE, or - for standard input")
	if err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"import needs --account NAME"}
	}
	in, size, err := c.input(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	counted := &countingReader{r: in}
	p := newProgress(c.stderr, size, counted)
	res, err := store.ImportFriends(ctx, a, counted, kizuna.ImportOptions{SkipInvalid: *skip, Progress: p.update})
	p.done()
	var ie *kizuna.ImportError
	if errors.As(err, &ie) {
		reportLineErrors(c.stderr, ie.Result)
		fmt.Fprintf(c.stderr, "%d bad line(s) in %d; nothing was imported (use --skip-invalid to import the good lines)\n", ie.Result.Invalid, ie.Result.Lines)
		return errReported
	} else if err != nil {
		return err
	}
	reportLineErrors(c.stderr, res)
	elapsed := time.Since(p.start).Seconds()
	fmt.Fprintf(c.stdout, "imported %d friend(s) into %s in %.1fs (%.0f lines/s)", res.Imported, a.Name, elapsed, float64(res.Lines)/max(elapsed, 1e-9))
	if res.Skipped > 0 {
		fmt.Fprintf(c.stdout, "; skipped %d bad line(s)", res.Skipped)
	}
	fmt.Fprintln(c.stdout)
	return nil
}

func reportLineErrors(w io.Writer, res *kizuna.ImportResult) {
	for _, le := range res.Errors {
		if le.Path != "" && le.Path != "$" {
			fmt.Fprintf(w, "line %d: %s (at %s)\n", le.Line, le.Message, le.Path)
			continue
		}
		fmt.Fprintf(w, "line %d: %s\n", le.Line, le.Message)
	}
	if more := res.Invalid - int64(len(res.Errors)); more > 0 {
		fmt.Fprintf(w, "… and %d more bad line(s)\n", more)
	}
}

// countingReader counts the bytes read, for the progress line's ETA.
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// progress draws one self-overwriting line on a terminal: lines, rate, ETA.
// Off a terminal it stays silent, so logs and pipes get only the summary.
type progress struct {
	w     io.Writer
	on    bool
	size  int64
	read  *countingReader
	start time.Time
	last  time.Time
}

func newProgress(w io.Writer, size int64, read *countingReader) *progress {
	on := false
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			on = true
		}
	}
	return &progress{w: w, on: on, size: size, read: read, start: time.Now()}
}

func (p *progress) update(lines int64) {
	if !p.on || time.Since(p.last) < 200*time.Millisecond {
		return
	}
	p.last = time.Now()
	elapsed := time.Since(p.start).Seconds()
	rate := float64(lines) / max(elapsed, 1e-9)
	eta := "?"
	if n := p.read.n.Load(); p.size > 0 && n > 0 {
		left := time.Duration(elapsed * float64(p.size-n) / float64(n) * float64(time.Second))
		eta = left.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r%d lines  %.0f lines/s  ETA %s   ", lines, rate, eta)
}

func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// catalogImport: kizuna catalog import --account NAME FILE|-.
func (c *cmd) catalogImport(ctx context.Context, args []string) error {
	fs, db := c.flags("catalog import")
	account := fs.String("account", "", "account name")
	pos, err := c.parse(fs, args, 1, 1, "one FILE, or - for standard input")
	if err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"catalog import needs --account NAME"}
	}
	in, _, err := c.input(pos[0])
	if err != nil {
		return err
	}
	defer in.Close()
	data, err := io.ReadAll(io.LimitReader(in, 64<<20))
	if err != nil {
		return err
	}
	cat, err := kizuna.ParseCatalog(data)
	if err != nil {
		return err
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.PutCatalog(ctx, a, cat); err != nil {
		return err
	}
	var names []string
	if cat.HubSpot != nil {
		names = append(names, "hubspot")
	}
	if cat.Klaviyo != nil {
		names = append(names, "klaviyo")
	}
	fmt.Fprintf(c.stdout, "imported the catalog of %v into %s\n", names, a.Name)
	return nil
}
