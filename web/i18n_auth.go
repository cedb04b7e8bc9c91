package web

// authMessages are the words of signing in, invitations and the security
// refusals, in English and Japanese.
var authMessages = map[string][2]string{
	"busy":        {"Many passwords are being checked right now. Wait a few seconds and try again.", "現在パスワードの確認が混み合っています。数秒待ってから再度お試しください。"},
	"signin.busy": {"Many sign-ins are being checked right now. Wait a few seconds and try again.", "現在ログインの確認が混み合っています。数秒待ってから再度お試しください。"},
}
