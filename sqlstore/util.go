package sqlstore

import (
	"sort"

	"github.com/kizuna-line/kizuna"
)

func sortedNames(p kizuna.Properties) []string {
	out := make([]string, 0, len(p))
	for k := range p {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
