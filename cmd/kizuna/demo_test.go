package main

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
)

// startDemo runs kizuna demo until it serves, then stops it, and returns
// what it printed.
func startDemo(t *testing.T, dsn string) string {
	t.Helper()
	var out, errb syncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(n string) string {
		if n == "KIZUNA_DB" {
			return dsn
		}
		return ""
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, []string{"demo", "--addr", "127.0.0.1:0", "--friends", "20"}) }()
	for i := 0; !strings.Contains(out.String(), "Press Ctrl-C"); i++ {
		select {
		case code := <-done:
			cancel()
			t.Fatalf("kizuna demo ended with %d before serving\n%s\n%s", code, out.String(), errb.String())
		case <-time.After(50 * time.Millisecond):
		}
		if i > 1200 {
			cancel()
			t.Fatalf("kizuna demo never served\n%s\n%s", out.String(), errb.String())
		}
	}
	cancel()
	<-done
	return out.String()
}

// TestDemoTokenOnce: the demo makes its API token with the account; a
// later start makes none and says how to make one.
func TestDemoTokenOnce(t *testing.T) {
	dsn := testdb.DSN(t, "sqlite")
	first := startDemo(t, dsn)
	second := startDemo(t, dsn)
	store, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	a, err := store.FindAccount(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := store.Tokens(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	if len(tokens) != 1 {
		t.Fatalf("%d API tokens after two starts, want 1", len(tokens))
	}
	if !strings.Contains(first, "shown once") || !strings.Contains(second, "kizuna token create --account demo") {
		t.Fatalf("the starts' token lines:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
}

// TestDemoPortTaken: a taken address is refused before the demo account
// and its friends are made.
func TestDemoPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dsn := testdb.DSN(t, "sqlite")
	k := kizunaCLI{t: t, dsn: dsn}
	r := k.run("", "demo", "--addr", ln.Addr().String(), "--friends", "200000")
	if r.code == 0 || !strings.Contains(r.stderr, "address already in use") {
		t.Fatalf("kizuna demo on a taken address: exit %d\n%s", r.code, r.stderr)
	}
	store, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.FindAccount(context.Background(), "demo"); kizuna.ErrorCode(err) != kizuna.ENOTFOUND {
		t.Fatalf("the demo account was made before the address was tried: %v", err)
	}
}
