package web_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/testdb"
	"github.com/kizuna-line/kizuna/sqlstore"
	"github.com/kizuna-line/kizuna/web"
)

// failingInvitations is the store with invitation look-ups that fail, as a
// database that went away would.
type failingInvitations struct{ *sqlstore.DB }

func (failingInvitations) Invitation(context.Context, string) (*kizuna.InvitationOffer, error) {
	return nil, errors.New("connection refused")
}

// TestFailureLogsNoToken: a failed request is logged by its route, never by
// its path, which for an invitation link holds the token.
func TestFailureLogsNoToken(t *testing.T) {
	db := testdb.Open(t, "sqlite")
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv := httptest.NewServer(web.New(db, failingInvitations{db}, logger).Handler())
	t.Cleanup(srv.Close)
	const token = "kzi_secretsecretsecretsecret"
	res, err := http.Get(srv.URL + "/invite/" + token)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("a failing invitation look-up: %d, want 500", res.StatusCode)
	}
	if !strings.Contains(logs.String(), "/invite/{token}") {
		t.Errorf("the failure is not logged by its route:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("the log holds the invitation's token:\n%s", logs.String())
	}
}
