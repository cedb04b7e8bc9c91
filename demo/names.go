package demo

// jaGiven holds one given name in every script a LINE display name is written
// in, so that the same person can appear as 花子, はなこ, ハナコ, ﾊﾅｺ or Hanako and
// still get a matching e-mail address.
type jaGiven struct {
	kanji, hira, kata, halfKata, romaji string
}

type jaSurname struct {
	kanji, romaji string
}

// The shop sells cosmetics, so most friends are women.
var jaGivenFemale = []jaGiven{
	{"花子", "はなこ", "ハナコ", "ﾊﾅｺ", "hanako"},
	{"陽菜", "ひな", "ヒナ", "ﾋﾅ", "hina"},
	{"結衣", "ゆい", "ユイ", "ﾕｲ", "yui"},
	{"美咲", "みさき", "ミサキ", "ﾐｻｷ", "misaki"},
	{"桜", "さくら", "サクラ", "ｻｸﾗ", "sakura"},
	{"葵", "あおい", "アオイ", "ｱｵｲ", "aoi"},
	{"凛", "りん", "リン", "ﾘﾝ", "rin"},
	{"愛", "あい", "アイ", "ｱｲ", "ai"},
	{"七海", "ななみ", "ナナミ", "ﾅﾅﾐ", "nanami"},
	{"彩", "あや", "アヤ", "ｱﾔ", "aya"},
	{"真由美", "まゆみ", "マユミ", "ﾏﾕﾐ", "mayumi"},
	{"恵", "めぐみ", "メグミ", "ﾒｸﾞﾐ", "megumi"},
	{"由美", "ゆみ", "ユミ", "ﾕﾐ", "yumi"},
	{"裕子", "ゆうこ", "ユウコ", "ﾕｳｺ", "yuko"},
	{"明美", "あけみ", "アケミ", "ｱｹﾐ", "akemi"},
	{"千尋", "ちひろ", "チヒロ", "ﾁﾋﾛ", "chihiro"},
	{"麻衣", "まい", "マイ", "ﾏｲ", "mai"},
	{"杏奈", "あんな", "アンナ", "ｱﾝﾅ", "anna"},
	{"優花", "ゆうか", "ユウカ", "ﾕｳｶ", "yuka"},
	{"沙希", "さき", "サキ", "ｻｷ", "saki"},
	{"美穂", "みほ", "ミホ", "ﾐﾎ", "miho"},
	{"絵里", "えり", "エリ", "ｴﾘ", "eri"},
	{"香織", "かおり", "カオリ", "ｶｵﾘ", "kaori"},
	{"智子", "ともこ", "トモコ", "ﾄﾓｺ", "tomoko"},
	{"理沙", "りさ", "リサ", "ﾘｻ", "risa"},
	{"美月", "みづき", "ミヅキ", "ﾐﾂﾞｷ", "mizuki"},
	{"玲奈", "れな", "レナ", "ﾚﾅ", "rena"},
	{"紗英", "さえ", "サエ", "ｻｴ", "sae"},
}

var jaGivenMale = []jaGiven{
	{"太郎", "たろう", "タロウ", "ﾀﾛｳ", "taro"},
	{"健", "けん", "ケン", "ｹﾝ", "ken"},
	{"翔太", "しょうた", "ショウタ", "ｼｮｳﾀ", "shota"},
	{"大輔", "だいすけ", "ダイスケ", "ﾀﾞｲｽｹ", "daisuke"},
	{"拓也", "たくや", "タクヤ", "ﾀｸﾔ", "takuya"},
	{"蓮", "れん", "レン", "ﾚﾝ", "ren"},
	{"悠斗", "ゆうと", "ユウト", "ﾕｳﾄ", "yuto"},
	{"誠", "まこと", "マコト", "ﾏｺﾄ", "makoto"},
	{"直樹", "なおき", "ナオキ", "ﾅｵｷ", "naoki"},
	{"勇気", "ゆうき", "ユウキ", "ﾕｳｷ", "yuki"},
}

