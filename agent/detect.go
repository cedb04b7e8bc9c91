package agent

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// A detector finds its concept in a clause and adds its spans. They run
// in order: an earlier detector's span is not read again.
type detector func(r *reader, cl *clause)

var detectors = []detector{
	detectQuotedNames,
	detectWholeLists,
	detectLinked,
	detectProperties,
	detectAddedDates,
	detectCart,
	detectLapsed,
	detectNeverBought,
	detectRecentBuyer,
	detectNewFriends,
	detectOldFriends,
	detectOrders,
	detectEverBought,
	detectNames,
	detectEveryone,
}

// dur is a duration in a text: "90 days", 「3ヶ月」, "half a year".
const durPat = `(?:(\d+(?:\.\d+)?)\+?\s*(days?|weeks?|months?|years?|日間|日|週間|週|か月|ヶ月|ヵ月|カ月|ケ月|箇月|年)|(半年|half a year|a year|a month|a week))`

var durRe = regexp.MustCompile(durPat)

// durationDays reads the first duration in s, in days.
func durationDays(s string) (float64, bool) {
	m := durRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	switch m[3] {
	case "半年", "half a year":
		return 180, true
	case "a year":
		return 365, true
	case "a month":
		return 30, true
	case "a week":
		return 7, true
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v * unitDays(m[2]), true
}

func findAll(re *regexp.Regexp, s string) [][]int { return re.FindAllStringSubmatchIndex(s, -1) }

// englishNumbers writes number words before a unit in digits.
var englishNumbers = regexp.MustCompile(`\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a|an)\s+(days?|weeks?|months?|years?|hours?|times|orders|purchases)\b`)

var numberWords = map[string]string{"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "a": "1", "an": "1"}

// --- linked ---

var linkedRe = regexp.MustCompile(`(not |un|non-?|aren't |isn't |without (a |an )?)?(?:linked|connected|synced|tied)\s*(?:to|with)\s*(?:their |a |an )?(shopify|hubspot|klaviyo)|(shopify|hubspot|klaviyo)\s*(?:id\s*)?(?:linked|connected)|(shopify|hubspot|klaviyo)\s*(?:の\s*)?(?:id|アカウント|顧客|コンタクト|プロフィール)?\s*(?:と|に|が|で|を)?\s*(連携|紐づ|紐付|ひもづ|リンク)(済み|している|された|されている|がある|あり)?(していない|されていない|していません|なし|がない|ない)?|(shopify|hubspot|klaviyo)\s*(?:と|に|が|を|で)?\s*未連携|(?:has|have|with) (?:a |an )?(shopify|hubspot|klaviyo) (?:account|id|profile|contact|record)|(shopify)\s*(?:の)?\s*(?:customers?|members?|会員|顧客|お客さん|お客様|お客)|(hubspot)\s*(?:の)?\s*(?:contacts?|コンタクト)|(hubspot|klaviyo|shopify)\s*(?:に|で)\s*(?:登録され|登録済|登録して)|(klaviyo)\s*(?:の)?\s*(?:profiles?|プロフィール)|(hubspot|klaviyo|shopify)\s*(?:と|に)\s*(?:つなが|繋が)|(?:not|aren't|isn't|never been)\s+(?:in|on)\s+(hubspot|klaviyo|shopify)`)

func detectLinked(r *reader, cl *clause) {
	for _, m := range findAll(linkedRe, cl.text) {
		text := cl.text[m[0]:m[1]]
		src := ""
		for _, s := range kizuna.Sources {
			if strings.Contains(text, s) {
				src = s
			}
		}
		neg := m[2] >= 0 || strings.HasPrefix(text, "not") || strings.HasPrefix(text, "aren't") || strings.HasPrefix(text, "isn't") || strings.HasPrefix(text, "never") || strings.Contains(text, "未連携") || strings.Contains(text, "ていない") || strings.Contains(text, "なし") || strings.Contains(text, "がない") || strings.HasSuffix(text, "ない")
		if cl.add(m[0], m[1], &part{kind: kLinked, source: src, neg: neg}, neg) {
			continue
		}
	}
}

// --- abandoned carts ---

var cartRe = regexp.MustCompile(`abandon\w*\s+(?:their |a |the |an |his |her )?(?:shopping\s+)?(?:carts?|checkouts?|baskets?)|(?:carts?|checkouts?|baskets?)\s+abandon\w*|(?:left|leave|leaving)\s+(?:\w+\s+){0,3}(?:in|in their|in the)\s+(?:their |the )?(?:carts?|baskets?)|(?:didn't|did not|never|haven't|have not|not)\s+(?:complete|completed|finish|finished)\s+(?:the |their )?(?:checkout|purchase|order)|cart abandoners?|カゴ落ち|かご落ち|カゴおち|カート落ち|カート放棄|カゴ放棄|かご放棄|カートに[^、。]{0,10}?(?:入れた|残|入れっぱなし|入れたまま)|(?:購入|決済|チェックアウト)手続き[^、。]{0,6}?(?:完了していない|完了してない|中断|途中)|チェックアウト[^、。]{0,4}?放棄`)

// agoRe: "more than 3 days ago", 「24時間以上前」.
var agoRe = regexp.MustCompile(`(?:over|more than|at least|longer than)\s+(\d+)\s*(hours?|days?|weeks?)\s+ago|(\d+)\s*(時間|日|週間)\s*以上(?:前|経過|たっ|経っ)`)

var withinHoursRe = regexp.MustCompile(`(?:in|within|during)\s+(?:the\s+)?(?:last|past)?\s*(\d+)\s*(hours?|days?|weeks?)|(?:直近|過去|ここ)?\s*(\d+)\s*(時間|日|週間)\s*(?:以内|のうち|の間|以内に)|(?:in|within) the (?:last|past) (day|week)|(?:last|past) (24|48|72) hours|昨日|今日|today|yesterday`)

func detectCart(r *reader, cl *clause) {
	for _, m := range findAll(cartRe, cl.text) {
		p := &part{kind: kCart}
		around := window(cl.text, m[0], m[1], 40)
		if h, ok := withinHours(around); ok {
			p.value, p.explicit = h, true
		} else if m := agoRe.FindStringSubmatch(around); m != nil {
			d, _ := durationDays(m[0])
			if strings.Contains(m[0], "時間") || strings.Contains(m[0], "hour") {
				v, _ := strconv.ParseFloat(m[1]+m[3], 64)
				d = v / 24
			}
			p.op, p.value, p.explicit = kizuna.OpGte, d*24, true
		}
		// "no abandoned cart", 「カゴ落ちしていない」: the negation is read
		// here, since 「カートに入れたまま購入していない」 is a cart, not
		// its absence.
		match := cl.text[m[0]:m[1]]
		p.neg = negatedBefore(cl.text[clauseStart(cl.text, 0, m[0]):m[0]])
		if cartNounRe.MatchString(match) && cartNegAfterRe.MatchString(cl.text[m[1]:]) {
			p.neg = !p.neg
		}
		cl.add(m[0], m[1], p, true)
	}
}

var (
	cartNounRe     = regexp.MustCompile(`^(?:カゴ落ち|かご落ち|カゴおち|カート落ち|カート放棄|カゴ放棄|かご放棄|abandon\w*\s+\S*\s*(?:carts?|checkouts?|baskets?)|(?:carts?|checkouts?|baskets?)\s+abandon\w*|cart abandoners?)$`)
	cartNegAfterRe = regexp.MustCompile(`^(?:し|を|が|は)?\s*(?:していない|してない|ていない|ない|なし|以外|を?除|がない|のない)`)
)

// withinHours reads "in the last 24 hours", 「3日以内」 in hours.
func withinHours(s string) (float64, bool) {
	m := withinHoursRe.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	switch {
	case m[1] != "":
		v, _ := strconv.ParseFloat(m[1], 64)
		return v * unitHours(m[2]), true
	case m[3] != "":
		v, _ := strconv.ParseFloat(m[3], 64)
		return v * unitHours(m[4]), true
	case m[5] == "day", m[0] == "昨日", m[0] == "yesterday":
		return 48, true
	case m[5] == "week":
		return 168, true
	case m[6] != "":
		v, _ := strconv.ParseFloat(m[6], 64)
		return v, true
	case m[0] == "今日", m[0] == "today":
		return 24, true
	}
	return 0, false
}

// window is the text around [start, end): up to n bytes each side,
// within the sentence.
func window(s string, start, end, n int) string {
	a, b := max(0, start-n), min(len(s), end+n)
	for a > 0 && !isRuneStart(s[a]) {
		a--
	}
	for b < len(s) && !isRuneStart(s[b]) {
		b++
	}
	return s[a:b]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// --- not bought for a while ---

var lapsedRe = regexp.MustCompile(
	`(?:haven't|have not|hasn't|has not|didn't|did not|not|no|without)\s+(?:\w+\s+){0,2}?(?:purchased|bought|ordered|shopped|buying|purchasing|ordering|purchase|purchases|order|orders|shop)(?:\s+(?:anything|from us|with us|again))*\s*(?:recently|lately|in a while|for a while|in ages|for ages|for some time|in a long time|for a long time|(?:in|for|within|during)\s+(?:the\s+)?(?:last|past)?\s*(?:over\s+|more than\s+)?` + durPat + `|since)` +
		`|dormant|lapsed|inactive (?:customers|buyers|shoppers)|win.?back|come ?back|re-?engag\w*|churned|haven't been back|not been back` +
		`|last (?:purchase|order)\w*\s+(?:was\s+)?(?:over|more than|at least)\s+` + durPat + `\s+ago` +
		`|(?:over|more than|at least)?\s*` + durPat + `\s*(?:\+|or more)?\s+since\s+(?:their\s+|the\s+)?last\s+(?:purchase|order)` +
		`|(?:最近|しばらく|長らく|長い間|久しく|ここ最近|最近は)[^、。]{0,8}?(?:購入|買|注文|来店|お買い物|買い物)[^、。]{0,6}?(?:していない|してない|していません|がない|なし|がありません|っていない|ってない|てない|されていない)` +
		`|(?:` + durPat + `)\s*(?:以上|超|間|以上の間)?\s*(?:購入|注文|買い物|お買い物|来店)(?:が|を|は)?\s*(?:していない|してない|ない|なし|がない|ありません|されていない)` +
		`|(?:最終|最後の|前回の?)(?:購入|注文|来店)(?:日)?(?:から|が)\s*(?:` + durPat + `)\s*(?:以上|超)` +
		`|(?:最終|最後の|前回の?)(?:購入|注文)(?:日)?(?:が|は)\s*(?:` + durPat + `)\s*(?:以上|超)?\s*前` +
		`|休眠|離反|ご無沙汰|ごぶさた|再来店|カムバック|掘り起こ|呼び戻|遠のいて|離れて(?:いる|しまった)`)

func detectLapsed(r *reader, cl *clause) {
	for _, m := range findAll(lapsedRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		// A tag of the same name, called a tag, is the tag.
		if r.tagCalled(cl.text, m[0], m[1]) {
			continue
		}
		p := &part{kind: kLapsed}
		if d, ok := durationDays(match); ok {
			p.value, p.explicit = d, true
		} else if d, ok := durationDays(window(cl.text, m[0], m[1], 30)); ok && !strings.Contains(window(cl.text, m[0], m[1], 30), "友だち") {
			p.value, p.explicit = d, true
		} else {
			p.value = slotDefaults["recency"].def
		}
		cl.add(m[0], m[1], p, true)
	}
}

// tagCalled reports whether [start, end) is a friend tag's name called a
// tag ("休眠タグ", "tagged dormant").
func (r *reader) tagCalled(text string, start, end int) bool {
	word := text[start:end]
	for _, t := range r.in.Tags {
		if norm(t) != word {
			continue
		}
		after := text[end:]
		before := text[:start]
		if strings.HasPrefix(after, "タグ") || strings.HasPrefix(strings.TrimLeft(after, "」\" "), "タグ") || strings.HasPrefix(strings.TrimSpace(after), "tag") ||
			strings.HasSuffix(strings.TrimRight(before, "「\" "), "タグ") || strings.HasSuffix(strings.TrimRight(before, "「\" "), "tag") || strings.HasSuffix(strings.TrimRight(before, "「\" "), "tagged") {
			return true
		}
	}
	return false
}

// --- never bought ---

var neverBoughtRe = regexp.MustCompile(`never\s+(?:\w+\s+)?(?:purchased|bought|ordered|made a purchase|placed an order)|(?:haven't|have not|hasn't|has not|not)\s+(?:\w+\s+)?(?:purchased|bought|ordered)(?:\s+anything)?(?:\s+(?:yet|ever|before))|(?:haven't|have not|hasn't|has not)\s+(?:yet\s+)?(?:purchased|bought|ordered|made a purchase)(?:\s+anything)?|not (?:yet )?(?:a |our )?(?:customers?|buyers?)(?: yet)?|non-?(?:buyers|customers|purchasers)|no (?:orders|purchases) (?:yet|at all)|zero orders|without (?:any )?(?:orders|purchases)|未購入|購入(?:した)?(?:こと|経験|履歴)が(?:ない|ありません|無い)|買った(?:こと|経験)が(?:ない|ありません)|(?:まだ|一度も)[^、。]{0,6}?(?:購入|買|注文)[^、。]{0,4}?(?:していない|してない|っていない|ってない|ていない)|(?:顧客|購入者|お客様)(?:では|じゃ|で)(?:ない|ありません)|(?:まだ)?顧客になっていない|注文(?:が|は)?(?:ない|なし|0件)|購入(?:が|は)?(?:ない|なし|0回)|(?:^|[^\d])0回`)

func detectNeverBought(r *reader, cl *clause) {
	for _, m := range findAll(neverBoughtRe, cl.text) {
		p := &part{kind: kNeverBought, reading: "all", readings: []string{"all", "linked"}}
		cl.add(m[0], m[1], p, true)
	}
}

// --- bought recently ---

var recentBuyerRe = regexp.MustCompile(`(?:purchased|bought|ordered|shopped|made a purchase|placed an order)\s+(?:\w+\s+){0,2}?(?:recently|lately|(?:in|within)\s+(?:the\s+)?(?:last|past)\s+(?:` + durPat + `|week|month|year)|this (?:week|month|year))|recent (?:buyers|customers|purchasers|shoppers)|(?:最近|直近|ここ最近)[^、。]{0,10}?(?:購入|買|注文)(?:した|って|され|している|いただいた|あり)|(?:` + durPat + `)\s*以内に\s*(?:購入|注文|買)|(?:今月|今週|今年)\s*(?:購入|注文|買)`)

func detectRecentBuyer(r *reader, cl *clause) {
	for _, m := range findAll(recentBuyerRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		p := &part{kind: kRecentBuyer, value: slotDefaults["recent_order"].def}
		if d, ok := durationDays(match); ok {
			p.value, p.explicit = d, true
		} else if strings.Contains(match, "week") || strings.Contains(match, "今週") {
			p.value, p.explicit = 7, true
		} else if strings.Contains(match, "month") || strings.Contains(match, "今月") {
			p.value, p.explicit = 30, true
		} else if strings.Contains(match, "year") || strings.Contains(match, "今年") {
			p.value, p.explicit = 365, true
		}
		cl.add(m[0], m[1], p, false)
	}
}

// --- new friends ---

var newFriendsRe = regexp.MustCompile(`(?:just|recently|newly)\s+(?:became|become|added|followed|joined|friended|signed up)|new(?:ly added)?\s+(?:line\s+)?(?:friends|followers|subscribers|members)|new (?:line )?friend|(?:added|followed|friended|joined|became (?:our )?friends?|added us|added the account)[^,.]{0,25}?(?:(?:in|within|during)\s+(?:the\s+)?(?:last|past|first)\s+(?:` + durPat + `|week|month|day)|this (?:past )?(?:week|month)|today|yesterday|recently)|onboard\w*|welcome|(?:友だち|フォロー|登録)に?(?:なった|なって|なってくれた)ばかり|新しく友だち|新規(?:の)?友だち|新しい友だち|新規(?:の)?フォロワー|(?:最近|直近|この|ここ)[^、。]{0,8}?友だち(?:追加|になった|になって|登録)|友だち追加(?:して|から|後)?\s*(?:` + durPat + `)\s*(?:以内|未満)|(?:追加|登録|フォロー)(?:して|から|後)\s*(?:` + durPat + `)\s*(?:以内|未満)|(?:` + durPat + `)\s*(?:以内|未満)に\s*友だち(?:追加|になった|登録)|(?:今週|今月|今日|昨日)\s*友だち(?:追加|になった)|オンボーディング|ウェルカム|はじめまして`)

func detectNewFriends(r *reader, cl *clause) {
	for _, m := range findAll(newFriendsRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		p := &part{kind: kNew, value: slotDefaults["new_days"].def}
		switch d, ok := durationDays(match); {
		case ok:
			p.value, p.explicit = d, true
		case strings.Contains(match, "today") || strings.Contains(match, "今日"):
			p.value, p.explicit = 1, true
		case strings.Contains(match, "yesterday") || strings.Contains(match, "昨日"):
			p.value, p.explicit = 2, true
		case strings.Contains(match, "week") || strings.Contains(match, "今週"):
			p.value, p.explicit = 7, true
		case strings.Contains(match, "month") || strings.Contains(match, "今月"):
			p.value, p.explicit = 30, true
		default:
			if d, ok := durationDays(window(cl.text, m[0], m[1], 24)); ok && !lapsedRe.MatchString(window(cl.text, m[0], m[1], 24)) {
				p.value, p.explicit = d, true
			}
		}
		cl.add(m[0], m[1], p, false)
	}
}

// --- long-time friends ---

var oldFriendsRe = regexp.MustCompile(`(?:friends?|followers?|added|followed|joined)[^,.]{0,20}?(?:for\s+)?(?:over|more than|at least|longer than)\s+(?:` + durPat + `)(?:\s+ago)?|(?:long-?time|longtime|old|loyal long-term) (?:friends|followers)|友だち(?:追加|登録|になって|になってから)(?:して|から|後)?\s*(?:` + durPat + `)\s*(?:以上|超)|友だち歴\s*(?:` + durPat + `)\s*(?:以上|超)|(?:` + durPat + `)\s*以上前に\s*友だち(?:追加|になった)|古くからの友だち|長く友だち`)

func detectOldFriends(r *reader, cl *clause) {
	for _, m := range findAll(oldFriendsRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		p := &part{kind: kOld, value: slotDefaults["old_days"].def}
		if d, ok := durationDays(match); ok {
			p.value, p.explicit = d, true
		}
		cl.add(m[0], m[1], p, false)
	}
}

// --- order counts ---

var ordersRe = regexp.MustCompile(
	`(\d+)\s*(?:\+|or more|or above|and (?:up|above|over))\s*(?:orders|purchases|times)?|(?:at least|minimum of|min\.?|no fewer than)\s*(\d+)\s*(?:orders?|purchases?|times)` +
		`|(?:more than|over|above|greater than)\s*(\d+)\s*(?:orders?|purchases?|times)|(?:fewer|less) than\s*(\d+)\s*(?:orders?|purchases?|times)` +
		`|(?:at most|no more than|up to|maximum of)\s*(\d+)\s*(?:orders?|purchases?|times)|(\d+)\s*(?:or (?:fewer|less))\s*(?:orders?|purchases?|times)?` +
		`|(?:between|from)\s*(\d+)\s*(?:and|to|-)\s*(\d+)\s*(?:orders?|purchases?|times)|(\d+)\s*(?:-|to|~|〜)\s*(\d+)\s*(?:orders?|purchases?|times|回)` +
		`|(?:exactly|only)\s*(\d+)\s*(?:orders?|purchases?|times)|(\d+)\s*(?:orders?|purchases?)` +
		`|(?:bought|purchased|ordered)\s+(?:\w+\s+)?(once|twice|(?:\d+) times)(?: only)?|(?:only|just) (once|twice)|one-?time (?:buyers|customers|purchasers)|first-?time (?:buyers|customers|purchasers)` +
		`|(\d+)\s*回\s*(以上|超|より多|を超え|以下|未満|より少な|だけ|のみ|ちょうど)?|ちょうど\s*(\d+)\s*回|(\d+)\s*(?:回目)以降` +
		`|repeat (?:customers?|buyers?|purchasers?|shoppers?|purchase\w*|orders?)|returning (?:customers|buyers|shoppers)|loyal (?:customers|buyers|shoppers|fans)|regular (?:customers|buyers|shoppers)|repeaters?|(?:bought|purchased|ordered) (?:more than once|multiple times|again|several times)|more than one (?:order|purchase)|multiple (?:orders|purchases)` +
		`|リピーター|リピート(?:顧客|購入|客|してくれ|して)|常連|お得意様|複数回|2回目以降|初回購入|初めて購入|一度だけ|1度だけ`)

func detectOrders(r *reader, cl *clause) {
	for _, m := range findAll(ordersRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		if r.tagCalled(cl.text, m[0], m[1]) || r.shopifyTagCalled(cl.text, m[0], m[1]) || strings.HasPrefix(cl.text[m[1]:], "目") {
			// 「2回目の購入」 is not a count of orders.
			continue
		}
		g := func(i int) string {
			if m[2*i] < 0 {
				return ""
			}
			return cl.text[m[2*i]:m[2*i+1]]
		}
		n := func(i int) float64 { v, _ := strconv.ParseFloat(g(i), 64); return v }
		p := &part{kind: kOrders, op: kizuna.OpGte, explicit: true}
		switch {
		case g(1) != "":
			p.nums[0] = n(1)
		case g(2) != "":
			p.nums[0] = n(2)
		case g(3) != "":
			p.op, p.nums[0] = kizuna.OpGt, n(3)
		case g(4) != "":
			p.op, p.nums[0] = kizuna.OpLt, n(4)
		case g(5) != "":
			p.op, p.nums[0] = kizuna.OpLte, n(5)
		case g(6) != "":
			p.op, p.nums[0] = kizuna.OpLte, n(6)
		case g(7) != "":
			p.op, p.nums = kizuna.OpBetween, [2]float64{n(7), n(8)}
		case g(9) != "":
			p.op, p.nums = kizuna.OpBetween, [2]float64{n(9), n(10)}
		case g(11) != "":
			p.op, p.nums[0] = kizuna.OpEq, n(11)
		case g(12) != "":
			p.op, p.nums[0] = kizuna.OpEq, n(12)
		case g(13) != "" || g(14) != "":
			w := g(13) + g(14)
			p.op = kizuna.OpEq
			switch {
			case strings.HasPrefix(w, "once"):
				p.nums[0] = 1
			case strings.HasPrefix(w, "twice"):
				p.nums[0] = 2
			default:
				v, _ := strconv.ParseFloat(strings.Fields(w)[0], 64)
				p.nums[0] = v
			}
		case g(15) != "":
			p.nums[0] = n(15)
			switch q := g(16); {
			case q == "以上" || q == "":
				if q == "" {
					// 「3回購入した人」 reads as exactly 3 only with
					// ちょうど; bare counts read as "at least".
					p.op = kizuna.OpGte
				}
			case q == "超" || q == "より多" || q == "を超え":
				p.op = kizuna.OpGt
			case q == "以下":
				p.op = kizuna.OpLte
			case q == "未満" || q == "より少な":
				p.op = kizuna.OpLt
			case q == "だけ" || q == "のみ" || q == "ちょうど":
				p.op = kizuna.OpEq
			}
		case g(17) != "":
			p.op, p.nums[0] = kizuna.OpEq, n(17)
		case g(18) != "":
			p.nums[0] = n(18)
		case strings.Contains(match, "one-time") || strings.Contains(match, "onetime") || strings.Contains(match, "first") || strings.Contains(match, "初回") || strings.Contains(match, "初めて") || strings.Contains(match, "一度だけ") || strings.Contains(match, "1度だけ"):
			p.op, p.nums[0] = kizuna.OpEq, 1
		case strings.Contains(match, "more than once") || strings.Contains(match, "multiple") || strings.Contains(match, "again") || strings.Contains(match, "several") || strings.Contains(match, "more than one") || strings.Contains(match, "複数回") || strings.Contains(match, "2回目"):
			p.nums[0] = 2
		default:
			// "repeat customers": how many orders is a default.
			p.nums[0], p.explicit = slotDefaults["orders"].def, false
		}
		if p.op == kizuna.OpGte {
			p.value = p.nums[0]
		}
		if p.op == kizuna.OpEq && p.nums[0] == 0 {
			cl.add(m[0], m[1], &part{kind: kNeverBought, reading: "all", readings: []string{"all", "linked"}}, false)
			continue
		}
		cl.add(m[0], m[1], p, false)
	}
}

// shopifyTagCalled: [start, end) is a Shopify tag's name ("リピーター").
func (r *reader) shopifyTagCalled(text string, start, end int) bool {
	word := text[start:end]
	for _, t := range r.in.ShopifyTags {
		if norm(t) == word {
			return strings.Contains(window(text, start, end, 20), "shopify") || strings.Contains(window(text, start, end, 12), "タグ") || strings.Contains(window(text, start, end, 12), "tag")
		}
	}
	return false
}

// --- customers ---

var everBoughtRe = regexp.MustCompile(`existing customers|past (?:customers|buyers|purchasers)|(?:have|has) (?:ever )?(?:purchased|bought|ordered)(?: before| at least once)?|anyone who (?:has )?(?:bought|purchased|ordered)|(?:purchasers|buyers)\b|(?:people|friends|those) who (?:bought|purchased|ordered)|購入者|購入(?:した)?(?:こと|経験|履歴)が(?:ある|あります)|買った(?:こと|経験)が(?:ある|あります)|既存顧客|購入済み|購入したことのある|一度でも(?:購入|買)|customers?|顧客|お客様`)

func detectEverBought(r *reader, cl *clause) {
	for _, m := range findAll(everBoughtRe, cl.text) {
		match := cl.text[m[0]:m[1]]
		generic := match == "customer" || match == "customers" || match == "顧客" || match == "お客様"
		p := &part{kind: kEverBought}
		if generic {
			// "customers" alone says something only when negated:
			// "not customers yet".
			before := cl.text[clauseStart(cl.text, 0, m[0]):m[0]]
			if !negatedBefore(before) && !negatedAfter(cl.text[m[1]:]) {
				continue
			}
		}
		cl.add(m[0], m[1], p, false)
	}
}

// --- names: quoted first, then tags, Shopify tags, lists and segments ---

func detectQuotedNames(r *reader, cl *clause) {
	for _, m := range findAll(quotedRe, cl.text) {
		var q string
		for i := 2; i < len(m); i += 2 {
			if m[i] >= 0 {
				q = cl.text[m[i]:m[i+1]]
			}
		}
		nq := norm(q)
		for _, n := range r.names {
			if n.norm == nq {
				r.addName(cl, m[0], m[1], n)
				break
			}
		}
	}
}

// detectWholeLists finds HubSpot segments and Klaviyo lists named whole
// before any concept reads their words ("the 既存顧客フォロー segment").
func detectWholeLists(r *reader, cl *clause) {
	r.wholeNames(cl, func(n named) bool { return n.kind == kList || n.kind == kSegment })
}

func detectNames(r *reader, cl *clause) {
	// Lists and segments first, whole then in other words; then tags.
	r.wholeNames(cl, func(n named) bool { return n.kind == kList || n.kind == kSegment })
	r.fuzzyNames(cl)
	r.wholeNames(cl, func(n named) bool { return n.kind == kTag || n.kind == kShopifyTag })
	r.taggedInOtherWords(cl)
}

var excludedBefore = regexp.MustCompile(`(?:exclude|except|without|leave out|minus|not)(?: the| our| all)?$`)

// taggedInOtherWords finds a friend tag named in the other language and
// called a tag: 「スタッフタグ」 for the tag "Staff".
func (r *reader) taggedInOtherWords(cl *clause) {
	for _, n := range r.names {
		if n.kind != kTag {
			continue
		}
		s, e, ok := mentionAll(cl, splitJa(n.words))
		if !ok {
			continue
		}
		after := strings.TrimLeft(cl.text[e:], "」\" ")
		before := strings.TrimRight(cl.text[:s], "「\" ")
		// Called a tag, excluded by name ("exclude staff"), or named by
		// two words or more ("the Osaka store" for 大阪店).
		called := strings.HasPrefix(after, "タグ") || strings.HasPrefix(after, "tag") || strings.HasSuffix(before, "tag") || strings.HasSuffix(before, "tagged") || strings.HasSuffix(before, "タグ")
		excluded := excludedBefore.MatchString(before)
		if called || excluded || len(splitJa(n.words)) >= 2 {
			r.addName(cl, s, e, n)
		}
	}
}

// memberWordsRe are the words after a list's name that say "in it"
// ("newsletter subscribers", 「メルマガ会員」): part of the name's span.
var memberWordsRe = regexp.MustCompile(`^\s*(?:subscribers?|members?|readers?|recipients?|list|segment|会員|登録者|購読者|読者|リスト|セグメント)`)

func (r *reader) addList(cl *clause, start, end int, n named) {
	if m := memberWordsRe.FindStringIndex(cl.text[end:]); m != nil && cl.free(end, end+m[1]) {
		end += m[1]
	}
	r.addName(cl, start, end, n)
}

// wholeNames finds names written whole, longest first.
func (r *reader) wholeNames(cl *clause, kinds func(named) bool) {
	for _, n := range r.names {
		if !kinds(n) {
			continue
		}
		from := 0
		for {
			i := indexWord(cl.text[from:], n.norm)
			if i < 0 {
				break
			}
			i += from
			end := i + len(n.norm)
			if end < len(cl.text) && cl.text[end] == 's' && isLatin(n.norm) {
				end++
			}
			if cl.free(i, end) {
				if n.kind == kList || n.kind == kSegment {
					r.addList(cl, i, end, n)
				} else {
					r.addName(cl, i, end, n)
				}
			}
			from = end
		}
	}
}

// fuzzyNames finds lists and segments named in other words: each word of
// the name, or its synonym, mentioned close together.
func (r *reader) fuzzyNames(cl *clause) {
	type cand struct {
		n          named
		start, end int
		score      float64
	}
	var best []cand
	for _, n := range r.names {
		if n.kind != kList && n.kind != kSegment || len(n.words) == 0 {
			continue
		}
		matched, total := 0, 0
		start, end := len(cl.text), 0
		for _, w := range n.words {
			if isDigits(w) {
				continue
			}
			total++
			s, e, ok := mentions(cl.text, w)
			if !ok || !cl.free(s, e) {
				continue
			}
			matched++
			start, end = min(start, s), max(end, e)
		}
		if total == 0 || matched == 0 {
			continue
		}
		score := float64(matched) / float64(total)
		if score < 0.75 || end-start > 12*total+30 {
			continue
		}
		best = append(best, cand{n, start, end, score + float64(matched)/100})
	}
	for len(best) > 0 {
		bi := 0
		for i, c := range best {
			if c.score > best[bi].score {
				bi = i
			}
		}
		c := best[bi]
		best = append(best[:bi], best[bi+1:]...)
		if cl.free(c.start, c.end) {
			r.addList(cl, c.start, c.end, c.n)
		}
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// indexWord finds word in s: anywhere for Japanese, as a whole word for
// Latin.
func indexWord(s, word string) int {
	if word == "" {
		return -1
	}
	for from := 0; ; {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return -1
		}
		i += from
		j := i + len(word)
		if isLatin(word) {
			if j < len(s) && s[j] == 's' {
				j++
			}
			if (i > 0 && isWordByte(s[i-1])) || (j < len(s) && isWordByte(s[j])) {
				from = i + 1
				continue
			}
		}
		return i
	}
}

// addName adds a name's part: a name both a friend tag and a Shopify tag
// carry is read one way (Shopify when the text says so), the other
// offered.
func (r *reader) addName(cl *clause, start, end int, n named) {
	p := &part{kind: n.kind, name: n.id, label: n.name, source: n.source}
	if n.kind == kTag || n.kind == kShopifyTag {
		other := kShopifyTag
		if n.kind == kShopifyTag {
			other = kTag
		}
		both := false
		for _, o := range r.names {
			if o.kind == other && o.norm == n.norm {
				both = true
			}
		}
		near := window(cl.text, start, end, 24)
		saysShopify := strings.Contains(near, "shopify") || (strings.Contains(cl.text, "shopify") && tagWordRe.MatchString(cl.text))
		if both && r.in.Connected["shopify"] {
			p.kind = kTag
			p.readings = []string{"tag", "shopify"}
			p.reading = "tag"
			p.name = r.friendTag(n.id)
			if saysShopify {
				p.reading, p.explicit = "shopify", true
				p.name = n.id
				for _, o := range r.names {
					if o.kind == kShopifyTag && o.norm == n.norm {
						p.name = o.id
					}
				}
			}
		} else if n.kind == kShopifyTag {
			p.reading = "shopify"
		}
	}
	cl.add(start, end, p, false)
}

var tagWordRe = regexp.MustCompile(`\btag|タグ`)

// --- everyone ---

var everyoneRe = regexp.MustCompile(`\b(?:all (?:of )?(?:our |my |the )?(?:line )?(?:friends|followers|customers)|everyone|everybody)\b|全員|すべての友だち|全ての友だち|友だち全員|全友だち|みんな`)

func detectEveryone(r *reader, cl *clause) {
	if len(cl.spans) > 0 {
		return
	}
	if m := everyoneRe.FindStringIndex(cl.text); m != nil {
		cl.add(m[0], m[1], &part{kind: kEveryone}, true)
	}
}

// --- dates friends were added ---

var monthNames = map[string]time.Month{"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9, "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}

const monthPat = `january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`

// dateRe finds a date or a month: 2026-10-01, 2026/10/1, 2026年10月1日,
// 10月1日, 2026年10月, october 1 2026, october 2026, october.
var dateRe = regexp.MustCompile(`(?:(去年|昨年|今年|last year|this year)の?\s*(\d{1,2})月|(\d{1,2})月\s*(?:of )?(last year|this year))|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})|(\d{4})年\s*(\d{1,2})月\s*(\d{1,2})日|(\d{1,2})月\s*(\d{1,2})日|(\d{4})年\s*(\d{1,2})月|(\d{4})[-/](\d{1,2})\b|\b(` + monthPat + `)\.?\s+(\d{1,2})(?:st|nd|rd|th)?(?:,?\s*(\d{4}))?\b|\b(\d{1,2})(?:st|nd|rd|th)?\s+(` + monthPat + `)(?:,?\s*(\d{4}))?\b|\b(` + monthPat + `)(?:\s+(\d{4}))?\b|(\d{1,2})月|(\d{4})年|\b(?:in|during)\s+(\d{4})\b|(this|last|previous) (month|year|week)|(今月|先月|今年|去年|昨年|先週|今週)|\b(?:before|after|since|until)\s+((?:19|20)\d{2})\b`)

// dateRange is what a date expression names: one day (a == b) or a range.
func (r *reader) dateAt(text string, m []int) (a, b kizuna.Day, ok bool) {
	g := func(i int) string {
		if m[2*i] < 0 {
			return ""
		}
		return text[m[2*i]:m[2*i+1]]
	}
	atoi := func(s string) int { v, _ := strconv.Atoi(s); return v }
	today := r.today.Time()
	y0 := today.Year()
	day := func(y, mo, d int) (kizuna.Day, bool) {
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if mo < 1 || mo > 12 || t.Day() != d {
			return 0, false
		}
		return kizuna.DayFromDate(y, time.Month(mo), d), true
	}
	month := func(y int, mo time.Month) (kizuna.Day, kizuna.Day, bool) {
		if mo < 1 || mo > 12 {
			return 0, 0, false
		}
		first := kizuna.DayFromDate(y, mo, 1)
		last := kizuna.Day(kizuna.DayFromDate(y, mo+1, 1) - 1)
		return first, last, true
	}
	// A month or date without a year is the latest one not in the future.
	pastYear := func(mo, d int) int {
		if time.Month(mo) > today.Month() || (time.Month(mo) == today.Month() && d > today.Day()) {
			return y0 - 1
		}
		return y0
	}
	rel := func(w string) int {
		if w == "去年" || w == "昨年" || w == "last year" {
			return y0 - 1
		}
		return y0
	}
	switch {
	case g(1) != "":
		return month(rel(g(1)), time.Month(atoi(g(2))))
	case g(3) != "":
		return month(rel(g(4)), time.Month(atoi(g(3))))
	case g(31) != "":
		y := atoi(g(31))
		return kizuna.DayFromDate(y, 1, 1), kizuna.DayFromDate(y, 12, 31), true
	case g(5) != "":
		d, ok := day(atoi(g(5)), atoi(g(6)), atoi(g(7)))
		return d, d, ok
	case g(8) != "":
		d, ok := day(atoi(g(8)), atoi(g(9)), atoi(g(10)))
		return d, d, ok
	case g(11) != "":
		mo, dd := atoi(g(11)), atoi(g(12))
		d, ok := day(pastYear(mo, dd), mo, dd)
		return d, d, ok
	case g(13) != "":
		return month(atoi(g(13)), time.Month(atoi(g(14))))
	case g(15) != "":
		return month(atoi(g(15)), time.Month(atoi(g(16))))
	case g(17) != "":
		mo, dd := int(monthNames[g(17)]), atoi(g(18))
		y := pastYear(mo, dd)
		if g(19) != "" {
			y = atoi(g(19))
		}
		d, ok := day(y, mo, dd)
		return d, d, ok
	case g(21) != "":
		mo, dd := int(monthNames[g(21)]), atoi(g(20))
		y := pastYear(mo, dd)
		if g(22) != "" {
			y = atoi(g(22))
		}
		d, ok := day(y, mo, dd)
		return d, d, ok
	case g(23) != "":
		mo := monthNames[g(23)]
		y := pastYear(int(mo), 1)
		if g(24) != "" {
			y = atoi(g(24))
		}
		return month(y, mo)
	case g(25) != "":
		mo := atoi(g(25))
		return month(pastYear(mo, 1), time.Month(mo))
	case g(26) != "" || g(27) != "":
		y := atoi(g(26) + g(27))
		return kizuna.DayFromDate(y, 1, 1), kizuna.DayFromDate(y, 12, 31), true
	}
	which := g(28) + g(30)
	unit := g(29)
	switch which {
	case "this", "今月", "今年", "今週":
		switch {
		case unit == "month" || which == "今月":
			f, _, _ := month(y0, today.Month())
			return f, r.today, true
		case unit == "year" || which == "今年":
			return kizuna.DayFromDate(y0, 1, 1), r.today, true
		default:
			wd := (int(today.Weekday()) + 6) % 7 // Monday first
			return r.today - kizuna.Day(wd), r.today, true
		}
	case "last", "previous", "past", "先月", "去年", "昨年", "先週":
		switch {
		case unit == "month" || which == "先月":
			pm := today.AddDate(0, -1, 0)
			if today.Day() > 28 {
				pm = time.Date(y0, today.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
			}
			return month(pm.Year(), pm.Month())
		case unit == "year" || which == "去年" || which == "昨年":
			return kizuna.DayFromDate(y0-1, 1, 1), kizuna.DayFromDate(y0-1, 12, 31), true
		default:
			wd := (int(today.Weekday()) + 6) % 7
			start := r.today - kizuna.Day(wd) - 7
			return start, start + 6, true
		}
	}
	return 0, 0, false
}

var addedVerbRe = regexp.MustCompile(`added|followed|friended|joined|became (?:our )?friends?|sign(?:ed)? ?up|友だち追加|友だちになった|友だちに|追加|登録|フォロー`)

// detectAddedDates reads the date friends were added: "added in
// October", 「2026年1月1日以降に友だち追加」, "joined between 2026-01-01
// and 2026-03-31".
func detectAddedDates(r *reader, cl *clause) {
	if !addedVerbRe.MatchString(cl.text) {
		return
	}
	ms := findAll(dateRe, cl.text)
	for i := 0; i < len(ms); i++ {
		m := ms[i]
		a, b, ok := r.dateAt(cl.text, m)
		if !ok || !cl.free(m[0], m[1]) {
			continue
		}
		start, end := m[0], m[1]
		before := strings.TrimSpace(cl.text[max(0, m[0]-16):m[0]])
		if w := strings.Fields(cl.text[m[0]:m[1]]); len(w) == 2 && (w[0] == "before" || w[0] == "after" || w[0] == "since" || w[0] == "until") {
			// "before 2025": the word is inside the match.
			before += " " + w[0]
		}
		after := cl.text[m[1]:min(len(cl.text), m[1]+24)]
		p := &part{kind: kAddedDate, op: kizuna.OpBetween, days: [2]kizuna.Day{a, b}}
		// A range: "between X and Y", "X to Y", 「X〜Y」「XからYまで」.
		if i+1 < len(ms) {
			gap := cl.text[m[1]:ms[i+1][0]]
			if rangeGapRe.MatchString(gap) {
				if _, b2, ok := r.dateAt(cl.text, ms[i+1]); ok {
					p.days = [2]kizuna.Day{a, b2}
					end = ms[i+1][1]
					after = cl.text[end:min(len(cl.text), end+24)]
					i++
					if p.days[0] > p.days[1] {
						continue
					}
					p.label = describeDate(kizuna.OpBetween, p.days, r.in.Lang)
					cl.add(start, end, p, true)
					continue
				}
			}
		}
		switch {
		case strings.HasSuffix(before, "before") || strings.HasSuffix(before, "prior to") || strings.HasPrefix(after, "より前") || strings.HasPrefix(after, "以前") || strings.HasPrefix(after, "前に"):
			p.op, p.days[0] = kizuna.OpBefore, a
			if strings.HasPrefix(after, "以前") {
				p.op, p.days[0] = kizuna.OpBefore, b+1
			}
		case strings.HasSuffix(before, "until") || strings.HasSuffix(before, "up to") || strings.HasSuffix(before, "through") || strings.HasPrefix(after, "まで"):
			p.op, p.days[0] = kizuna.OpBefore, b+1
		case strings.HasSuffix(before, "after") || strings.HasPrefix(after, "より後") || strings.HasPrefix(after, "以後") && false:
			p.op, p.days[0] = kizuna.OpAfter, b
		case strings.HasSuffix(before, "since") || strings.HasSuffix(before, "from") || strings.HasSuffix(before, "on or after") || strings.HasPrefix(after, "以降") || strings.HasPrefix(after, "から") || strings.HasPrefix(after, "以後"):
			p.op, p.days[0] = kizuna.OpAfter, a-1
		case a == b:
			p.op = kizuna.OpOn
		}
		p.label = describeDate(p.op, p.days, r.in.Lang)
		if p.op == kizuna.OpAfter && p.days[0] == a-1 {
			p.label = say(r.in.Lang, "since %s", "%s以降", a)
		}
		cl.add(start, end, p, true)
	}
}

var rangeGapRe = regexp.MustCompile(`^\s*(?:and|to|-|~|〜|から|より|–)\s*$`)
