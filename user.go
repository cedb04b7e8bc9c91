package kizuna

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// User is a person who signs in. A user belongs to accounts (LINE Official
// Accounts of one workspace) with a role in each.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Lang      string    `json:"lang"` // "en", "ja", or "" (from the browser)
	CreatedAt time.Time `json:"created_at"`
}

// Roles of a user in an account.
const (
	RoleOwner  = "owner"
	RoleMember = "member"
)

// Membership is a user's role in an account.
type Membership struct {
	Account *Account `json:"account"`
	Role    string   `json:"role"`
}

// MinPasswordLength is the shortest password accepted, in characters.
const MinPasswordLength = 10

// CleanEmail checks an e-mail address and returns it in the form stored and
// compared: trimmed, lower case.
func CleanEmail(email string) (string, error) {
	// Checked before lower-casing, which would turn invalid bytes into U+FFFD.
	if err := CheckText(EINVALID, "email", "the e-mail address", email); err != nil {
		return "", err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if n := utf8.RuneCountInString(email); n > MaxEmail {
		return "", ErrorAt(EINVALID, "email", "an e-mail address has at most %d characters", MaxEmail)
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || !strings.Contains(email[strings.IndexByte(email, '@')+1:], ".") {
		return "", &Error{Code: EINVALID, Message: "enter an e-mail address such as name@example.com", Path: "email"}
	}
	return email, nil
}

// CheckPassword refuses a password too short to be safe.
func CheckPassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return &Error{Code: EINVALID, Message: "the password needs at least 10 characters", Path: "password"}
	}
	return nil
}

// Member is a user's place in an account, as the account's member list
// shows it.
type Member struct {
	UserID int64  `json:"user_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

// InvitationLifetime is how long an invitation can be accepted.
const InvitationLifetime = 7 * 24 * time.Hour

// Invitation is an account's pending offer of a role to an e-mail address.
// Nobody gets access before the person of that address accepts it, signed
// in as that address (or choosing the password of a new user).
type Invitation struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Invited is the answer to adding a member: always an invitation, whether
// or not the address has a user (the answer must not tell), and its
// token, shown once (Kizuna sends no e-mail: the owner hands the link
// over; only the token's hash is stored).
type Invited struct {
	Invitation Invitation `json:"invitation"`
	Token      string     `json:"token"`
}

// InvitationOffer is what an invitation's link shows its holder: which
// account offers which role to which address.
type InvitationOffer struct {
	Invitation
	AccountName string `json:"account"`
}

// CheckRole refuses a role other than owner or member.
func CheckRole(role string) error {
	if role != RoleOwner && role != RoleMember {
		return &Error{Code: EINVALID, Message: `role must be "owner" or "member"`, Path: "role"}
	}
	return nil
}
