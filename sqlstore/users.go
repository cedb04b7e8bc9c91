package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
	"github.com/kizuna-line/kizuna/internal/password"
)

// SessionLifetime is how long a sign-in lasts.
const SessionLifetime = 14 * 24 * time.Hour

// sessionPrefix marks session tokens (cookie values).
const sessionPrefix = "kzs_"

// CreateUser adds a user who signs in with email and password; lang is
// "en", "ja" or "" (follow the browser).
func (db *DB) CreateUser(ctx context.Context, email, pw, lang string) (*kizuna.User, error) {
	email, err := kizuna.CleanEmail(email)
	if err != nil {
		return nil, err
	}
	if err := kizuna.CheckPassword(pw); err != nil {
		return nil, err
	}
	if lang != "" && lang != "en" && lang != "ja" {
		return nil, &kizuna.Error{Code: kizuna.EINVALID, Message: "lang must be \"en\", \"ja\" or empty", Path: "lang"}
	}
	hash, err := db.Passwords.Hash(ctx, pw)
	if err != nil {
		return nil, hashError("create user", err)
	}
	u := &kizuna.User{Email: email, Lang: lang, CreatedAt: db.Now().UTC().Truncate(time.Microsecond)}
	err = db.write.QueryRowContext(ctx, db.q(`INSERT INTO users (email, password_hash, lang, created_at_us) VALUES (?, ?, ?, ?) RETURNING id`),
		email, hash, lang, u.CreatedAt.UnixMicro()).Scan(&u.ID)
	if err != nil {
		if isUniqueViolation(err) {
			return nil, kizuna.ErrorAt(kizuna.ECONFLICT, "email", "a user with the e-mail address %q already exists", email)
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return u, nil
}

// isUniqueViolation reports whether err is a unique constraint's refusal.
func isUniqueViolation(err error) bool {
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505")
}

// Authenticate returns the user with this e-mail address and password. Any
// mismatch is the same EUNAUTHORIZED, and an unknown address costs a hash
// like a known one, so that answers do not tell which addresses exist.
func (db *DB) Authenticate(ctx context.Context, email, pw string) (*kizuna.User, error) {
	u := &kizuna.User{}
	hash := dummyHash // for an unknown address: the same work as a known one
	var created int64
	// Text PostgreSQL cannot hold names no user, and could not be looked up.
	if kizuna.CheckText(kizuna.EINVALID, "email", "the e-mail address", email) == nil {
		email = strings.ToLower(strings.TrimSpace(email))
		err := db.read.QueryRowContext(ctx, db.q(`SELECT id, email, password_hash, lang, created_at_us FROM users WHERE email = ?`), email).
			Scan(&u.ID, &u.Email, &hash, &u.Lang, &created)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("sign in: %w", err)
		}
	}
	ok, err := db.Passwords.Check(ctx, hash, pw)
	if err != nil {
		return nil, hashError("sign in", err)
	}
	if !ok || u.ID == 0 {
		return nil, kizuna.Errorf(kizuna.EUNAUTHORIZED, "the e-mail address or the password is wrong")
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, nil
}

// dummyHash is checked against when no user has the address: a hash of a
// password nobody has, with the same parameters as every stored hash, so an
// unknown address costs the same time and memory as a known one.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$gmVqfx6inATTyVGFqQH7vA$rHUpwXaBgCFMbY08Kqlh0GXMcfBaJxEOQlEzh2dGsdA"

// hashError turns the password bound's refusal into EUNAVAILABLE (the
// server is busy: try again in a moment) and wraps anything else.
func hashError(op string, err error) error {
	if errors.Is(err, password.ErrBusy) {
		return kizuna.Errorf(kizuna.EUNAVAILABLE, "too many passwords are being checked right now; try again in a moment")
	}
	return fmt.Errorf("%s: %w", op, err)
}

// AddMember gives a user a role in an account (or changes it).
func (db *DB) AddMember(ctx context.Context, u *kizuna.User, a *kizuna.Account, role string) error {
	if err := kizuna.CheckRole(role); err != nil {
		return err
	}
	_, err := db.write.ExecContext(ctx, db.q(`INSERT INTO memberships (user_id, account_id, role) VALUES (?, ?, ?)
		ON CONFLICT (user_id, account_id) DO UPDATE SET role = excluded.role`), u.ID, a.ID, role)
	if err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

// Memberships lists the accounts a user belongs to, by name, in one query
// (every signed-in page asks for them).
func (db *DB) Memberships(ctx context.Context, u *kizuna.User) ([]kizuna.Membership, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT a.id, a.name, a.timezone, a.created_at_us, m.role
		FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.user_id = ? ORDER BY a.name`), u.ID)
	if err != nil {
		return nil, fmt.Errorf("memberships: %w", err)
	}
	defer rows.Close()
	out := []kizuna.Membership{}
	for rows.Next() {
		var m kizuna.Membership
		var err error
		if m.Account, err = scanAccount(rows, &m.Role); err != nil {
			return nil, fmt.Errorf("memberships: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateSession signs a user in: it returns the session token (for a
// cookie; only its hash is stored) and the session's CSRF token.
func (db *DB) CreateSession(ctx context.Context, u *kizuna.User) (token, csrf string, err error) {
	token, csrf = sessionPrefix+randomToken(), randomToken()
	now := db.Now()
	if _, err := db.write.ExecContext(ctx, db.q(`INSERT INTO sessions (token_hash, user_id, csrf_token, created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?)`),
		hashToken(token), u.ID, csrf, now.UnixMicro(), now.Add(SessionLifetime).UnixMicro()); err != nil {
		return "", "", fmt.Errorf("create session: %w", err)
	}
	return token, csrf, nil
}

// Session returns the user signed in with a session token and the session's
// CSRF token, or EUNAUTHORIZED when the token is unknown or expired.
func (db *DB) Session(ctx context.Context, token string) (*kizuna.User, string, error) {
	if !strings.HasPrefix(token, sessionPrefix) {
		return nil, "", kizuna.Errorf(kizuna.EUNAUTHORIZED, "not signed in")
	}
	u := &kizuna.User{}
	var csrf string
	var created int64
	err := db.read.QueryRowContext(ctx, db.q(`SELECT u.id, u.email, u.lang, u.created_at_us, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = ? AND s.expires_at_us > ?`), hashToken(token), db.Now().UnixMicro()).Scan(&u.ID, &u.Email, &u.Lang, &created, &csrf)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", kizuna.Errorf(kizuna.EUNAUTHORIZED, "not signed in")
	} else if err != nil {
		return nil, "", fmt.Errorf("session: %w", err)
	}
	u.CreatedAt = time.UnixMicro(created).UTC()
	return u, csrf, nil
}

// DeleteSession signs a session out.
func (db *DB) DeleteSession(ctx context.Context, token string) error {
	if _, err := db.write.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE token_hash = ?`), hashToken(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// SetUserLang saves a user's language: "en", "ja" or "" (follow the
// browser). Any other value is EINVALID and changes nothing; an unknown
// user is ENOTFOUND. On success u.Lang is lang.
func (db *DB) SetUserLang(ctx context.Context, u *kizuna.User, lang string) error {
	if lang != "" && lang != "en" && lang != "ja" {
		return &kizuna.Error{Code: kizuna.EINVALID, Message: "lang must be \"en\", \"ja\" or empty", Path: "lang"}
	}
	res, err := db.write.ExecContext(ctx, db.q(`UPDATE users SET lang = ? WHERE id = ?`), lang, u.ID)
	if err != nil {
		return fmt.Errorf("set user language: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("set user language: %w", err)
	} else if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no user %d", u.ID)
	}
	u.Lang = lang
	return nil
}
