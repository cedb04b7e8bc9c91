package web

// editorMessages are the segment editor's words (editor.html, editor.go).
// The words editor.js writes itself are in that file, in both languages.
var editorMessages = map[string][2]string{
	"editor.empty":         {"Add a condition to narrow down; with no condition, every friend who follows is counted.", "条件を追加して絞り込みます。条件がないときは、フォロー中のすべての友だちが対象です。"},
	"editor.addfirst":      {"Add a condition", "条件を追加"},
	"editor.everyone":      {"Every friend who follows the account", "フォロー中のすべての友だち"},
	"editor.needcondition": {"Add at least one condition to save the segment.", "セグメントを保存するには、条件を1つ以上追加してください。"},
	"editor.cancel":        {"Cancel", "キャンセル"},
}
