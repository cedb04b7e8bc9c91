package agent

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/kizuna-line/kizuna"
)

// ThresholdSlots are the assumptions of a filter that no reading of the
// goal made (a model's): each numeric threshold on the days since the
// last order, the days since a friend was added, the number of orders or
// an abandoned cart's hours, with half, the same and twice the value as
// alternatives, each Option the filter with that value. Without any, the
// slot is how long ago they became friends (any time, 30 or 90 days).
func ThresholdSlots(f *kizuna.Filter, lang string) []Slot {
	var out []Slot
	for gi, g := range f.Groups {
		for ci, c := range g.Conditions {
			var v float64
			var what string
			switch {
			case c.Field == kizuna.FieldShopifyDaysSince && c.Op != kizuna.OpBetween:
				v, what = c.Nums[0], say(lang, "days since the last order", "最終購入からの日数")
			case c.Field == kizuna.FieldDaysSinceAdded && c.Op != kizuna.OpBetween:
				v, what = c.Nums[0], say(lang, "days since they became friends", "友だち追加からの日数")
			case c.Field == kizuna.FieldShopifyOrders && c.Op != kizuna.OpBetween:
				v, what = c.Nums[0], say(lang, "number of orders", "購入回数")
			case c.Field == kizuna.FieldShopifyAbandoned && c.HoursSince != nil && c.HoursSince.Op != kizuna.OpBetween:
				v, what = c.HoursSince.Nums[0], say(lang, "hours since the cart was left", "カゴ落ちからの時間")
			default:
				continue
			}
			key := fmt.Sprintf("g%dc%d.%s", gi, ci, c.Field)
			sl := Slot{Key: key, Value: fmtNum(v), Text: say(lang, "%s: %s %s (the model's reading).", "%s：%s %s（モデルの読み取り）", what, c.Op, fmtNum(v))}
			values := []float64{v}
			for _, x := range []float64{math.Round(v / 2), math.Round(v * 2)} {
				if x > 0 && !slices.Contains(values, x) {
					values = append(values, x)
				}
			}
			slices.Sort(values)
			for _, x := range values {
				alt := copyFilter(f)
				cc := &alt.Groups[gi].Conditions[ci]
				if cc.HoursSince != nil {
					h := *cc.HoursSince
					h.Nums[0] = x
					cc.HoursSince = &h
				} else {
					cc.Nums[0] = x
				}
				sl.Options = append(sl.Options, Option{Value: fmtNum(x), Label: fmtNum(x), Filter: alt})
			}
			if len(sl.Options) >= 2 {
				out = append(out, sl)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	sl := Slot{Key: "since_added", Value: "0", Text: say(lang, "Everyone who matches, however long ago they became friends; narrow it to recent friends below.", "友だち追加の時期は問わず、条件に合う全員にしました。下で最近の友だちに絞れます。")}
	for _, d := range []float64{0, 30, 90} {
		alt := copyFilter(f)
		if d > 0 {
			for gi := range alt.Groups {
				alt.Groups[gi].Conditions = append(alt.Groups[gi].Conditions, kizuna.Condition{Field: kizuna.FieldDaysSinceAdded, Op: kizuna.OpLt, Nums: [2]float64{d}})
			}
		}
		sl.Options = append(sl.Options, Option{Value: strconv.Itoa(int(d)), Label: valueLabel("since_added", d, lang), Filter: alt})
	}
	return []Slot{sl}
}

// copyFilter copies a filter deeply enough to change a condition's numbers.
func copyFilter(f *kizuna.Filter) *kizuna.Filter {
	out := &kizuna.Filter{Groups: make([]kizuna.Group, len(f.Groups))}
	for i, g := range f.Groups {
		out.Groups[i].Conditions = slices.Clone(g.Conditions)
	}
	return out
}
