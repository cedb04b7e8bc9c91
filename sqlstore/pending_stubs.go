package sqlstore

// Placeholders until the LINE and broadcast stores land (removed then).

import (
	"context"
	"time"

	"github.com/kizuna-line/kizuna"
)

var errPending = kizuna.Errorf(kizuna.ENOTFOUND, "not found")

func (db *DB) ConnectLine(context.Context, *kizuna.Account, string, kizuna.LineChannel, kizuna.LineCredentials) error {
	return errPending
}
func (db *DB) LineChannel(context.Context, *kizuna.Account) (*kizuna.LineChannel, error) {
	return nil, errPending
}
func (db *DB) LineCredentials(context.Context, *kizuna.Account) (*kizuna.LineCredentials, error) {
	return nil, errPending
}
func (db *DB) DisconnectLine(context.Context, *kizuna.Account) error { return errPending }
func (db *DB) ApplyWebhookEvents(context.Context, *kizuna.Account, []kizuna.WebhookEvent) (*kizuna.WebhookResult, error) {
	return nil, errPending
}
func (db *DB) StartLineSync(context.Context, *kizuna.Account) (*kizuna.LineSync, error) {
	return nil, errPending
}
func (db *DB) SyncFollowers(context.Context, *kizuna.Account, int64, []kizuna.Follower) (*kizuna.LineSync, error) {
	return nil, errPending
}
func (db *DB) FinishLineSync(context.Context, *kizuna.Account, int64) (*kizuna.LineSync, error) {
	return nil, errPending
}
func (db *DB) FailLineSync(context.Context, *kizuna.Account, int64, string, string) (*kizuna.LineSync, error) {
	return nil, errPending
}
func (db *DB) LatestLineSync(context.Context, *kizuna.Account) (*kizuna.LineSync, error) {
	return nil, errPending
}
func (db *DB) Conversations(context.Context, *kizuna.Account, int, time.Time) ([]kizuna.Conversation, error) {
	return nil, errPending
}
func (db *DB) ChatMessages(context.Context, *kizuna.Account, string, int) ([]kizuna.ChatMessage, error) {
	return nil, errPending
}
func (db *DB) AddChatMessage(context.Context, *kizuna.Account, kizuna.ChatMessage) (*kizuna.ChatMessage, error) {
	return nil, errPending
}
