package web

// testsMessages are the words of issue 9's search and editing-together
// fixes: a save from an old version of a segment, and a tag that differs
// from an existing one only in width or case.
var testsMessages = map[string][2]string{
	"segment.stale": {
		"%s changed this segment at %s, after you opened it. What you typed is kept below: save again to replace their change, or open the segment again to see it.",
		"%s さんが %s にこのセグメントを変更しました（あなたが開いた後の変更です）。入力した内容は下に残っています。もう一度保存すると相手の変更を上書きします。相手の変更を見るには、セグメントを開き直してください。",
	},
	"tag.similar": {
		"A tag '%s' already exists that differs only in width or case: use it, or create '%s' anyway.",
		"全角・半角や大文字・小文字だけが違うタグ「%s」がすでにあります。そのタグを使うか、「%s」をこのまま作成してください。",
	},
	"tag.similar.rename": {
		"A tag '%s' already exists that differs only in width or case: rename to '%s' anyway?",
		"全角・半角や大文字・小文字だけが違うタグ「%s」がすでにあります。このまま「%s」に変更しますか？",
	},
	"tag.similar.cancel":         {"Cancel", "キャンセル"},
	"tag.similar.use":            {"Use '%s'", "「%s」を使う"},
	"tag.similar.create":         {"Create '%s' anyway", "「%s」をこのまま作成"},
	"tag.similar.rename.confirm": {"Rename to '%s' anyway", "このまま「%s」に変更"},
}
