package statusrec

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRecorder(t *testing.T) {
	r := New(httptest.NewRecorder())
	if r.Started() || r.Status() != http.StatusOK {
		t.Fatalf("fresh: started %v status %d", r.Started(), r.Status())
	}
	r.WriteHeader(http.StatusTeapot)
	r.WriteHeader(http.StatusInternalServerError) // superfluous; the first counts
	if !r.Started() || r.Status() != http.StatusTeapot {
		t.Fatalf("after WriteHeader: started %v status %d", r.Started(), r.Status())
	}

	w := New(httptest.NewRecorder())
	w.Write([]byte("x"))
	if !w.Started() || w.Status() != http.StatusOK {
		t.Fatalf("after Write: started %v status %d", w.Started(), w.Status())
	}
	if http.NewResponseController(w).Flush() != nil {
		t.Fatal("Unwrap does not reach the underlying writer's Flush")
	}
}
