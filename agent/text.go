package agent

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/kizuna-line/kizuna"
)

// norm is the planner's form of a text: NFKC and case folded (so
// full-width digits and letters are ASCII), with Japanese numerals before
// a unit written in digits, and white space collapsed.
func norm(s string) string {
	s = kizuna.Normalize(s)
	s = kanjiNumber.ReplaceAllStringFunc(s, func(m string) string {
		r := []rune(m)
		n := kanjiDigits[r[0]]
		if len(r) > 1 && r[0] == '十' {
			n = 10
		}
		return strconv.Itoa(n) + string(r[1:])
	})
	s = friendWords.Replace(s)
	// "90 or more days" reads as "90 days or more".
	s = orMoreUnit.ReplaceAllString(s, "$1 $2 or more")
	// "5 times or more" reads as "5 or more times".
	s = countOrMore.ReplaceAllString(s, "$1 or more $2")
	s = englishNumbers.ReplaceAllStringFunc(s, func(m string) string {
		f := strings.Fields(m)
		return numberWords[f[0]] + " " + f[1]
	})
	s = strings.Join(strings.Fields(s), " ")
	return s
}

// friendWords writes the ways of saying "friend" one way.
var friendWords = strings.NewReplacer("お友だち", "友だち", "お友達", "友だち", "友達", "友だち", "ともだち", "友だち", "トモダチ", "友だち",
	"’", "'", "‘", "'", "“", "\"", "”", "\"", "〜", "~", "～", "~")

var orMoreUnit = regexp.MustCompile(`(\d+)\s*(?:or more|or longer|\+)\s+(days?|weeks?|months?|years?|hours?)\b`)

var countOrMore = regexp.MustCompile(`(\d+)\s*(times|orders|purchases)\s+or more`)

var kanjiDigits = map[rune]int{'一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9, '十': 10}

var kanjiNumber = regexp.MustCompile(`[一二三四五六七八九十](回|週|日|か月|ヶ月|ヵ月|カ月|ケ月|箇月|年|時間|度)`)

// isJapanese reports whether r is kana or a CJK ideograph.
func isJapanese(r rune) bool {
	return unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) || r == 'ー'
}

