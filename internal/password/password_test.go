package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHashAndCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q", h)
	}
	if !Check(h, "correct horse battery") {
		t.Error("the right password does not match")
	}
	for _, wrong := range []string{"", "correct horse batter", "Correct horse battery"} {
		if Check(h, wrong) {
			t.Errorf("%q matches", wrong)
		}
	}
	h2, _ := Hash("correct horse battery")
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=65536,t=3,p=2$AAAA", "$bcrypt$v=19$m=1,t=1,p=1$AAAA$AAAA"} {
		if Check(bad, "x") {
			t.Errorf("malformed hash %q matches", bad)
		}
	}
}

// TestBound: no more than the bound's hashes run at once; a request that
// cannot start within the wait gets ErrBusy quickly instead of queuing.
func TestBound(t *testing.T) {
	h, _ := Hash("correct horse battery")
	b := NewBound(2, 50*time.Millisecond)
	var wg sync.WaitGroup
	var busy, ok atomic.Int64
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			match, err := b.Check(context.Background(), h, "correct horse battery")
			switch {
			case errors.Is(err, ErrBusy):
				busy.Add(1)
			case err == nil && match:
				ok.Add(1)
			default:
				t.Errorf("Check: %v %v", match, err)
			}
		}()
	}
	wg.Wait()
	st := b.Stats()
	if st.Peak > 2 || st.InFlight != 0 || st.Started != ok.Load() || st.Refused != busy.Load() || ok.Load() < 2 || ok.Load()+busy.Load() != 16 {
		t.Fatalf("stats %+v, ok %d, busy %d", st, ok.Load(), busy.Load())
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	full := NewBound(1, time.Hour)
	full.slots <- struct{}{}
	if _, err := full.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("a cancelled wait: %v", err)
	}
}
