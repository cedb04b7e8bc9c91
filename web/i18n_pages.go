package web

// pagesMessages are the words of notices and confirmations, a segment's
// members page, the list's folders and search, and the ways back, in
// English and Japanese. A key with ".one" is English's singular (plural).
var pagesMessages = map[string][2]string{
	// Notices after a change (the flash).
	"done.created":         {"Segment “%s” created.", "セグメント「%s」を作成しました。"},
	"done.saved":           {"Segment “%s” saved.", "セグメント「%s」を保存しました。"},
	"done.duplicated":      {"Duplicated as “%s”.", "「%s」として複製しました。"},
	"done.deleted":         {"Segment “%s” deleted. Deleted segments can be restored for 30 days.", "セグメント「%s」を削除しました。削除したセグメントは30日間復元できます。"},
	"done.restored":        {"Segment “%s” restored.", "セグメント「%s」を復元しました。"},
	"done.moved":           {"“%s” moved to the folder “%s”.", "「%s」をフォルダ「%s」に移動しました。"},
	"done.moved.out":       {"“%s” taken out of its folder.", "「%s」をフォルダから出しました。"},
	"done.folder.created":  {"Folder “%s” created.", "フォルダ「%s」を作成しました。"},
	"done.folder.renamed":  {"Folder renamed to “%s”.", "フォルダ名を「%s」に変更しました。"},
	"done.folder.deleted":  {"Folder “%s” deleted.", "フォルダ「%s」を削除しました。"},
	"done.tag.created":     {"Tag “%s” created.", "タグ「%s」を作成しました。"},
	"done.tag.renamed":     {"Tag “%s” renamed to “%s”.", "タグ「%s」を「%s」に変更しました。"},
	"done.tag.deleted":     {"Tag “%s” deleted.", "タグ「%s」を削除しました。"},
	"tags.applied.one":     {"%[1]s friend in “%[2]s” now carries the tag “%[3]s”.", "「%[2]s」の友だち%[1]s人にタグ「%[3]s」を付けました。"},
	"done.friend.tagged":   {"Tag “%s” added.", "タグ「%s」を付けました。"},
	"done.friend.untagged": {"Tag “%s” removed.", "タグ「%s」を外しました。"},
	"tag.blank":            {"Enter a tag name: spaces alone are not a name.", "タグ名を入力してください。空白だけの名前は使えません。"},
	"done.token.revoked":   {"API token %d revoked.", "APIトークン %d を無効にしました。"},
	"done.lang.saved":      {"Language saved.", "表示言語を保存しました。"},
	"done.member.role":     {"Role changed.", "権限を変更しました。"},
	"done.member.removed":  {"Member removed.", "メンバーを削除しました。"},
	"done.invite.revoked":  {"Invitation withdrawn: its link no longer works.", "招待を取り消しました。招待リンクはもう使えません。"},

	// Confirmations (pages.js asks before the form is sent).
	"confirm.segment.delete":    {"Delete the segment “%s”? It can be restored for 30 days.", "セグメント「%s」を削除しますか？30日間は復元できます。"},
	"confirm.tag.delete":        {"Delete the tag “%[1]s”? %[2]s friends lose it, and this cannot be undone.", "タグ「%[1]s」を削除しますか？%[2]s人の友だちからタグが外れ、元に戻せません。"},
	"confirm.tag.delete.one":    {"Delete the tag “%[1]s”? %[2]s friend loses it, and this cannot be undone.", "タグ「%[1]s」を削除しますか？%[2]s人の友だちからタグが外れ、元に戻せません。"},
	"confirm.tag.apply":         {"Give the tag to all %[1]s friends in “%[2]s” now?", "「%[2]s」の友だち%[1]s人全員にタグを付けますか？"},
	"confirm.tag.apply.one":     {"Give the tag to the %[1]s friend in “%[2]s” now?", "「%[2]s」の友だち%[1]s人全員にタグを付けますか？"},
	"confirm.tag.apply.unknown": {"Give the tag to every friend in “%s” now?", "「%s」の友だち全員にタグを付けますか？"},
	"confirm.member.remove":     {"Remove %s from this account? They can no longer sign in to it.", "%s をこのアカウントから削除しますか？このアカウントにログインできなくなります。"},
	"confirm.tag.remove":        {"Remove the tag “%s” from this friend?", "この友だちからタグ「%s」を外しますか？"},
	"confirm.token.revoke":      {"Revoke API token %d? Programs using it stop working.", "APIトークン %d を無効にしますか？このトークンを使うプログラムは動かなくなります。"},

	// A segment's members.
	"segmembers.title":      {"Members", "含まれる友だち"},
	"segmembers.link":       {"Members", "含まれる友だち"},
	"segmembers.total":      {"%s friends are in this segment now.", "現在このセグメントに含まれる友だちは%s人です。"},
	"segmembers.total.one":  {"%s friend is in this segment now.", "現在このセグメントに含まれる友だちは%s人です。"},
	"segmembers.none":       {"Nobody is in this segment now.", "現在このセグメントに含まれる友だちはいません。"},
	"segmembers.why":        {"Why", "理由"},
	"segmembers.edit":       {"Edit conditions", "条件を編集"},
	"segmembers.friendlist": {"Search among them in the friend list", "友だち一覧で絞り込む"},
	"friends.only":          {"Only friends in the segment", "セグメントに含まれる友だちだけ"},

	// The segment list's folders and search.
	"folder.count":     {"%d segments", "%d件"},
	"folder.count.one": {"%d segment", "%d件"},
	"folder.toggle":    {"Show or hide the segments of %s", "「%s」のセグメントを表示／非表示"},
	"search.nothing":   {"No segment name contains “%s”.", "「%s」を含むセグメントはありません。"},
	"search.clear":     {"Show all segments", "すべてのセグメントを表示"},

	// Ways back from a message page (a form that expired, say).
	"back.go":     {"Go back", "戻る"},
	"back.signin": {"Sign in", "ログイン画面へ"},
}