// compact drops spaces and the punctuation that names are written with,
// so that "Trade show leads" and "tradeshowleads" compare.
func compact(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// synonyms maps words a marketer writes to the words catalog names and
// labels use, across the two languages: matching a name compares the
// goal's words and their synonyms with the name's.
var synonyms = map[string][]string{
	"newsletter":  {"ニュースレター", "メルマガ", "メールマガジン", "newsletters"},
	"メルマガ":        {"newsletter", "ニュースレター", "メールマガジン"},
	"ニュースレター":     {"newsletter", "メルマガ"},
	"webinar":     {"ウェビナー", "webinars", "オンラインセミナー"},
	"ウェビナー":       {"webinar"},
	"seminar":     {"セミナー", "seminars"},
	"セミナー":        {"seminar"},
	"trade":       {"展示会"},
	"show":        {"展示会"},
	"展示会":         {"trade", "show", "tradeshow", "expo"},
	"expo":        {"展示会", "trade", "show"},
	"leads":       {"リード", "lead"},
	"lead":        {"リード", "leads"},
	"リード":         {"lead", "leads"},
	"attendees":   {"参加者", "attendee", "attended"},
	"attendee":    {"参加者", "attendees"},
	"参加者":         {"attendees", "attendee", "参加した"},
	"subscribers": {"購読者", "登録者", "会員", "subscriber", "subscribed"},
	"subscriber":  {"購読者", "登録者", "subscribers"},
	"購読者":         {"subscribers", "subscriber"},
	"登録者":         {"subscribers", "subscriber", "会員"},
	"会員":          {"members", "member", "subscribers", "登録者"},
	"members":     {"会員", "member"},
	"early":       {"先行"},
	"access":      {"アクセス", "先行"},
	"先行":          {"early", "access"},
	"vip":         {"vips"},
	"customers":   {"顧客", "customer", "お客様"},
	"customer":    {"顧客", "customers"},
	"顧客":          {"customer", "customers"},
	"sms":         {"ショートメッセージ"},
	"points":      {"ポイント", "point", "loyalty"},
	"ポイント":        {"points", "point", "loyalty"},
	"loyalty":     {"ポイント", "points"},
	"plan":        {"プラン", "会員ランク", "ランク"},
	"プラン":         {"plan"},
	"ランク":         {"plan", "rank", "tier"},
	"birthday":    {"誕生日", "birth"},
	"誕生日":         {"birthday"},
	"visit":       {"来店", "訪問"},
	"来店":          {"visit", "visits"},
	"company":     {"会社名", "企業名", "会社", "企業"},
	"name":        {"名前", "名"},
	"enterprise":  {"エンタープライズ", "大企業", "法人"},
	"エンタープライズ":    {"enterprise"},
	"prospects":   {"見込み客", "見込み", "prospect"},
	"create":      {"作成", "created", "creation"},
	"作成":          {"create", "created"},
	"date":        {"日付", "日"},
	"開封":          {"open", "opened"},
	"employees":   {"従業員", "社員", "employee"},
	"従業員":         {"employees"},
	"category":    {"カテゴリ", "カテゴリー", "ジャンル"},
	"カテゴリ":        {"category"},
	"favorite":    {"好きな", "お気に入り", "favourite"},
	"好きな":         {"favorite"},
	"お気に入り":       {"favorite"},
	"contacted":   {"連絡", "コンタクト"},
	"stock":       {"在庫", "入荷"},
	"入荷":          {"stock", "back"},
	"back":        {"再入荷"},
	"club":        {"クラブ", "倶楽部"},
	"クラブ":         {"club"},
	"churn":       {"解約", "離脱"},
	"risk":        {"リスク"},
	"リスク":         {"risk"},
	"last":        {"最終", "最後", "前回"},
	"会社":          {"company"},
	"会社名":         {"company"},
	"企業":          {"company"},
	"city":        {"都市", "市区町村", "住所", "エリア"},
	"都市":          {"city"},
	"email":       {"メール", "メールアドレス", "e-mail", "mail"},
	"メール":         {"email"},
	"メールアドレス":     {"email"},
	"lifecycle":   {"ライフサイクル", "ライフサイクルステージ"},
	"stage":       {"ステージ"},
	"ライフサイクル":     {"lifecycle"},
	"ライフサイクルステージ": {"lifecycle", "stage"},
	"status":      {"ステータス"},
	"ステータス":       {"status"},
	"リードステータス":    {"lead", "status"},
	"wholesale":   {"卸", "卸売", "ホールセール"},
	"卸":           {"wholesale"},
	"卸売":          {"wholesale"},
	"staff":       {"スタッフ", "社員", "従業員"},
	"スタッフ":        {"staff"},
	"repeater":    {"リピーター"},
	"リピーター":       {"repeater", "repeat"},
	"dormant":     {"休眠"},
	"休眠":          {"dormant"},
	"new":         {"新規"},
	"新規":          {"new"},
	"opportunity": {"商談", "案件"},
	"商談":          {"opportunity"},
	"evangelist":  {"エバンジェリスト", "推奨者"},
	"エバンジェリスト":    {"evangelist"},
	"unqualified": {"対象外", "見込みなし"},
	"対象外":         {"unqualified"},
	"connected":   {"接続済み", "連絡済み", "コンタクト済み"},
	"連絡済み":        {"connected"},
	"attempted":   {"連絡を試みた", "アプローチ中"},
	"progress":    {"進行中", "対応中"},
	"進行中":         {"in", "progress"},
	"対応中":         {"in", "progress"},
	"open":        {"オープン", "未対応", "opened", "opens", "開封"},
	"オープン":        {"open"},
	"未対応":         {"open"},
	"marketing":   {"マーケティング"},
	"sales":       {"営業", "セールス"},
	"qualified":   {"有望", "認定"},
	"accepts":     {"受信", "許可", "同意", "accept"},
	"受信":          {"accepts", "accept"},
	"signup":      {"登録", "サインアップ"},
	"signed":      {"登録"},
	"登録":          {"signup", "signed", "registered", "subscribed"},
	"gold":        {"ゴールド"},
	"ゴールド":        {"gold"},
	"silver":      {"シルバー"},
	"シルバー":        {"silver"},
	"bronze":      {"ブロンズ"},
	"ブロンズ":        {"bronze"},
	"platinum":    {"プラチナ"},
	"プラチナ":        {"platinum"},
	"tokyo":       {"東京"},
	"東京":          {"tokyo"},
	"osaka":       {"大阪"},
	"大阪":          {"osaka"},
	"nagoya":      {"名古屋"},
	"名古屋":         {"nagoya"},
	"fukuoka":     {"福岡"},
	"福岡":          {"fukuoka"},
	"kyoto":       {"京都"},
	"京都":          {"kyoto"},
	"sapporo":     {"札幌"},
	"札幌":          {"sapporo"},
	"yokohama":    {"横浜"},
	"横浜":          {"yokohama"},
	"mql":         {"marketing", "qualified", "lead"},
	"sql":         {"sales", "qualified", "lead"},
	"subscribed":  {"登録", "購読"},
	"購読":          {"subscribed", "subscriber"},
	"prospect":    {"見込み客", "見込み"},
	"見込み客":        {"lead", "prospect"},
	"見込み":         {"lead", "prospect"},
	"partner":     {"パートナー"},
	"パートナー":       {"partner"},
	"event":       {"イベント"},
	"イベント":        {"event"},
	"campaign":    {"キャンペーン"},
	"キャンペーン":      {"campaign"},
	"sale":        {"セール"},
	"セール":         {"sale"},
	"winter":      {"冬"},
	"summer":      {"夏"},
	"spring":      {"春"},
	"autumn":      {"秋"},
	"冬":           {"winter"},
	"夏":           {"summer"},
	"春":           {"spring"},
	"秋":           {"autumn", "fall"},
	"fall":        {"秋"},
	"2025":        {},
	"coupon":      {"クーポン"},
	"クーポン":        {"coupon"},
	"member":      {"会員"},
	"registered":  {"登録"},
	"tradeshow":   {"展示会"},
	"attended":    {"参加"},
	"参加":          {"attended", "attendees"},
	"contact":     {"コンタクト"},
	"コンタクト":       {"contact"},
	"inquiry":     {"問い合わせ", "お問い合わせ"},
	"問い合わせ":       {"inquiry"},
	"お問い合わせ":      {"inquiry"},
	"demo":        {"デモ"},
	"デモ":          {"demo"},
	"request":     {"依頼", "リクエスト"},
	"trial":       {"トライアル", "体験", "お試し"},
	"トライアル":       {"trial"},
	"体験":          {"trial"},
	"お試し":         {"trial"},
	"download":    {"ダウンロード", "資料請求"},
	"ダウンロード":      {"download"},
	"資料請求":        {"download", "whitepaper"},
	"whitepaper":  {"資料請求", "ホワイトペーパー"},
	"ホワイトペーパー":    {"whitepaper"},
	"abandoned":   {"放棄"},
	"birthdays":   {"誕生日"},
	"december":    {"12月"},
	"vips":        {"vip"},
	"ニュース":        {"news"},
	"news":        {"ニュース"},
	"line":        {"ライン"},
	"ライン":         {"line"},
	"app":         {"アプリ"},
	"アプリ":         {"app"},
	"store":       {"店舗", "ストア"},
	"店舗":          {"store"},
	"online":      {"オンライン"},
	"オンライン":       {"online"},
	"shop":        {"ショップ", "店"},
	"ショップ":        {"shop"},
}

// wordRe finds the words of a normalized text: runs of letters or digits
// of one script (Latin or Japanese).
var wordRe = regexp.MustCompile(`[\p{Latin}\d]+|[\p{Hiragana}\p{Katakana}\p{Han}ー]+`)

// stopWords are words that say nothing of which list or property is
// meant.
var stopWords = map[string]bool{
	"the": true, "a": true, "an": true, "of": true, "list": true, "lists": true, "segment": true,
	"segments": true, "in": true, "on": true, "our": true, "to": true, "for": true, "and": true,
	"people": true, "friends": true, "who": true, "are": true, "is": true, "リスト": true,
	"セグメント": true, "の": true, "hubspot": true, "klaviyo": true, "shopify": true, "property": true,
	"プロパティ": true, "with": true, "at": true, "&": true, "number": true,
}

// nameWords splits a catalog name or label into the words a goal must
// mention to name it: Latin words and digits, and Japanese runs.
func nameWords(name string) []string {
	var out []string
	for _, w := range wordRe.FindAllString(norm(name), -1) {
		if !stopWords[w] {
			out = append(out, w)
		}
	}
	return out
}

// mentions reports whether the normalized goal mentions word: the word
// itself (whole, for Latin words; with an English plural "s") or one of
// its synonyms, and where.
func mentions(goal, word string) (start, end int, ok bool) {
	cands := append([]string{word}, synonyms[word]...)
	if strings.HasSuffix(word, "s") && len(word) > 3 {
		cands = append(cands, strings.TrimSuffix(word, "s"))
	}
	best := -1
	for _, c := range cands {
		if c == "" {
			continue
		}
		for from := 0; from < len(goal); {
			i := strings.Index(goal[from:], c)
			if i < 0 {
				break
			}
			i += from
			j := i + len(c)
			if isLatin(c) {
				// Whole Latin words only, allowing a plural and, for
				// longer words, -ing and -ed ("churning" for "churn").
				if j < len(goal) && goal[j] == 's' {
					j++
				} else if len(c) >= 4 {
					for _, suf := range []string{"ing", "ed"} {
						if strings.HasPrefix(goal[j:], suf) {
							j += len(suf)
							break
						}
					}
				}
				if (i > 0 && isWordByte(goal[i-1])) || (j < len(goal) && isWordByte(goal[j])) {
					from = i + 1
					continue
				}
			}
			if best < 0 || i < best || (i == best && j > end) {
				best, start, end = i, i, j
			}
			break
		}
	}
	return start, end, best >= 0
}

func isLatin(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isWordByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z'
}
