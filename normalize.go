package kizuna

import (
	"strings"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in the form that string comparisons use: Unicode NFKC,
// then full case folding, so that "ＶＩＰ", "Vip" and "vip" are equal. Stores
// keep a normalized copy written at import time so that no database has to
// normalize.
func Normalize(s string) string {
	if isASCII(s) {
		// NFKC leaves ASCII as it is, and full case folding maps only A-Z
		// there: the common case (names, tags, IDs) without the Unicode
		// tables' cost, which the import pays per friend.
		return strings.ToLower(s)
	}
	return cases.Fold().String(norm.NFKC.String(s))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
