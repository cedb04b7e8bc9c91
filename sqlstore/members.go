package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/kizuna-line/kizuna"
)

// Members lists the account's members by e-mail address.
func (db *DB) Members(ctx context.Context, a *kizuna.Account) ([]kizuna.Member, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT u.id, u.email, m.role FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.account_id = ? ORDER BY u.email`), a.ID)
	if err != nil {
		return nil, fmt.Errorf("members: %w", err)
	}
	defer rows.Close()
	out := []kizuna.Member{}
	for rows.Next() {
		var m kizuna.Member
		if err := rows.Scan(&m.UserID, &m.Email, &m.Role); err != nil {
			return nil, fmt.Errorf("members: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// SetMemberRole changes a member's role. Demoting the account's last owner
// is ECONFLICT: an account always has an owner to manage it.
func (db *DB) SetMemberRole(ctx context.Context, a *kizuna.Account, userID int64, role string) error {
	if err := kizuna.CheckRole(role); err != nil {
		return err
	}
	return db.changeMember(ctx, a, userID, role == kizuna.RoleMember, "demote", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`UPDATE memberships SET role = ? WHERE account_id = ? AND user_id = ?`), role, a.ID, userID)
		return err
	})
}

// RemoveMember takes a user out of the account (the user stays, with any
// other accounts). Removing the last owner is ECONFLICT.
func (db *DB) RemoveMember(ctx context.Context, a *kizuna.Account, userID int64) error {
	return db.changeMember(ctx, a, userID, true, "remove", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM memberships WHERE account_id = ? AND user_id = ?`), a.ID, userID)
		return err
	})
}

// changeMember runs change on a member of the account in a transaction that
// holds the account's memberships still, after checking that the member
// exists and, when the change takes an owner away (losesOwner), that
// another owner remains.
func (db *DB) changeMember(ctx context.Context, a *kizuna.Account, userID int64, losesOwner bool, what string, change func(*sql.Tx) error) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s member: %w", what, err)
	}
	defer tx.Rollback()
	lock := ""
	if db.d.name == "postgres" {
		lock = " FOR UPDATE" // two owners demoting each other at once must not leave none
	}
	rows, err := tx.QueryContext(ctx, db.q(`SELECT user_id, role FROM memberships WHERE account_id = ?`+lock), a.ID)
	if err != nil {
		return fmt.Errorf("%s member: %w", what, err)
	}
	owners, role := 0, ""
	for rows.Next() {
		var id int64
		var r string
		if err := rows.Scan(&id, &r); err != nil {
			rows.Close()
			return fmt.Errorf("%s member: %w", what, err)
		}
		if r == kizuna.RoleOwner {
			owners++
		}
		if id == userID {
			role = r
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s member: %w", what, err)
	}
	if role == "" {
		return kizuna.Errorf(kizuna.ENOTFOUND, "user %d is not a member of account %q", userID, a.Name)
	}
	if losesOwner && role == kizuna.RoleOwner && owners == 1 {
		return &kizuna.Error{Code: kizuna.ECONFLICT, Message: "this is the account's only owner: make someone else an owner first", Path: "role"}
	}
	if err := change(tx); err != nil {
		return fmt.Errorf("%s member: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s member: %w", what, err)
	}
	return nil
}

// ChangePassword sets a new password for u after checking the current one,
// and ends the user's other sessions (keep is the session token to keep).
// A wrong current password is EUNAUTHORIZED; a short new one EINVALID.
func (db *DB) ChangePassword(ctx context.Context, u *kizuna.User, current, next, keep string) error {
	if err := kizuna.CheckPassword(next); err != nil {
		return err
	}
	var hash string
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT password_hash FROM users WHERE id = ?`), u.ID).Scan(&hash); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return kizuna.Errorf(kizuna.ENOTFOUND, "no user %d", u.ID)
		}
		return fmt.Errorf("change password: %w", err)
	}
	ok, err := db.Passwords.Check(ctx, hash, current)
	if err != nil {
		return hashError("change password", err)
	}
	if !ok {
		return &kizuna.Error{Code: kizuna.EUNAUTHORIZED, Message: "the current password is wrong", Path: "current"}
	}
	newHash, err := db.Passwords.Hash(ctx, next)
	if err != nil {
		return hashError("change password", err)
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	defer tx.Rollback()
	// Only if the hash is still the one checked: two changes at once cannot
	// both pass with the same current password.
	res, err := tx.ExecContext(ctx, db.q(`UPDATE users SET password_hash = ? WHERE id = ? AND password_hash = ?`), newHash, u.ID, hash)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("change password: %w", err)
	} else if n == 0 {
		return &kizuna.Error{Code: kizuna.EUNAUTHORIZED, Message: "the current password is wrong", Path: "current"}
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?`), u.ID, hashToken(keep)); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	return nil
}
