package kizuna_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kizuna-line/kizuna"
)

// TestCopyName: the first free name, in both languages, shortened to fit.
func TestCopyName(t *testing.T) {
	long := strings.Repeat("あ", kizuna.MaxNameLength)
	live := []*kizuna.Segment{{ID: 1, Name: "VIP"}, {ID: 2, Name: "VIP (copy)"}, {ID: 3, Name: long}, {ID: 4, Name: "VIPのコピー"}}
	for _, c := range []struct {
		id   int64
		lang string
		want string
	}{
		{1, "en", "VIP (copy 2)"},
		{1, "ja", "VIPのコピー（2）"},
		{2, "en", "VIP (copy) (copy)"},
		{3, "en", strings.Repeat("あ", kizuna.MaxNameLength-7) + " (copy)"},
	} {
		got, err := kizuna.CopyName(live, c.id, c.lang)
		if err != nil || got != c.want || utf8.RuneCountInString(got) > kizuna.MaxNameLength {
			t.Errorf("CopyName(%d, %s) = %q %v, want %q", c.id, c.lang, got, err, c.want)
		}
	}
	if _, err := kizuna.CopyName(live, 9, "en"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Errorf("an unknown segment: %v", err)
	}
}
