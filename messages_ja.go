package kizuna

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// LocalMessage returns the user-safe message of err in lang: for "ja", the
// Japanese of the first *Error in its chain (messagesJA, keyed by the English
// format or message), and its English message for any other language or when
// a message has no Japanese. The API answers with ErrorMessage; pages and the
// editor show LocalMessage.
func LocalMessage(err error, lang string) string {
	var e *Error
	if err == nil {
		return ""
	} else if !errors.As(err, &e) {
		if lang == "ja" {
			return messagesJA["internal error"]
		}
		return "internal error"
	}
	if lang != "ja" {
		return e.Message
	}
	if e.format == "" {
		if ja, ok := messagesJA[e.Message]; ok {
			return ja
		}
		return e.Message
	}
	ja, ok := messagesJA[e.format]
	if !ok {
		return e.Message
	}
	args := make([]any, len(e.args))
	for i, a := range e.args {
		switch v := a.(type) {
		case error:
			a = LocalMessage(v, lang)
		case Names:
			a = "「" + strings.Join(v, "」、「") + "」"
		case Phrase:
			if ja, ok := phrasesJA[v]; ok {
				a = ja
			}
		}
		args[i] = a
	}
	return fmt.Sprintf(ja, args...)
}

// Phrase is English words an error's message names a thing with ("a tag
// name"); LocalMessage says it in Japanese from phrasesJA. A phrase not in
// phrasesJA is a field's own name (display_name, a property) and is kept.
type Phrase string

// phrasesJA are the phrases messages name things with, in Japanese.
var phrasesJA = map[Phrase]string{
	"a tag name":         "タグ名",
	"the e-mail address": "メールアドレス",
	"the account name":   "アカウント名",
	"the search":         "検索語",
	"value":              "値",
	"an item":            "項目",
	"the setting":        "設定値",
}

// Names are names (of segments, tags) in a message: quoted and joined with
// commas in English, 「」 and 、 in Japanese.
type Names []string

func (n Names) String() string {
	q := make([]string, len(n))
	for i, s := range n {
		q[i] = strconv.Quote(s)
	}
	return strings.Join(q, ", ")
}

// englishArgs returns args with each error replaced by its ErrorMessage, so
// that an error quoted inside another says its safe message, not its code.
func englishArgs(args []any) []any {
	var out []any
	for i, a := range args {
		if inner, ok := a.(error); ok {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = ErrorMessage(inner)
		}
	}
	if out == nil {
		return args
	}
	return out
}

