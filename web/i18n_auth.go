package web

// authMessages are the words of signing in, invitations and the security
// refusals, in English and Japanese.
var authMessages = map[string][2]string{
	"busy":        {"Many passwords are being checked right now. Wait a few seconds and try again.", "現在パスワードの確認が混み合っています。数秒待ってから再度お試しください。"},
	"signin.busy": {"Many sign-ins are being checked right now. Wait a few seconds and try again.", "現在ログインの確認が混み合っています。数秒待ってから再度お試しください。"},

	// The invitation page.
	"invite.title":         {"Invitation", "招待"},
	"invite.invalid":       {"This invitation is not valid: it expired, was withdrawn or was already used. Ask the account's owner for a new one.", "この招待は無効です（期限切れ、取り消し済み、または使用済みです）。アカウントのオーナーに新しい招待を依頼してください。"},
	"invite.offer":         {"You are invited to the account %s as %s, for the address %s.", "アカウント「%s」に%sとして招待されています（宛先：%s）。"},
	"invite.expires":       {"Valid until %s (UTC).", "有効期限：%s（UTC）"},
	"invite.accept":        {"Accept and Join", "承認して参加"},
	"invite.password":      {"Password", "パスワード"},
	"invite.password.note": {"If you already sign in to Kizuna with this address, enter that password. If not, choose a password of 10 characters or more: it becomes your sign-in.", "このメールアドレスですでにKizunaを利用している場合は、そのパスワードを入力してください。まだの場合は、10文字以上のパスワードを決めて入力してください（今後のログインに使います）。"},
	"invite.wrong":         {"The password is wrong.", "パスワードが正しくありません。"},
	"invite.other":         {"You are signed in as %s, but this invitation is for %s. Sign out, then open the link again.", "%s としてログインしていますが、この招待は %s 宛てです。ログアウトしてから、もう一度リンクを開いてください。"},

	// Settings: inviting and pending invitations.
	"members.invite.send":      {"Invite", "招待する"},
	"members.invite.note":      {"An invited person becomes a member only after opening the link and accepting.", "招待された人は、リンクを開いて承認するとメンバーになります。"},
	"members.invited":          {"Invitation for %s created. Send them this link; it works once, for 7 days:", "%s への招待を作成しました。このリンクを本人に送ってください（7日間、1回のみ有効）："},
	"members.link.once":        {"The link will not be shown again.", "このリンクは二度と表示されません。"},
	"invitations.pending":      {"Pending invitations", "承認待ちの招待"},
	"invitations.expires":      {"Valid until", "有効期限"},
	"invitations.revoke":       {"Withdraw", "取り消す"},
	"invitations.revoke.label": {"Withdraw the invitation for %s", "%s への招待を取り消す"},
	"invitations.none":         {"No pending invitations.", "承認待ちの招待はありません。"},
}
