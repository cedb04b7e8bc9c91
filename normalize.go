package kizuna

import (
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in the form that string comparisons use: Unicode NFKC,
// then full case folding, so that "ＶＩＰ", "Vip" and "vip" are equal. Stores
// keep a normalized copy written at import time so that no database has to
// normalize.
func Normalize(s string) string {
	return cases.Fold().String(norm.NFKC.String(s))
}