// messagesJA holds the Japanese of every message an *Error can carry, keyed by
// its English format (Errorf, ErrorAt and their wrappers) or its constant
// message. A Japanese format uses the same verbs, with explicit argument
// indexes (%[2]s) where Japanese needs another order. TestMessagesJA checks
// that every message in the code has an entry here and every entry is used.
var messagesJA = map[string]string{
	"internal error": "内部エラーが発生しました。",

	// The filter (the editor's conditions).
	"the filter must be a JSON object with a \"groups\" list": "条件は \"groups\" の一覧を持つJSONオブジェクトにしてください。",
	"groups is required":                                                  "groups（絞り込み条件）がありません。",
	"groups must be a list":                                               "groups は一覧にしてください。",
	"a filter needs at least 1 group":                                     "絞り込み条件を1つ以上指定してください。",
	"a filter has at most %d groups, this one has %d":                     "絞り込み条件は%d個までです（この条件は%d個）。",
	"a group must be an object with a \"conditions\" list":                "絞り込み条件は \"conditions\" の一覧を持つオブジェクトにしてください。",
	"conditions must be a list":                                           "conditions は一覧にしてください。",
	"a group needs at least 1 condition":                                  "絞り込み条件には条件を1つ以上指定してください。",
	"a group has at most %d conditions, this one has %d":                  "1つの絞り込み条件に入れられる条件は%d個までです（この条件は%d個）。",
	"unknown key %q":                                                      "不明な項目 %q があります。",
	"a condition must be an object with field, op and value":              "条件は field、op、value を持つオブジェクトにしてください。",
	"property must name a property":                                       "プロパティを選んでください。",
	"unknown type %q: use string, number, bool, date or days_since":       "不明な型 %q です。string、number、bool、date、days_since のいずれかにしてください。",
	"unknown field %q":                                                    "不明な項目 %q です。",
	"op %q is not allowed for %s (allowed: %s)":                           "比較方法 %[1]q は %[2]s には使えません（使えるもの：%[3]s）。",
	"hours_since is only allowed with op exists":                          "経過時間は「あり」の条件でのみ指定できます。",
	"op %s takes no value":                                                "比較方法 %s には値を指定しません。",
	"op %s needs a value":                                                 "比較方法 %s には値が必要です。",
	"hours_since must be an object like {\"op\": \"gte\", \"value\": 24}": "経過時間は {\"op\": \"gte\", \"value\": 24} のようなオブジェクトにしてください。",
	"op %q is not a numeric op (allowed: %s)":                             "比較方法 %[1]q は数値の比較ではありません（使えるもの：%[2]s）。",
	"hours_since needs a value":                                           "経過時間を入力してください。",
	"%s is required":                                                      "%s がありません。",
	"%s must be a string":                                                 "%s は文字列にしてください。",
	"value must be true or false":                                         "「はい」か「いいえ」を選んでください。",
	"value must be a string":                                              "値は文字列にしてください。",
	"op %s needs a non-empty string":                                      "値を入力してください（比較方法 %s）。",
	"value must be a list of strings":                                     "値は文字列の一覧にしてください。",
	"value must list at least 1 item":                                     "1つ以上選んでください。",
	"each item must be a string":                                          "各項目は文字列にしてください。",
	"an item must not be empty":                                           "空の項目があります。",
	"between needs from <= to, got %s > %s":                               "期間は開始日を終了日以前にしてください（%s が %s より後です）。",
	"between needs lo <= hi, got %v > %v":                                 "範囲は下限を上限以下にしてください（%v が %v より大きくなっています）。",
	"between needs two dates [from, to]":                                  "期間には開始日と終了日の2つを入力してください。",
	"between needs two numbers [lo, hi]":                                  "範囲には下限と上限の2つの数を入力してください。",
	"value must be a date string YYYY-MM-DD":                              "日付を YYYY-MM-DD の形で入力してください。",
	"%q is not a date that exists, written YYYY-MM-DD":                    "「%s」は存在する日付ではありません。YYYY-MM-DD の形で入力してください。",
	"value must be an integer (a JSON number, not a string)":              "整数を入力してください。",
	"value must be a number (a JSON number, not a string)":                "数値を入力してください。",
	"value is not a finite number":                                        "値が大きすぎるか、数値ではありません。",
	"value must be an integer, got %s":                                    "整数を入力してください（入力された値：%s）。",
	"no friend tag is named %q in this account":                           "このアカウントに「%s」というタグはありません。",

	// Names, tags, folders and segments.
	"the name is empty":                                              "名前を入力してください。",
	"the name is not valid UTF-8":                                    "名前に使えない文字が含まれています。",
	"the name is longer than 100 characters":                         "名前は100文字以内にしてください。",
	"a tag name is empty":                                            "タグ名を入力してください。",
	"tag %q is both added and removed":                               "タグ「%s」を追加と削除の両方に指定しています。",
	"a tag named %q already exists":                                  "「%s」というタグはすでにあります。",
	"a segment named %q already exists":                              "「%s」というセグメントはすでにあります。",
	"a folder named %q already exists":                               "「%s」というフォルダはすでにあります。",
	"no tag %q in account %q":                                        "アカウント「%[2]s」にタグ「%[1]s」はありません。",
	"the tag %q is used by segment(s) %s: edit or delete them first": "タグ「%[1]s」はセグメント%[2]sで使われています。先にそのセグメントを編集するか削除してください。",
	"no segment %d":                                                  "セグメント %d はありません。",
	"no segment %d in account %q":                                    "アカウント「%[2]s」にセグメント %[1]d はありません。",
	"no folder %d in account %q":                                     "アカウント「%[2]s」にフォルダ %[1]d はありません。",
	"no folder %q":                                                   "フォルダ「%s」はありません。",
	"no folder named":                                                "フォルダ名を指定してください。",
	"the folder holds %d segment(s): move or delete them first":      "フォルダにセグメントが%d件あります。先に移動するか削除してください。",
	"no deleted segment %d in account %q that can still be restored": "アカウント「%[2]s」に復元できる削除済みセグメント %[1]d はありません。",
	"this segment cannot come back: %s (create the tag again first)": "このセグメントは復元できません：%s（先にタグを作成し直してください）",
	"no friend %q in account %q":                                     "アカウント「%[2]s」に友だち「%[1]s」はいません。",
	"the page cursor is not one this server made":                    "ページの指定が正しくありません。最初のページからやり直してください。",

	// Users, members and accounts.
	"enter an e-mail address such as name@example.com":                   "name@example.com のような形でメールアドレスを入力してください。",
	"the password needs at least 10 characters":                          "パスワードは10文字以上にしてください。",
	"role must be \"owner\" or \"member\"":                               "権限は「オーナー」か「メンバー」を選んでください。",
	"a user with the e-mail address %q already exists":                   "メールアドレス「%s」のユーザーはすでにいます。",
	"%s was just invited by someone else; try again":                     "%s はたった今ほかの人が招待しました。もう一度お試しください。",
	"%s is already a member of this account":                             "%s はすでにこのアカウントのメンバーです。",
	"this is the account's only owner: make someone else an owner first": "このアカウントのオーナーはこの人だけです。先にほかの人をオーナーにしてください。",
	"user %d is not a member of account %q":                              "ユーザー %[1]d はアカウント「%[2]s」のメンバーではありません。",
	"no user %d":                                                         "ユーザー %d はいません。",
	"the current password is wrong":                                      "現在のパスワードが正しくありません。",
	"the e-mail address or the password is wrong":                        "メールアドレスまたはパスワードが正しくありません。",
	"not signed in":                        "ログインしていません。",
	"lang must be \"en\", \"ja\" or empty": "言語は \"en\"、\"ja\"、または空にしてください。",
	"lang must be \"en\" or \"ja\"":        "言語は \"en\" か \"ja\" にしてください。",
	"account name %q must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit": "アカウント名 %q は、英字・数字・'.'・'_'・'-' の1〜63文字で、英字か数字で始めてください。",
	"time zone %q is not an IANA zone name such as Asia/Tokyo":                                       "タイムゾーン %q は Asia/Tokyo のようなIANAのタイムゾーン名ではありません。",
	"unknown time zone %q: use an IANA zone name such as Asia/Tokyo":                                 "不明なタイムゾーン %q です。Asia/Tokyo のようなIANAのタイムゾーン名にしてください。",
	"an account named %q already exists":                                                             "「%s」というアカウントはすでにあります。",
	"no account is named %q":                                                                         "「%s」というアカウントはありません。",
	"no account named %q":                                                                            "「%s」というアカウントはありません。",
	"invalid API token":                                                                              "APIトークンが正しくありません。",
	"the API token is not valid":                                                                     "APIトークンが正しくありません。",
	"no API token %d in account %q":                                                                  "アカウント「%[2]s」にAPIトークン %[1]d はありません。",

	// The catalog of HubSpot and Klaviyo names.
	"catalog: %s": "カタログ：%s",
	"catalog names no integration: expected \"hubspot\" and/or \"klaviyo\"": "カタログに連携先がありません。\"hubspot\" か \"klaviyo\"（または両方）を指定してください。",
	"%s has no %s; use %s":      "%[1]s に %[2]s はありません。%[3]s を使ってください。",
	"id is required":            "id がありません。",
	"id %q appears twice":       "id %q が2回出てきます。",
	"name is required":          "name がありません。",
	"property %q appears twice": "プロパティ %q が2回出てきます。",

	// Imports.
	"line_user_id is required":                                 "line_user_id がありません。",
	"line_user_id %q is not U followed by 32 hex digits":       "line_user_id %q は U と16進数32桁の形ではありません。",
	"added_at is required":                                     "added_at がありません。",
	"status %q is not following or blocked":                    "status %q は following か blocked にしてください。",
	"shopify.orders_count %d is out of range (0 to 2^53)":      "shopify.orders_count %d は範囲外です（0〜2^53）。",
	"shopify.checkouts[%d].updated_at is required":             "shopify.checkouts[%d].updated_at がありません。",
	"%s[%d] is empty":                                          "%s[%d] が空です。",
	"unexpected data after the JSON object":                    "JSONオブジェクトの後に余分なデータがあります。",
	"line is longer than %d bytes":                             "行が%dバイトを超えています。",
	"line is not valid UTF-8":                                  "行が正しいUTF-8ではありません。",
	"%s contains the character U+0000, which cannot be stored": "%s に保存できない文字 U+0000 が含まれています。",

	// Requests (the JSON API and the editor's calls).
	"%s":                             "%s",
	"not found":                      "見つかりません。",
	"the request is not JSON":        "リクエストがJSONではありません。",
	"no %s %q":                       "%[1]s %[2]q はありません。",
	"no API endpoint at %q":          "%q にAPIはありません。",
	"%s is not allowed here; use %s": "ここでは %[1]s は使えません。%[2]s を使ってください。",
	"this request needs an API token: send Authorization: Bearer TOKEN":                  "このリクエストにはAPIトークンが必要です。Authorization: Bearer TOKEN を送ってください。",
	"send one Authorization header of the form \"Bearer TOKEN\"":                         "\"Bearer TOKEN\" の形のAuthorizationヘッダーを1つ送ってください。",
	"the request has no Content-Type; send %s":                                           "リクエストにContent-Typeがありません。%s を送ってください。",
	"Content-Type %q is not accepted here; send %s":                                      "ここではContent-Type %[1]q は受け付けません。%[2]s を送ってください。",
	"charset %q is not accepted; send UTF-8":                                             "文字コード %q は受け付けません。UTF-8で送ってください。",
	"Content-Encoding %q is not accepted; send the body uncompressed":                    "Content-Encoding %q は受け付けません。圧縮せずに送ってください。",
	"the request body is empty; send a JSON object":                                      "リクエストの本文が空です。JSONオブジェクトを送ってください。",
	"the request body is not valid JSON: %s (at byte %d)":                                "リクエストの本文が正しいJSONではありません：%s（%dバイト目）",
	"the request body must be a JSON object, not a JSON %s":                              "リクエストの本文はJSONオブジェクトにしてください（JSONの%sではなく）。",
	"the request body is not valid JSON":                                                 "リクエストの本文が正しいJSONではありません。",
	"the request body must be a JSON object, not null":                                   "リクエストの本文はnullではなくJSONオブジェクトにしてください。",
	"skip_invalid must be given once, as true, 1, false or 0":                            "skip_invalid は true、1、false、0 のいずれかで1回だけ指定してください。",
	"unknown key %q: a preview request has \"filter\", \"now\" and \"lang\"":             "不明な項目 %q があります。プレビューのリクエストの項目は \"filter\"、\"now\"、\"lang\" です。",
	"the request has no filter: send {\"filter\": {\"groups\": [...]}}":                  "リクエストに条件がありません。{\"filter\": {\"groups\": [...]}} を送ってください。",
	"now must be an RFC 3339 time with an offset, such as \"2026-11-28T09:00:00+09:00\"": "now は \"2026-11-28T09:00:00+09:00\" のようなオフセット付きのRFC 3339の日時にしてください。",
	"unknown key %q: a tag request has \"line_user_ids\", \"add\" and \"remove\"":        "不明な項目 %q があります。タグのリクエストの項目は \"line_user_ids\"、\"add\"、\"remove\" です。",
	"%q must be an array of strings":                                                     "%q は文字列の配列にしてください。",
	"name at least one friend in \"line_user_ids\"":                                      "\"line_user_ids\" に友だちを1人以上指定してください。",
	"name a tag to \"add\" or to \"remove\"":                                             "\"add\" か \"remove\" にタグを指定してください。",
	"unknown key %q: this request takes %q":                                              "不明な項目 %[1]q があります。このリクエストの項目は %[2]q です。",
	"%q must be a string":                                                                "%q は文字列にしてください。",
	"\"folder_id\" must be a folder's ID or null":                                        "\"folder_id\" はフォルダのIDかnullにしてください。",
	"a segment needs a \"name\"":                                                         "セグメントに \"name\" がありません。",
	"a segment needs a \"filter\"":                                                       "セグメントに \"filter\" がありません。",
	"a folder needs a \"name\"":                                                          "フォルダに \"name\" がありません。",
	"send the folder's new \"name\"":                                                     "フォルダの新しい \"name\" を送ってください。",
	"name the friend in \"line_user_id\"":                                                "\"line_user_id\" に友だちを指定してください。",
	"send a \"segment_id\" or a \"filter\", not both":                                    "\"segment_id\" か \"filter\" のどちらか一方を送ってください。",
	"\"segment_id\" must be a segment's ID":                                              "\"segment_id\" はセグメントのIDにしてください。",
	"a tag needs a \"name\"":                                                             "タグに \"name\" がありません。",
	"send the tag's new \"name\"":                                                        "タグの新しい \"name\" を送ってください。",
	"limit must be a number from 1 to %d":                                                "limit は1〜%dの数にしてください。",
	"segment must be a segment's ID":                                                     "segment はセグメントのIDにしてください。",
	"name the \"tag\" to give the segment's members":                                     "セグメントの友だちに付ける \"tag\" を指定してください。",
	"send the new member's \"email\"":                                                    "新しいメンバーの \"email\" を送ってください。",
	"send the new member's \"role\": \"owner\" or \"member\"":                            "新しいメンバーの \"role\"（\"owner\" か \"member\"）を送ってください。",
	"send the \"role\": \"owner\" or \"member\"":                                         "\"role\"（\"owner\" か \"member\"）を送ってください。",

	// The command line and the server's setup.
	"--now %q is not an RFC 3339 timestamp":                                       "--now %q はRFC 3339の日時ではありません。",
	"sqlite DSN %q names no file":                                                 "SQLiteのDSN %q にファイルがありません。",
	"database %q: use sqlite:PATH or postgres://…":                                "データベース %q：sqlite:PATH か postgres://… を指定してください。",
	"no pending invitation %d in account %q":                                      "アカウント「%[2]s」に保留中の招待 %[1]d はありません。",
	"the password is wrong":                                                       "パスワードが正しくありません。",
	"this invitation is for %s: sign in with that address to accept it":           "この招待は %s 宛てです。そのアドレスでログインしてから承認してください。",
	"this invitation is not valid: it expired, was withdrawn or was already used": "この招待は無効です（期限切れ、取り消し済み、または使用済みです）。",
	"too many passwords are being checked right now; try again in a moment":       "現在パスワードの確認が混み合っています。しばらくしてから再度お試しください。",
	// Added with limits, import bounds and segment versions (issue 9).
	"\"version\" must be the segment's version, a positive integer":                                                           "\"version\" はセグメントのバージョン（正の整数）でなければなりません。",
	"%s %q is not an RFC 3339 timestamp with an offset":                                                                       "%s %q はオフセット付きのRFC 3339の日時ではありません。",
	"%s changed this segment at %s, after this edit started from version %d (now %d): reload it, and apply your change again": "この編集はバージョン%[3]dから始まりましたが、その後 %[2]s に %[1]s さんがこのセグメントを変更しました（現在のバージョン%[4]d）。再読み込みしてから、もう一度変更してください。",
	"%s has at most %d characters; this one has %d":                                                                           "%sは%d文字までです（この値は%d文字です）。",
	"%s has at most %d entries; this one has %d":                                                                              "%sは%d件までです（この値は%d件です）。",
	"%s is not valid UTF-8": "%sが正しいUTF-8ではありません。",
	"%s must be between 0001-01-02 and 9999-12-30 in UTC, so that it stays between the years 0001 and 9999 in every time zone": "%sはUTCで0001-01-02から9999-12-30の間でなければなりません（どのタイムゾーンでも0001年から9999年に収まるように）。",
	"If-Match and \"version\" name different versions":                                                                         "If-Match と \"version\" が異なるバージョンを指しています。",
	"If-Match must hold the segment's version, a positive integer":                                                             "If-Match にはセグメントのバージョン（正の整数）を指定してください。",
	"a tag name has at most %d characters; this one has %d":                                                                    "タグ名は%d文字までです（この名前は%d文字です）。",
	"an e-mail address has at most %d characters":                                                                              "メールアドレスは%d文字までです。",
	"catalog: the document is not valid UTF-8":                                                                                 "カタログ：文書が正しいUTF-8ではありません。",
	"display_name has at most %d characters; this one has %d":                                                                  "display_name（表示名）は%d文字までです（この値は%d文字です）。",
	"friend %s would carry more than %d tags, the most a friend can have":                                                      "友だち %s のタグが上限の%d個を超えてしまいます。",
	"the filter is not valid UTF-8":                                                                                            "条件が正しいUTF-8ではありません。",
	"the key %q appears twice in one object":                                                                                   "キー「%s」が同じオブジェクトに2回あります。",
	"the name contains the character U+0000, which cannot be stored":                                                           "名前に保存できない文字 U+0000 が含まれています。",
	"the search is longer than %d characters":                                                                                  "検索語は%d文字までです。",
	"the server has %d imports in progress, its limit; retry in %d seconds":                                                    "サーバーで実行中のインポートが上限の%d件に達しています。%d秒後に再度お試しください。",
	"this account has %d imports in progress, its limit; retry when one has finished":                                          "このアカウントで実行中のインポートが上限の%d件に達しています。どれかが終わってから再度お試しください。",
	// --- broadcasts ---
	"the account's friends are still being loaded; try again in a moment": "このアカウントの友だちを読み込み中です。しばらくしてから再度お試しください。",
	// --- LINE operations ---
	"%s is not a following friend of this account":                                "%s はこのアカウントをフォロー中の友だちではありません",
	"LINE did not answer; the message may not have been sent":                     "LINEから応答がありません。メッセージは送信されていない可能性があります",
	"LINE refused the message: %s":                                                "LINEがメッセージを受け付けませんでした: %s",
	"LINE refused the message: the account has reached its monthly message limit": "LINEがメッセージを受け付けませんでした: 今月のメッセージ通数の上限に達しています",
	"a test goes to 1 to %d friends":                                              "テスト配信の宛先は1〜%d人です",
	"background work is not running in this process":                              "このプロセスではバックグラウンド処理が動いていません",
	"no LINE channel is connected to this account; connect one in Settings":       "このアカウントにはLINEチャネルが接続されていません。設定から接続してください",
	"the API base URL must be an http or https URL":                               "APIのベースURLは http または https のURLにしてください",
	"the channel access token is required":                                        "チャネルアクセストークンを入力してください",
	"the channel secret is required":                                              "チャネルシークレットを入力してください",
	"this friend has blocked the account; LINE will not deliver a reply":          "この友だちはアカウントをブロックしています。返信は届きません",
	// Messages (message.go).
	"%s contains a space or a control character; percent-encode it":             "%sに空白か制御文字が含まれています。パーセントエンコードしてください。",
	"%s must be an https:// URL (LINE fetches images over HTTPS only)":          "%sは https:// で始まるURLにしてください（LINEは画像をHTTPSでのみ取得します）。",
	"%s must be decimal digits, such as 446":                                    "%sは 446 のような数字にしてください。",
	"%s names no host":                                                          "%sにホスト名がありません。",
	"a broadcast has 1 to %d messages; this one has %d":                         "配信のメッセージは1〜%d件です（この配信は%d件です）。",
	"a message of type %s has no %s field":                                      "種類が %s のメッセージに %s はありません。",
	"a sticker message needs %s":                                                "スタンプのメッセージには %s が必要です。",
	"a text message needs its text":                                             "テキストのメッセージに本文を入力してください。",
	"an image message needs %s":                                                 "画像のメッセージには %s が必要です。",
	"each message must be a JSON object with a \"type\"":                        "各メッセージは \"type\" を持つJSONオブジェクトにしてください。",
	"each message needs a type: text, image or sticker":                         "各メッセージに種類（text、image、sticker）を指定してください。",
	"text is %s characters as LINE counts them (UTF-16); the limit is %s":       "本文はLINEの数え方（UTF-16）で%s文字です。上限は%s文字です。",
	"the message type %q is not supported; a message is text, image or sticker": "メッセージの種類 %q には対応していません。text、image、sticker のいずれかにしてください。",
	"the messages are not valid JSON (at byte %d)":                              "メッセージが正しいJSONではありません（%dバイト目）。",
	"the messages must be a JSON array of message objects":                      "メッセージはメッセージオブジェクトのJSON配列にしてください。",
	"the text is only spaces":                                                   "本文が空白だけです。",
	"choose the segment to send to (segment_id)":                                "送信先のセグメントを選んでください（segment_id）。",
	"unknown key %q: a message has \"type\" and the fields of its type: \"text\"; \"originalContentUrl\" and \"previewImageUrl\"; or \"packageId\" and \"stickerId\"": "不明な項目 %q があります。メッセージの項目は \"type\" と、種類ごとに \"text\"、\"originalContentUrl\" と \"previewImageUrl\"、または \"packageId\" と \"stickerId\" です。",
	// Schedules (schedule.go).
	"a broadcast can be scheduled at most one year ahead":                  "配信を予約できるのは1年先までです。",
	"a monthly broadcast needs its day of the month, 1 to 31":              "毎月の配信には日付（1〜31）を指定してください。",
	"a one-time broadcast needs the time to send it (at)":                  "1回だけの配信には送信日時（at）を指定してください。",
	"a recurring broadcast needs its time of day (HH:MM)":                  "繰り返しの配信には時刻（HH:MM）を指定してください。",
	"a weekday is 0 (Sunday) to 6 (Saturday), not %d":                      "曜日は0（日曜）〜6（土曜）で指定してください（%d は使えません）。",
	"a weekly broadcast needs at least one weekday":                        "毎週の配信には曜日を1つ以上選んでください。",
	"only a monthly schedule has a day of the month":                       "日付を指定できるのは毎月の配信だけです。",
	"only a one-time schedule (kind at) has a time to send at":             "送信日時を指定できるのは1回だけの配信（at）だけです。",
	"only a recurring schedule (daily, weekly, monthly) has a time of day": "時刻を指定できるのは繰り返しの配信（daily、weekly、monthly）だけです。",
	"only a weekly schedule has weekdays":                                  "曜日を指定できるのは毎週の配信だけです。",
	"the time of day must be HH:MM, from 00:00 to 23:59, not %q":           "時刻は00:00〜23:59の HH:MM で指定してください（%q は使えません）。",
	"the time to send has passed; choose a time in the future":             "送信日時が過ぎています。これから先の日時を選んでください。",
	"the weekday %d is given twice":                                        "曜日 %d が2回指定されています。",
	// --- broadcast store ---
	"%s changed this broadcast at %s, after this edit started from version %d (now %d): reload it, and apply your change again": "この編集はバージョン%[3]dから始まりましたが、その後 %[2]s に %[1]s さんがこの配信を変更しました（現在のバージョン%[4]d）。再読み込みしてから、もう一度変更してください。",
	"no broadcast %d in account %q": "アカウント「%[2]s」に配信 %[1]d はありません。",
	"no broadcast batch %d":         "配信バッチ %d はありません。",
	"no broadcast run %d":           "配信の実行 %d はありません。",
	"the broadcast %q has started sending: it can no longer be edited": "配信「%s」は送信が始まっているため、編集できません。",
	"the broadcast %q is canceled: it can no longer be edited":         "配信「%s」は取り消し済みのため、編集できません。",
	"the broadcast %q was already sent: there is nothing to cancel":    "配信「%s」は送信済みのため、取り消せません。",
	"the schedule has no time after now":                               "この配信タイミングには、現在より後の送信日時がありません。",
	"the segment is used by broadcasts %s; cancel them first":          "このセグメントは配信 %s で使われています。先にそれらの配信を取り消してください。",
	"schedule kind must be now, at, daily, weekly or monthly":          "配信タイミングは now、at、daily、weekly、monthly のいずれかです",
	// --- LINE client (package line) ---
	"LINE could not be reached: %s": "LINEに接続できませんでした：%s",
	"LINE gives the follower list only to verified or premium accounts; friends still arrive through webhooks (follow and unfollow)": "LINEは友だちリスト（フォロワーID）を認証済みアカウントとプレミアムアカウントにのみ提供しています。友だちはWebhook（友だち追加・ブロック）からは引き続き届きます。",
	"LINE is busy or failing (HTTP %d: %s); try again later":                                                                         "LINEが混み合っているか障害が発生しています（HTTP %d：%s）。しばらくしてから再度お試しください。",
	"LINE refused the channel access token: check that it is the channel's long-lived access token":                                  "LINEがチャネルアクセストークンを受け付けませんでした。チャネルの長期のチャネルアクセストークンか確認してください。",
	"LINE refused the request (HTTP %d: %s)":                                                                                         "LINEがリクエストを受け付けませんでした（HTTP %d：%s）。",
	"a message's type is text, image or sticker, not %q":                                                                             "メッセージの種類は text、image、sticker のいずれかです（%q ではありません）。",
	"the LINE API base URL %q is not an http or https URL":                                                                           "LINE APIのベースURL %q はhttpまたはhttpsのURLではありません。",
	"the LINE channel access token is empty":                                                                                         "LINEのチャネルアクセストークンが空です。",
	"the webhook's body is larger than %d bytes":                                                                                     "Webhookの本文が%dバイトを超えています。",
	"the webhook's body is not a LINE webhook request":                                                                               "Webhookの本文がLINEのWebhookリクエストではありません。",
	"the webhook's signature is missing or wrong":                                                                                    "Webhookの署名がないか、正しくありません。",
	// --- LINE store ---
	"%q is not a LINE user ID":                                                                 "「%s」はLINEのユーザーIDではありません。",
	"a follower sync of account %q is already running, since %s":                               "アカウント「%[1]s」の友だち同期は %[2]s から実行中です。",
	"a webhook event has no webhookEventId":                                                    "Webhookイベントに webhookEventId がありません。",
	"account %q has no LINE channel connected":                                                 "アカウント「%s」にはLINEチャネルが接続されていません。",
	"account %q has no follower sync yet":                                                      "アカウント「%s」ではまだ友だち同期が行われていません。",
	"follower sync %d has applied no page of followers: finishing it would block every friend": "友だち同期 %d はまだ友だちのページを1つも反映していません。このまま完了すると全員がブロック扱いになります。",
	"follower sync %d is %s, no longer running":                                                "友だち同期 %[1]d は %[2]s の状態で、実行中ではありません。",
	"no follower sync %d in account %q":                                                        "アカウント「%[2]s」に友だち同期 %[1]d はありません。",
	"no secret key is configured: set KIZUNA_SECRET_KEY or let the server create its key file, then connect the channel":        "秘密鍵が設定されていません。KIZUNA_SECRET_KEY を設定するか、サーバーに鍵ファイルを作成させてから、チャネルを接続してください。",
	"the LINE channel's credentials of account %q cannot be decrypted with this server's secret key: connect the channel again": "アカウント「%s」のLINEチャネルの認証情報を、このサーバーの秘密鍵で復号できません。チャネルを接続し直してください。",
	"the channel access token is empty": "チャネルアクセストークンが空です。",
	"the channel secret is empty":       "チャネルシークレットが空です。",
	// --- API and command line: broadcasts, LINE ---
	"\"at\" must be an RFC 3339 time with an offset, such as \"2026-12-01T09:00:00+09:00\"":                                      "\"at\" はオフセット付きのRFC 3339の日時にしてください（例: \"2026-12-01T09:00:00+09:00\"）",
	"\"schedule\" must be an object with a \"kind\": now, at, daily, weekly or monthly":                                          "\"schedule\" は \"kind\"（now、at、daily、weekly、monthly のいずれか）を持つオブジェクトにしてください",
	"\"to\" must be an array of the LINE user IDs to send the test to":                                                           "\"to\" にはテスト配信先のLINEユーザーIDの配列を指定してください",
	"\"version\" must be the broadcast's version, a positive integer":                                                            "\"version\" は配信のバージョン（正の整数）でなければなりません",
	"%q has the wrong type: kind and time are strings, weekdays an array of numbers, day a number":                               "「%s」の型が違います。kind と time は文字列、weekdays は数値の配列、day は数値です",
	"LINE is not available on this server":                                                                                       "このサーバーではLINEの機能を利用できません",
	"a broadcast needs a \"name\"":                                                                                               "配信には \"name\"（名前）が必要です",
	"a broadcast needs a \"schedule\", such as {\"kind\": \"now\"} or {\"kind\": \"at\", \"at\": \"2026-12-01T09:00:00+09:00\"}": "配信には \"schedule\"（配信タイミング）が必要です。例: {\"kind\": \"now\"} または {\"kind\": \"at\", \"at\": \"2026-12-01T09:00:00+09:00\"}",
	"before must be an RFC 3339 time, such as the \"next\" of the previous page":                                                 "before はRFC 3339の日時（前のページの \"next\" など）にしてください",
	"no segment named %q in account %q":                                                                                          "アカウント「%[2]s」に「%[1]s」という名前のセグメントはありません",
	"send \"messages\": an array of 1 to %d LINE message objects":                                                                "\"messages\" に1〜%d件のLINEメッセージオブジェクトの配列を指定してください",
	"send the channel's \"access_token\"":                                                                                        "チャネルの \"access_token\"（チャネルアクセストークン）を指定してください",
	"send the channel's \"channel_secret\"":                                                                                      "チャネルの \"channel_secret\"（チャネルシークレット）を指定してください",
	"send the reply's \"text\"":                                                                                                  "返信の \"text\"（本文）を指定してください",
	"unknown key %q: a schedule has \"kind\", \"at\", \"time\", \"weekdays\" and \"day\"":                                        "不明なキー「%s」です。配信タイミングのキーは \"kind\"、\"at\"、\"time\"、\"weekdays\"、\"day\" です",
	// --- integration connections ---
	"%s is not connected to account %q":    "%s はアカウント「%s」に接続されていません。",
	"%s is required to connect %s":         "%s は %s の接続に必要です。",
	"%s takes no credential named %s":      "%s に %s という認証情報はありません。",
	"a connection has at most %d settings": "接続の設定は%d項目までです。",
	"a credential has at most %d bytes":    "認証情報は%dバイトまでです。",
	"a setting has at most %d bytes":       "設定値は%dバイトまでです。",
	"the %s credentials of account %q cannot be decrypted with this server's secret key: connect %s again": "アカウント「%[2]s」の %[1]s の認証情報をこのサーバーの秘密鍵で復号できません。%[3]s を接続し直してください。",
	"the source must be shopify, hubspot or klaviyo":                                                       "連携先は shopify、hubspot、klaviyo のいずれかです。",
	"a %s sync of account %q is already running, since %s":                                                 "アカウント「%[2]s」の %[1]s の同期はすでに実行中です(%[3]s から)。",
	"a sync is a backfill, a poll or a reconcile":                                                          "同期の種類は backfill、poll、reconcile のいずれかです。",
	"no sync %d in account %q":                                                                             "アカウント「%[2]s」に同期 %[1]d はありません。",
	"sync %d of account %q is not running":                                                                 "アカウント「%[2]s」の同期 %[1]d は実行中ではありません。",
	"%s is not linked to a %s record":                                                                      "%s は %s のレコードと連携されていません。",
	"a link is made by api or manual":                                                                      "連携の方法は api または manual です。",
	"a record ID has 1 to 200 bytes":                                                                       "レコードIDは1〜200バイトです。",
	"a record carries the data of its own source, and only that":                                           "レコードには自身の連携先のデータだけを含めてください。",
	"a record needs its update time":                                                                       "レコードには更新日時が必要です。",
	"at most %d records are applied at once":                                                               "一度に反映できるレコードは%d件までです。",
	"no friend %s in account %q":                                                                           "アカウント「%[2]s」に友だち %[1]s はいません。",
	"a delivery has 1 to %d keys":                                                                          "配信のキーは1〜%d個です。",
	"a delivery key has 1 to 500 bytes":                                                                    "配信のキーは1〜500バイトです。",
	"a record of a %s delivery is a %s record":                                                             "%s の配信に %s のレコードが含まれています。",
	"send the \"source\": shopify, hubspot or klaviyo":                                                     "\"source\"(shopify、hubspot、klaviyo のいずれか)を送ってください。",
	"send the friend's \"line_user_id\"":                                                                   "友だちの\"line_user_id\"を送ってください。",
	"send the record's \"record_id\"":                                                                      "レコードの\"record_id\"を送ってください。",
	// --- Klaviyo ---
	"Klaviyo answered with a body that is not JSON:API: %s":                                                 "Klaviyoの応答本文がJSON:APIではありません: %s",
	"Klaviyo did not answer: %s":                                                                            "Klaviyoから応答がありません: %s",
	"Klaviyo failed to answer (status %d): try again later":                                                 "Klaviyoが応答に失敗しました（ステータス %d）。しばらくしてからもう一度お試しください。",
	"Klaviyo has no such record: %s":                                                                        "Klaviyoに該当するレコードがありません: %s",
	"Klaviyo is throttling this account for %s: try again later":                                            "Klaviyoがこのアカウントへのリクエストを %s 制限しています。しばらくしてからもう一度お試しください。",
	"Klaviyo is throttling this account: try again later":                                                   "Klaviyoがこのアカウントへのリクエストを制限しています。しばらくしてからもう一度お試しください。",
	"Klaviyo refused a duplicate: %s":                                                                       "Klaviyoが重複として拒否しました: %s",
	"Klaviyo refused the API key: check the private key":                                                    "KlaviyoがAPIキーを拒否しました。プライベートキーを確認してください。",
	"Klaviyo refused the request (status %d): %s":                                                           "Klaviyoがリクエストを拒否しました（ステータス %d）: %s",
	"a Klaviyo webhook event has no external_id":                                                            "KlaviyoのWebhookイベントに external_id がありません。",
	"no Klaviyo webhook secret is configured":                                                               "KlaviyoのWebhookシークレットが設定されていません。",
	"read at most %d Klaviyo profiles by id at once":                                                        "IDで一度に読み込めるKlaviyoプロファイルは %d 件までです。",
	"the Klaviyo API base URL %q is not an http or https URL":                                               "KlaviyoのAPIベースURL「%s」は http または https のURLではありません。",
	"the Klaviyo API key is empty":                                                                          "KlaviyoのAPIキーが空です。",
	"the Klaviyo API key may not do this: give the private key read access to profiles, lists and segments": "KlaviyoのAPIキーにはこの操作の権限がありません。プライベートキーにプロファイル、リスト、セグメントの読み取り権限を付与してください。",
	"the Klaviyo page cursor is not a URL of this Klaviyo API":                                              "Klaviyoのページカーソルが、このKlaviyo APIのURLではありません。",
	"the Klaviyo webhook body could not be read":                                                            "KlaviyoのWebhook本文を読み取れませんでした。",
	"the Klaviyo webhook body is not valid JSON":                                                            "KlaviyoのWebhook本文が正しいJSONではありません。",
	"the Klaviyo webhook body is over %d bytes":                                                             "KlaviyoのWebhook本文が %d バイトを超えています。",
	"the Klaviyo webhook id in the body does not match its header":                                          "KlaviyoのWebhook本文のIDがヘッダーと一致しません。",
	"the Klaviyo webhook signature does not match":                                                          "KlaviyoのWebhook署名が一致しません。",
	// --- shopify ---
	"Shopify answered %d after %d tries":                                              "Shopify は %[2]d 回試しても %[1]d を返しました。",
	"Shopify answered %d: %s":                                                         "Shopify が %d を返しました: %s",
	"Shopify answered 404: check the shop domain and the API version %s":              "Shopify が 404 を返しました。ショップのドメインとAPIバージョン %s を確認してください。",
	"Shopify answered a GraphQL error: %s":                                            "Shopify がGraphQLのエラーを返しました: %s",
	"Shopify did not answer after %d tries: %v":                                       "Shopify は %d 回試しても応答しませんでした: %v",
	"Shopify did not start the bulk query: %s":                                        "Shopify が一括クエリを開始しませんでした: %s",
	"Shopify has no bulk operation %s":                                                "Shopify に一括処理 %s はありません。",
	"Shopify kept throttling the sync: tried %d times":                                "Shopify が同期を制限し続けました（%d 回試行）。",
	"Shopify refused access: the app needs the read_customers and read_orders scopes": "Shopify がアクセスを拒否しました。アプリには read_customers と read_orders のスコープが必要です。",
	"Shopify refused the access token: check the token and the shop domain":           "Shopify がアクセストークンを拒否しました。トークンとショップのドメインを確認してください。",
	"Shopify sent customer %s with numberOfOrders %q":                                 "Shopify から届いた顧客 %s の numberOfOrders「%s」を読めません。",
	"Shopify's answer to %s could not be read: %v":                                    "%s に対する Shopify の応答を読めませんでした: %v",
	"Shopify's bulk file URL could not be used: %v":                                   "Shopify の一括ファイルのURLを使えませんでした: %v",
	"Shopify's bulk file could not be read after %d tries: %v":                        "Shopify の一括ファイルを %d 回試しても読めませんでした: %v",
	"Shopify's bulk file is no longer available: the backfill starts again":           "Shopify の一括ファイルはもう取得できません。取り込みを最初からやり直します。",
	"Shopify's bulk query %s ended %s (%s)":                                           "Shopify の一括クエリ %s は %s で終了しました（%s）。",
	"a line of Shopify's bulk file could not be read: %v":                             "Shopify の一括ファイルの行を読めませんでした: %v",
	"the Shopify API version %q is not a version such as 2026-07":                     "Shopify のAPIバージョン「%s」は 2026-07 のような形式ではありません。",
	"the Shopify access token is empty":                                               "Shopify のアクセストークンが空です。",
	"the Shopify backfill cursor %q is not one this client made":                      "Shopify の取り込みカーソル「%s」はこのクライアントが作ったものではありません。",
	"the Shopify cursor %q is not one this client made":                               "Shopify のカーソル「%s」はこのクライアントが作ったものではありません。",
	"the Shopify base URL %q is not an http or https URL":                             "Shopify のベースURL「%s」は http または https のURLではありません。",
	"the Shopify webhook has no X-Shopify-Topic or X-Shopify-Webhook-Id header":       "Shopify のWebhookに X-Shopify-Topic または X-Shopify-Webhook-Id ヘッダーがありません。",
	"the Shopify webhook's %s payload is not valid: %v":                               "Shopify のWebhook（%s）の内容が正しくありません: %v",
	"the Shopify webhook's body could not be read: %v":                                "Shopify のWebhookの本文を読めませんでした: %v",
	"the Shopify webhook's body is larger than %d bytes":                              "Shopify のWebhookの本文が %d バイトを超えています。",
	"the Shopify webhook's signature does not match":                                  "Shopify のWebhookの署名が一致しません。",
	// --- hubspot ---
	"%q is not a HubSpot sync cursor":                           "「%s」はHubSpotの同期カーソルではありません。",
	"HubSpot could not be reached: %s":                          "HubSpotに接続できませんでした: %s",
	"HubSpot has no such record (%s)":                           "HubSpotにそのレコードはありません（%s）。",
	"HubSpot is busy or failing (HTTP %d: %s); try again later": "HubSpotが混雑しているか障害が起きています（HTTP %d: %s）。しばらくしてからやり直してください。",
	"HubSpot refused access (%s): the app needs the crm.objects.contacts.read, crm.schemas.contacts.read and crm.lists.read scopes": "HubSpotがアクセスを拒否しました（%s）。アプリに crm.objects.contacts.read、crm.schemas.contacts.read、crm.lists.read のスコープが必要です。",
	"HubSpot refused the access token: check that it is the private app's current access token":                                     "HubSpotがアクセストークンを拒否しました。非公開アプリの現在のアクセストークンか確認してください。",
	"HubSpot refused the request (HTTP %d: %s)":                                                                       "HubSpotがリクエストを拒否しました（HTTP %d: %s）。",
	"HubSpot webhook event %d has no eventId, objectId or occurredAt":                                                 "HubSpotのWebhookイベント %d に eventId、objectId、occurredAt のいずれかがありません。",
	"HubSpot's daily API limit of this account is used up: the sync goes on after midnight in the portal's time zone": "このアカウントのHubSpot APIの1日の上限に達しました。同期はポータルのタイムゾーンで午前0時を過ぎてから再開します。",
	"the HubSpot API base URL %q is not an http or https URL":                                                         "HubSpot APIのベースURL「%s」は http または https のURLではありません。",
	"the HubSpot API version %q is neither v3 nor a date such as 2026-03":                                             "HubSpot APIのバージョン「%s」は v3 でも 2026-03 のような日付でもありません。",
	"the HubSpot access token is empty":                                                                               "HubSpotのアクセストークンが空です。",
	"the HubSpot webhook has no valid X-HubSpot-Request-Timestamp":                                                    "HubSpotのWebhookに有効な X-HubSpot-Request-Timestamp がありません。",
	"the HubSpot webhook's body could not be read":                                                                    "HubSpotのWebhookの本文を読み取れませんでした。",
	"the HubSpot webhook's body is larger than %d bytes":                                                              "HubSpotのWebhookの本文が %d バイトを超えています。",
	"the HubSpot webhook's body is not a JSON array of events":                                                        "HubSpotのWebhookの本文がイベントのJSON配列ではありません。",
	"the HubSpot webhook's signature does not match the app's client secret":                                          "HubSpotのWebhookの署名がアプリのクライアントシークレットと一致しません。",
	"the HubSpot webhook's timestamp is more than five minutes old":                                                   "HubSpotのWebhookのタイムスタンプが5分以上前のものです。",
	"no source is connected to account %q: connect one with kizuna connect":                                           "アカウント「%s」に接続された連携先がありません。kizuna connect で接続してください。",
	// --- sources/hubspot ---
	"the sync kind %q is not backfill, reconcile or poll": "同期の種類「%s」は backfill、reconcile、poll のいずれでもありません。",
	// --- sources: shopify ---
	"the Shopify LINE user ID metafield %q is not namespace.key":  "Shopify のLINEユーザーIDのメタフィールド「%s」は namespace.key の形式ではありません。",
	"the Shopify setting %s=%q is not a number":                   "Shopify の設定 %s=「%s」は数値ではありません。",
	"a Shopify sync is a backfill, a poll or a reconcile, not %q": "Shopify の同期の種類は backfill、poll、reconcile のいずれかです（「%s」ではありません）。",
	"the Shopify sync cursor %q is not one Kizuna made":           "Shopify の同期カーソル「%s」はKizunaが作ったものではありません。",
	// --- settings: integrations ---
	"syncs do not run in this process":                     "このプロセスでは同期を実行できません。",
	"integrations cannot be connected through this server": "このサーバーでは外部サービスを接続できません。",
	"\"config\" must be an object of strings":              "\"config\" は文字列の値を持つオブジェクトにしてください。",
	"\"secrets\" must be an object of strings":             "\"secrets\" は文字列の値を持つオブジェクトにしてください。",
	// --- webhook batches ---
	"1 to %d deliveries are applied at once": "一度に適用できる配信は1〜%d件です。",
	// --- agent ---
	"mode must be auto or consult, not %q":                                                    "モードは auto か consult にしてください（「%s」ではありません）。",
	"lang must be en or ja, not %q":                                                           "言語は en か ja にしてください（「%s」ではありません）。",
	"the goal is %d characters long; at most %d":                                              "目的が%d文字あります。%d文字以内にしてください。",
	"the goal is not valid UTF-8":                                                             "目的の文字コードがUTF-8として正しくありません。",
	"the conversation has %d turns already; start a new one":                                  "この会話はすでに%d回やりとりしています。新しい会話を始めてください。",
	"say what the broadcast is for: the goal is empty":                                        "配信の目的を入力してください。目的が空です。",
	"a choice is longer than 64 bytes":                                                        "選択肢が64バイトを超えています。",
	"at most 20 choices":                                                                      "選択は20個までです。",
	"the filter cannot be written: %v":                                                        "条件を書き出せません：%v",
	"the filter tests %s, which is not connected":                                             "条件が連携されていない%sを使っています。",
	"proposal %d has no segment to create: answer its questions, or say the goal another way": "提案%dには作成するセグメントがありません。質問に答えるか、目的を言い換えてください。",
	"no proposal %d in account %q":                                                            "アカウント「%[2]s」に提案%[1]dはありません。",
	"proposal %d was already approved by %s":                                                  "提案%dはすでに%sが承認しています。",
	"proposal %d was already cancelled by %s":                                                 "提案%dはすでに%sがキャンセルしています。",
	"the agent is not available through this server":                                          "このサーバーではエージェントを使えません。",
	"\"after\" must be the ID of the proposal this turn follows":                              "\"after\" には、この発言が続く提案のIDを指定してください。",
	"\"choose\" must be an object of strings: an assumption's key and the value chosen":       "\"choose\" は文字列の値を持つオブジェクト（前提のキーと選んだ値）にしてください。",
	// --- agent: the model ---
	"KIZUNA_LLM_BASE_URL is set but KIZUNA_LLM_MODEL is not: name the model to ask": "KIZUNA_LLM_BASE_URL が設定されていますが KIZUNA_LLM_MODEL がありません。使うモデルを指定してください。",
	"the model's endpoint answered %d":                                              "モデルのエンドポイントが %d を返しました",
	"the model did not answer in time":                                              "モデルが時間内に応答しませんでした",
	"the model's endpoint could not be reached":                                     "モデルのエンドポイントに接続できませんでした",
	"the model refused to answer":                                                   "モデルが回答を拒否しました",
	"the model's answer is incomplete (%s)":                                         "モデルの回答が途中で終わっています（%s）",
	"the model gave no answer":                                                      "モデルから回答がありませんでした",
	"the model's answer is over %d bytes":                                           "モデルの回答が%dバイトを超えています",
	"the model's answer is not the JSON asked for":                                  "モデルの回答が指定したJSONの形ではありません",
	"the model's filter is not valid: %s":                                           "モデルの条件が正しくありません：%s",
}
