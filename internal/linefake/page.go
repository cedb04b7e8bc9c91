package linefake

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
)

// page is GET /fake/: what the fake LINE received, newest first, for a
// person trying Kizuna (the demo links to it).
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fake LINE: what it received</title>
<style>
body{font-family:system-ui,"Hiragino Sans","Noto Sans JP",sans-serif;margin:0;background:#8cabd9;color:#111}
header{background:#06c755;color:#fff;padding:12px 16px}header h1{margin:0;font-size:18px}header p{margin:4px 0 0;font-size:13px}
main{max-width:720px;margin:0 auto;padding:12px}
.send{background:#fff;border-radius:12px;padding:12px 14px;margin:12px 0}
.meta{font-size:12px;color:#555;word-break:break-all}
.bubble{display:inline-block;background:#06c755;color:#fff;border-radius:16px;padding:8px 12px;margin:6px 0;white-space:pre-wrap;max-width:90%}
.other{background:#eee;color:#333}
img{max-width:160px;border-radius:12px}
.empty{background:#fff;border-radius:12px;padding:16px}
</style></head><body>
<header><h1>Fake LINE · 受信した配信</h1><p>Every send the fake LINE Messaging API accepted, newest first (a stand-in for LINE: nothing leaves this machine). 偽のLINEが受け付けた送信の一覧です。</p></header>
<main>
{{range .}}<div class="send">
<div class="meta">{{.At.Format "2006-01-02 15:04:05 MST"}} · {{.Endpoint}} · {{len .To}} recipient(s){{if .First}} · {{.First}}{{if gt (len .To) 1}} …{{end}}{{end}}</div>
<div class="meta">request {{.RequestID}}{{if .RetryKey}} · retry key {{.RetryKey}}{{end}}</div>
{{range .Messages}}<div>{{if eq .Type "text"}}<span class="bubble">{{.Text}}</span>{{else if eq .Type "image"}}<img src="{{.PreviewImageURL}}" alt="image">{{else if eq .Type "sticker"}}<span class="bubble other">sticker {{.PackageID}}/{{.StickerID}}</span>{{else}}<span class="bubble other">{{.Type}}</span>{{end}}</div>{{end}}
</div>{{else}}<p class="empty">Nothing yet: send a broadcast, a test or a Chat reply from Kizuna. / まだ何も届いていません。</p>{{end}}
</main></body></html>`))

type pageMessage struct {
	Type            string `json:"type"`
	Text            string `json:"text"`
	PreviewImageURL string `json:"previewImageUrl"`
	PackageID       string `json:"packageId"`
	StickerID       string `json:"stickerId"`
}

type pageSend struct {
	Delivery
	First    string
	Messages []pageMessage
}

// showDeliveries serves GET /fake/.
func (f *Fake) showDeliveries(w http.ResponseWriter, _ *http.Request) {
	ds := f.Deliveries()
	const most = 200
	out := make([]pageSend, 0, min(len(ds), most))
	for _, d := range slices.Backward(ds) {
		if len(out) == most {
			break
		}
		s := pageSend{Delivery: d}
		if len(d.To) > 0 {
			s.First = d.To[0]
		}
		for _, raw := range d.Messages {
			var m pageMessage
			json.Unmarshal(raw, &m)
			s.Messages = append(s.Messages, m)
		}
		out = append(out, s)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	page.Execute(w, out)
}
