package web_test

import (
	"context"
	"sync"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// dialogs records the questions the pages ask (window.confirm) and
// accepts each.
type dialogs struct {
	mu   sync.Mutex
	seen []string
}

func (d *dialogs) last() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.seen) == 0 {
		return ""
	}
	return d.seen[len(d.seen)-1]
}

// acceptDialogs answers every dialog the browser of ctx opens with OK,
// and records its message.
func acceptDialogs(ctx context.Context) *dialogs {
	d := &dialogs{}
	opening := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for e, err := range opening {
			if err != nil {
				return
			}
			d.mu.Lock()
			d.seen = append(d.seen, e.Message)
			d.mu.Unlock()
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return d
}