var jaSurnames = []jaSurname{
	{"佐藤", "sato"}, {"鈴木", "suzuki"}, {"高橋", "takahashi"}, {"田中", "tanaka"},
	{"伊藤", "ito"}, {"渡辺", "watanabe"}, {"山本", "yamamoto"}, {"中村", "nakamura"},
	{"小林", "kobayashi"}, {"加藤", "kato"}, {"吉田", "yoshida"}, {"山田", "yamada"},
	{"佐々木", "sasaki"}, {"山口", "yamaguchi"}, {"松本", "matsumoto"}, {"井上", "inoue"},
	{"木村", "kimura"}, {"林", "hayashi"}, {"清水", "shimizu"}, {"斎藤", "saito"},
	{"山崎", "yamazaki"}, {"森", "mori"}, {"池田", "ikeda"}, {"橋本", "hashimoto"},
	{"阿部", "abe"}, {"石川", "ishikawa"}, {"前田", "maeda"}, {"藤田", "fujita"},
	{"小川", "ogawa"}, {"岡田", "okada"}, {"後藤", "goto"}, {"長谷川", "hasegawa"},
	{"村上", "murakami"}, {"近藤", "kondo"}, {"石井", "ishii"}, {"坂本", "sakamoto"},
	{"遠藤", "endo"}, {"青木", "aoki"}, {"藤井", "fujii"}, {"西村", "nishimura"},
}

var enGivenFemale = []string{
	"Emily", "Olivia", "Sophie", "Jessica", "Chloe", "Grace", "Hannah", "Lily",
	"Mia", "Emma", "Amelia", "Charlotte", "Isabella", "Ella", "Zoe", "Sarah",
	"Rachel", "Laura", "Anna", "Kate", "Natalie", "Megan",
}

var enGivenMale = []string{
	"Ben", "James", "Daniel", "Michael", "Tom", "Lucas", "Ryan", "Chris", "David", "Alex",
}

var enSurnames = []string{
	"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Lee", "Chen", "Wong", "Kim",
	"Nguyen", "Martin", "Garcia", "Carter", "Walker", "Evans", "Park", "Tan", "Miller",
}

// LINE users decorate their names; these are the decorations seen most.
var nameDecorations = []string{"🌸", "✨", "💄", "♡", "☆", "🍀", "🌷", "😊", "🐰"}

// Consumer addresses use reserved example domains so that the demo never
// contains a deliverable address.
var consumerDomains = []string{"example.com", "example.jp", "example.net", "example.co.jp", "mail.example.org"}

type company struct {
	name, domain string
}

// Companies are bucketed by size so that the HubSpot "Enterprise prospects"
// segment holds names that sound like enterprises.
var smallCompanies = []company{
	{"ヘアサロン ルーチェ", "salon-luce.example.jp"},
	{"Nail Atelier Mimi", "nail-mimi.example.com"},
	{"美容室 Hana", "hana-biyoshitsu.example.jp"},
	{"エステサロン 花音", "kanon-esthe.example.jp"},
	{"Studio Belle", "studio-belle.example.com"},
	{"合同会社ミナト美容", "minato-biyo.example.jp"},
	{"Yokohama Select Shop", "yokohama-select.example.com"},
	{"有限会社花園", "hanazono.example.co.jp"},
	{"まつげサロン Lilly", "lilly-lash.example.jp"},
	{"Kyoto Spa and Wellness", "kyoto-spa.example.com"},
}

var midCompanies = []company{
	{"株式会社さくらビューティー", "sakura-beauty.example.co.jp"},
	{"Lumière Salon Group", "lumiere-group.example.com"},
	{"株式会社グリーンリーフ薬局", "greenleaf-ph.example.co.jp"},
	{"(株)ミライコスメ", "mirai-cosme.example.co.jp"},
	{"Blue Harbor Retail Ltd.", "blueharbor.example.com"},
	{"株式会社ナチュラルライフ", "natural-life.example.co.jp"},
}

var largeCompanies = []company{
	{"株式会社ひかりドラッグ", "hikari-drug.example.co.jp"},
	{"Pacific Beauty Distribution Inc.", "pacificbeauty.example.com"},
	{"株式会社アオバ百貨店", "aoba-dept.example.co.jp"},
	{"東京コスメ卸株式会社", "tokyo-cosme-oroshi.example.co.jp"},
	{"Asia Travel Retail KK", "atr.example.com"},
}
