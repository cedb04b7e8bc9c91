package api

import (
	"net/http"
	"testing"

	"github.com/kizuna-line/kizuna"
)

// TestLineErrorStatus: the codes of LINE's refusals have their own
// statuses, not a 500.
func TestLineErrorStatus(t *testing.T) {
	for code, want := range map[string]int{
		kizuna.EFORBIDDEN:   http.StatusForbidden,
		kizuna.EUPSTREAM:    http.StatusBadGateway,
		kizuna.EUNAVAILABLE: http.StatusServiceUnavailable,
	} {
		if got := httpStatus(code); got != want {
			t.Errorf("httpStatus(%s) = %d, want %d", code, got, want)
		}
	}
}
