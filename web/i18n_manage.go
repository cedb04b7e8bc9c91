package web

// manageMessages are the words of the segment list's actions, the deleted
// segments and history pages, the tags page and the settings page, in
// English and Japanese; init merges them into messages.
var manageMessages = map[string][2]string{
	// Navigation.
	"nav.tags":     {"Tags", "タグ"},
	"nav.settings": {"Settings", "設定"},

	// The segment list.
	"segment.actions":     {"Actions", "操作"},
	"segment.actions.for": {"Actions for %s", "「%s」の操作"},
	"segment.history":     {"History", "変更履歴"},
	"segment.duplicate":   {"Duplicate", "複製"},
	"segment.delete":      {"Delete", "削除"},
	"segment.moveto":      {"Move to folder", "フォルダへ移動"},
	"segment.move":        {"Move", "移動"},
	"folder.actions.for":  {"Folder actions for %s", "フォルダ「%s」の操作"},
	"folder.name":         {"Folder name", "フォルダ名"},
	"folder.newname":      {"New name for the folder", "新しいフォルダ名"},
	"folder.rename":       {"Rename folder", "フォルダ名を変更"},
	"folder.delete":       {"Delete folder", "フォルダを削除"},
	"folder.delete.note":  {"Only an empty folder can be deleted.", "空のフォルダだけ削除できます。"},
	"segments.deleted":    {"Deleted segments", "削除したセグメント"},

	// Refusals the segment list shows (see listRefusals).
	"refused.folder.notempty": {"The folder still holds segments: move or delete them first.", "フォルダにセグメントが残っています。先にセグメントを移動するか削除してください。"},
	"refused.name.taken":      {"That name is already used. Choose another name.", "その名前はすでに使われています。別の名前にしてください。"},
	"refused.name.invalid":    {"Enter a name of 1 to 100 characters.", "名前は1〜100文字で入力してください。"},

	// Deleted segments.
	"deleted.note":  {"Deleted segments can be restored for 30 days.", "削除したセグメントは30日間復元できます。"},
	"deleted.at":    {"Deleted", "削除日時"},
	"deleted.until": {"Restorable until", "復元期限"},
	"deleted.none":  {"No deleted segments.", "削除したセグメントはありません。"},
	"restore":       {"Restore", "復元"},
	"restore.label": {"Restore %s", "「%s」を復元"},
	"back.list":     {"Back to segments", "セグメント一覧に戻る"},

	// History.
	"history.title":    {"History of %s", "「%s」の変更履歴"},
	"history.when":     {"When", "日時"},
	"history.who":      {"By", "変更者"},
	"history.action":   {"Change", "変更内容"},
	"history.name":     {"Name", "セグメント名"},
	"history.filter":   {"Conditions", "条件"},
	"history.before":   {"Before", "変更前"},
	"history.after":    {"After", "変更後"},
	"history.none":     {"No changes recorded.", "変更の記録はありません。"},
	"action.create":    {"Created", "作成"},
	"action.rename":    {"Renamed", "名前を変更"},
	"action.edit":      {"Conditions edited", "条件を変更"},
	"action.move":      {"Moved to another folder", "フォルダを移動"},
	"action.duplicate": {"Duplicated", "複製"},
	"action.delete":    {"Deleted", "削除"},
	"action.restore":   {"Restored", "復元"},

	// Tags.
	"tags.name":          {"Tag", "タグ名"},
	"tags.count":         {"Number of Friends", "友だち数"},
	"tags.create":        {"Create Tag", "タグを作成"},
	"tags.newtag":        {"New tag name", "新しいタグ名"},
	"tags.rename":        {"Rename", "名前を変更"},
	"tags.rename.label":  {"New name for %s", "「%s」の新しい名前"},
	"tags.rename.note":   {"Renaming a tag renames it in the segments that use it too.", "タグ名を変更すると、そのタグを使うセグメントの条件も新しい名前に変わります。"},
	"tags.delete":        {"Delete", "削除"},
	"tags.delete.label":  {"Delete %s", "「%s」を削除"},
	"tags.none":          {"No tags yet.", "タグはまだありません。"},
	"tags.apply.title":   {"Tag every friend in a segment", "セグメントの友だち全員にタグを付ける"},
	"tags.apply.note":    {"Every friend in the segment now gets the tag; a new tag name creates the tag.", "現在セグメントに含まれる友だち全員にタグを付けます。新しいタグ名の場合はタグを作成します。"},
	"tags.apply.segment": {"Segment", "セグメント"},
	"tags.apply.tag":     {"Tag", "タグ"},
	"tags.apply":         {"Apply Tag", "タグを付ける"},
	"tags.applied":       {"%[1]s friends in “%[2]s” now carry the tag “%[3]s”.", "「%[2]s」の友だち%[1]s人にタグ「%[3]s」を付けました。"},

	// Settings.
	"settings.tokens":       {"API tokens", "APIトークン"},
	"settings.tokens.note":  {"An API token lets a program use this account through the JSON API.", "APIトークンを使うと、プログラムからJSON APIでこのアカウントを利用できます。"},
	"token.id":              {"ID", "ID"},
	"token.created":         {"Created", "作成日時"},
	"token.create":          {"Create API Token", "APIトークンを作成"},
	"token.revoke":          {"Revoke", "無効にする"},
	"token.revoke.label":    {"Revoke token %d", "トークン %d を無効にする"},
	"token.none":            {"No API tokens yet.", "APIトークンはまだありません。"},
	"token.new":             {"Your new API token", "新しいAPIトークン"},
	"token.once":            {"Copy it now: it will not be shown again.", "今すぐコピーしてください。このトークンは二度と表示されません。"},
	"token.owners":          {"Only owners of this account can manage API tokens.", "APIトークンを管理できるのは、このアカウントのオーナーだけです。"},
	"settings.lang":         {"Language", "言語"},
	"settings.lang.note":    {"The language of Kizuna on every browser you sign in from.", "ログインするすべてのブラウザで使うKizunaの表示言語です。"},
	"settings.lang.browser": {"From the browser", "ブラウザの設定に従う"},
	"settings.lang.en":      {"English", "English"},
	"settings.lang.ja":      {"日本語", "日本語"},
	"settings.save":         {"Save", "保存"},
	"members":               {"Members", "メンバー"},
	"members.note":          {"Owners manage segments, members, API tokens and settings; members work with segments, friends and tags.", "オーナーはセグメント、メンバー、APIトークン、設定を管理できます。メンバーはセグメント、友だち、タグを利用できます。"},
	"members.email":         {"E-mail address", "メールアドレス"},
	"members.role":          {"Role", "権限"},
	"members.you":           {"(you)", "（あなた）"},
	"members.invite":        {"Add Member", "メンバーを追加"},
	"members.remove":        {"Remove", "削除"},
	"members.remove.label":  {"Remove %s", "%s を削除"},
	"members.change":        {"Change", "変更"},
	"members.added":         {"%s can now sign in to this account.", "%s がこのアカウントにログインできるようになりました。"},
	"members.password":      {"First password (give it to them; they can change it under Settings):", "初回パスワード（本人に伝えてください。設定から変更できます）："},
	"members.once":          {"It will not be shown again.", "このパスワードは二度と表示されません。"},
	"role.owner":            {"Owner", "オーナー"},
	"role.member":           {"Member", "メンバー"},
	"password.current":      {"Current password", "現在のパスワード"},
	"password.new":          {"New password (10 characters or more)", "新しいパスワード（10文字以上）"},
	"password.change":       {"Change Password", "パスワードを変更"},
	"password.changed":      {"Your password was changed. Your other sign-ins were ended.", "パスワードを変更しました。ほかの端末のログインは終了しました。"},
	"password.wrong":        {"The current password is wrong.", "現在のパスワードが正しくありません。"},
	"password.short":        {"The new password needs at least 10 characters.", "新しいパスワードは10文字以上にしてください。"},
}

func init() {
	for k, v := range manageMessages {
		if _, dup := messages[k]; dup {
			panic("web: message " + k + " is defined twice (i18n.go and i18n_manage.go)")
		}
		messages[k] = v
	}
}
