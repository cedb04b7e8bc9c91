package web

// freshMessages are the words of the sources' freshness (fresh.go): how
// current each source's data is, and the flags of segments that use a
// source not connected or failing, in the editor, the segment list and
// before a broadcast.
var freshMessages = map[string][2]string{
	// How long ago (agoText).
	"fresh.ago.now":         {"just now", "たった今"},
	"fresh.ago.minutes":     {"%d minutes ago", "%d分前"},
	"fresh.ago.minutes.one": {"%d minute ago", "%d分前"},
	"fresh.ago.hours":       {"%d hours ago", "%d時間前"},
	"fresh.ago.hours.one":   {"%d hour ago", "%d時間前"},
	"fresh.ago.days":        {"%d days ago", "%d日前"},
	"fresh.ago.days.one":    {"%d day ago", "%d日前"},

	// A source's state (freshWords).
	"fresh.updated":       {"updated %s", "%sに更新"},
	"fresh.updated.now":   {"updated just now", "たった今更新"},
	"fresh.syncing":       {"syncing…", "同期中…"},
	"fresh.syncing.after": {"%s, syncing…", "%s・同期中…"},
	"fresh.never":         {"not synced yet", "まだ同期していません"},
	"fresh.imported":      {"data from an import", "インポートしたデータ"},
	"fresh.disconnected":  {"not connected", "連携していません"},
	"fresh.failing":       {"sync failing", "同期エラー"},
	"fresh.last":          {"last updated %s", "最終更新：%s"},
	"fresh.last.never":    {"never updated", "まだ一度も更新されていません"},
	"fresh.text":          {"%s: %s", "%s：%s"},
	"fresh.label":         {"%s — %s", "%s（%s）"},
	"fresh.failing.text":  {"%s: sync failing, %s. Last error: %s", "%s：同期に失敗しています（%s）。エラー：%s"},
	"fresh.panel":         {"Data from your integrations", "連携サービスのデータ"},
	"fresh.count":         {"This count uses:", "この人数の元データ："},

	// At a condition of a flagged source (editor.js shows the note).
	"fresh.condition.disconnected": {
		"%[1]s is not connected: this condition tests the data %[1]s sent before, which no longer updates.",
		"%[1]sは連携されていません。この条件は以前に受け取ったデータで判定され、更新されません。",
	},
	"fresh.condition.failing": {
		"%[1]s's sync is failing (%[2]s): this condition may be out of date. Last error: %[3]s",
		"%[1]sの同期に失敗しています（%[2]s）。この条件は最新でない可能性があります。エラー：%[3]s",
	},

	// A segment's use of a flagged source (the editor's top, the list, a broadcast).
	"fresh.subject.this":  {"This segment", "このセグメント"},
	"fresh.subject.named": {"The segment “%s”", "セグメント「%s」"},
	"fresh.uses.disconnected": {
		"%[1]s uses %[2]s, which is not connected: its %[2]s conditions test the data %[2]s sent before, which no longer updates.",
		"%[1]sは、連携していない%[2]sの条件を使っています。%[2]sの条件は以前に受け取ったデータで判定され、更新されません。",
	},
	"fresh.uses.failing": {
		"%[1]s uses %[2]s, whose sync is failing (%[3]s): its %[2]s conditions may be out of date. Last error: %[4]s",
		"%[1]sは、同期に失敗している%[2]sの条件を使っています（%[3]s）。%[2]sの条件は最新でない可能性があります。エラー：%[4]s",
	},
	"fresh.reconnect":          {"Connect it again in Settings", "設定で再連携する"},
	"fresh.saving":             {"You can still save the segment: the conditions stay as they are.", "セグメントはこのまま保存できます。条件は変更されません。"},
	"fresh.badge.disconnected": {"%s not connected", "%s未連携"},
	"fresh.badge.failing":      {"%s sync failing", "%s同期エラー"},
	"fresh.broadcast.check":    {"Check who will receive this broadcast before sending it.", "配信前に対象の友だちを確認してください。"},
}
