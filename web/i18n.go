package web

// messages holds the UI's words in English and Japanese. Keys are the
// English text's short names; the seed's vocabulary ("Create Segment",
// "Segment Preview", "Create Folder", "Create Broadcast") is kept as is.
var messages = map[string][2]string{
	"app":                     {"Kizuna", "Kizuna"},
	"signin":                  {"Sign in", "ログイン"},
	"signout":                 {"Sign out", "ログアウト"},
	"email":                   {"E-mail address", "メールアドレス"},
	"password":                {"Password", "パスワード"},
	"signin.wrong":            {"The e-mail address or the password is wrong.", "メールアドレスまたはパスワードが正しくありません。"},
	"signin.throttled":        {"Too many attempts. Wait a few minutes and try again.", "試行回数が多すぎます。数分待ってから再度お試しください。"},
	"segments":                {"Segments", "セグメント"},
	"segment.name":            {"Name", "セグメント名"},
	"segment.count":           {"Number of Friends", "友だち数"},
	"segment.usage":           {"Usage", "利用状況"},
	"segment.updated":         {"Last Updated", "最終更新日"},
	"segment.create":          {"Create Segment", "セグメントを作成"},
	"folder.create":           {"Create Folder", "フォルダを作成"},
	"folder.none":             {"Not in a folder", "フォルダなし"},
	"broadcast.create":        {"Create Broadcast", "配信を作成"},
	"usage.none":              {"Not used", "未使用"},
	"search":                  {"Search by name", "セグメント名で検索"},
	"search.go":               {"Search", "検索"},
	"empty":                   {"No segments yet.", "セグメントはまだありません。"},
	"notfound":                {"Not found", "見つかりません"},
	"notfound.text":           {"There is no such page, or it belongs to an account you are not a member of.", "ページが存在しないか、メンバーではないアカウントのページです。"},
	"noaccounts":              {"You are not a member of any account yet.", "まだどのアカウントのメンバーでもありません。"},
	"account":                 {"Account", "アカウント"},
	"lang.switch":             {"日本語", "English"},
	"count.unknown":           {"—", "—"},
	"friends":                 {"Friends", "友だち"},
	"friends.search":          {"Search by name or LINE user ID", "名前またはLINEユーザーIDで検索"},
	"friends.none":            {"No friends match.", "該当する友だちはいません。"},
	"tag":                     {"Tag", "タグ"},
	"tags.all":                {"All tags", "すべてのタグ"},
	"friend.name":             {"Name", "名前"},
	"friend.lineid":           {"LINE user ID", "LINEユーザーID"},
	"friend.added":            {"Added", "友だち追加日"},
	"friend.tags":             {"Tags", "タグ"},
	"friend.blocked":          {"blocked", "ブロック"},
	"friend.following":        {"following", "フォロー中"},
	"friend.notags":           {"No tags.", "タグはありません。"},
	"friend.segments":         {"Segments this friend is in now", "現在含まれるセグメント"},
	"friend.nosegments":       {"None.", "なし"},
	"friend.orders":           {"Orders", "購入回数"},
	"tag.add":                 {"Add tag", "タグを追加"},
	"tag.remove":              {"Remove tag", "タグを外す"},
	"next":                    {"Next page", "次のページ"},
	"why.ask":                 {"Why in or out of", "セグメントに含まれる理由"},
	"why.show":                {"Explain", "理由を表示"},
	"why.title":               {"Why %s is in or out of %s", "%s が「%s」に含まれるか"},
	"why.in":                  {"In the segment now.", "現在このセグメントに含まれています。"},
	"why.out":                 {"Not in the segment now.", "現在このセグメントに含まれていません。"},
	"why.blocked":             {"(The friend has blocked the account: blocked friends are never in a segment.)", "（ブロック中の友だちはセグメントに含まれません）"},
	"why.group":               {"Filter condition %d:", "絞り込み条件%d："},
	"why.or":                  {"or", "または"},
	"why.matched":             {"matched", "一致"},
	"why.notmatched":          {"not matched", "不一致"},
	"why.condition":           {"Condition", "条件"},
	"why.value":               {"This friend", "この友だちの値"},
	"explain.who":             {"Name a friend: a name or a LINE user ID.", "友だちの名前またはLINEユーザーIDを入力してください。"},
	"explain.nofriend":        {"No friend matches that name or LINE user ID.", "その名前またはLINEユーザーIDの友だちは見つかりません。"},
	"explain.check":           {"Check a friend", "友だちを確認"},
	"explain.hint":            {"Name or LINE user ID", "名前またはLINEユーザーID"},
	"explain.sample":          {"Select a friend to see why they are in.", "友だちを選ぶと、含まれる理由を表示します。"},
	"friends.insegment":       {"In or out of a segment", "セグメントに含まれるか"},
	"friends.anysegment":      {"Show in or out of…", "セグメントとの一致を表示…"},
	"friends.in":              {"In", "含まれる"},
	"friends.out":             {"Out", "含まれない"},
	"integration.ago":         {"%s (%d days ago)", "%s（%d日前）"},
	"integration.hoursago":    {"%s (%d hours ago)", "%s（%d時間前）"},
	"integration.none":        {"none", "なし"},
	"integration.customer":    {"Customer ID", "顧客ID"},
	"integration.lastorder":   {"Last order", "最終購入日"},
	"integration.cart":        {"Abandoned cart", "カゴ落ち"},
	"integration.shopifytags": {"Customer tags", "顧客タグ"},
	"integration.contact":     {"Contact ID", "コンタクトID"},
	"integration.segments":    {"Segments", "セグメント"},
	"integration.profile":     {"Profile ID", "プロフィールID"},
	"integration.lists":       {"Lists", "リスト"},
	"why.result":              {"Result", "結果"},
	"yes":                     {"yes", "はい"},
	"no":                      {"no", "いいえ"},
	"folder":                  {"Folder", "フォルダ"},
	"folder.new.hint":         {"A new folder's name (optional)", "新しいフォルダ名（任意）"},
	"add.or":                  {"Add Another Condition (OR)", "条件を追加（OR）"},
	"segment.save":            {"Save Segment", "セグメントを保存"},
	"preview":                 {"Segment Preview", "セグメントプレビュー"},
	"preview.friends":         {"friends", "人"},
	"editor.unsupported":      {"This segment uses conditions this editor cannot show yet; the preview shows it as saved. Edit it through the API.", "このセグメントにはエディタでまだ表示できない条件があります。プレビューは保存済みの内容です。変更はAPIで行ってください。"},
	"session.ended":           {"Your session has ended. Reload the page to sign in again.", "ログインの有効期限が切れました。ページを再読み込みしてログインしてください。"},
	"csrf":                    {"The form expired. Reload the page and try again.", "フォームの有効期限が切れました。ページを再読み込みしてください。"},
}

// catalogs are the message maps t reads, each kept in its own file by the
// part of the application it serves. A key is defined in one of them only
// (TestMessagesOnce).
var catalogs = []map[string][2]string{messages, manageMessages, testsMessages, i18nMessages, editorMessages, authMessages, pagesMessages, chatMessages, broadcastsMessages, freshMessages, sourcesMessages, agentMessages}

// lookup returns the English and Japanese text of key.
func lookup(key string) ([2]string, bool) {
	for _, c := range catalogs {
		if m, ok := c[key]; ok {
			return m, true
		}
	}
	return [2]string{}, false
}

// t returns the message in lang ("ja" or English).
func t(lang, key string) string {
	m, ok := lookup(key)
	if !ok {
		return key
	}
	if lang == "ja" {
		return m[1]
	}
	return m[0]
}
