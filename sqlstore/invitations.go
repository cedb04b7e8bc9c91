package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kizuna-line/kizuna"
)

// invitationPrefix marks invitation tokens (the link's last segment).
const invitationPrefix = "kzi_"

// InviteMember invites an e-mail address to the account with a role. The
// answer is the same whether or not a user has the address: an invitation
// and its token, shown once. Nobody becomes a member before accepting. A
// pending invitation for the address is replaced (its old link stops
// working); a current member is ECONFLICT.
func (db *DB) InviteMember(ctx context.Context, a *kizuna.Account, email, role string) (*kizuna.Invited, error) {
	email, err := kizuna.CleanEmail(email)
	if err != nil {
		return nil, err
	}
	if err := kizuna.CheckRole(role); err != nil {
		return nil, err
	}
	now := db.Now().UTC().Truncate(time.Microsecond)
	out := &kizuna.Invited{Token: invitationPrefix + randomToken(),
		Invitation: kizuna.Invitation{Email: email, Role: role, CreatedAt: now, ExpiresAt: now.Add(kizuna.InvitationLifetime)}}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("invite member: %w", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.account_id = ? AND u.email = ?`), a.ID, email).Scan(&n); err != nil {
		return nil, fmt.Errorf("invite member: %w", err)
	}
	if n > 0 { // the account's own members are no secret to it
		return nil, kizuna.ErrorAt(kizuna.ECONFLICT, "email", "%s is already a member of this account", email)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM invitations WHERE account_id = ? AND email = ?`), a.ID, email); err != nil {
		return nil, fmt.Errorf("invite member: %w", err)
	}
	err = tx.QueryRowContext(ctx, db.q(`INSERT INTO invitations (account_id, email, role, token_hash, created_at_us, expires_at_us) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`),
		a.ID, email, role, hashToken(out.Token), now.UnixMicro(), out.Invitation.ExpiresAt.UnixMicro()).Scan(&out.Invitation.ID)
	if err != nil {
		if isUniqueViolation(err) { // invited at the same moment by another owner
			return nil, kizuna.ErrorAt(kizuna.ECONFLICT, "email", "%s was just invited by someone else; try again", email)
		}
		return nil, fmt.Errorf("invite member: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("invite member: %w", err)
	}
	return out, nil
}

// Invitations lists the account's pending invitations (not expired), by
// address.
func (db *DB) Invitations(ctx context.Context, a *kizuna.Account) ([]kizuna.Invitation, error) {
	rows, err := db.read.QueryContext(ctx, db.q(`SELECT id, email, role, created_at_us, expires_at_us FROM invitations
		WHERE account_id = ? AND expires_at_us > ? ORDER BY email`), a.ID, db.Now().UnixMicro())
	if err != nil {
		return nil, fmt.Errorf("invitations: %w", err)
	}
	defer rows.Close()
	out := []kizuna.Invitation{}
	for rows.Next() {
		var inv kizuna.Invitation
		var created, expires int64
		if err := rows.Scan(&inv.ID, &inv.Email, &inv.Role, &created, &expires); err != nil {
			return nil, fmt.Errorf("invitations: %w", err)
		}
		inv.CreatedAt, inv.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvitation withdraws a pending invitation of the account; its link
// stops working. Another account's invitation is ENOTFOUND.
func (db *DB) RevokeInvitation(ctx context.Context, a *kizuna.Account, id int64) error {
	res, err := db.write.ExecContext(ctx, db.q(`DELETE FROM invitations WHERE account_id = ? AND id = ?`), a.ID, id)
	if err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("revoke invitation: %w", err)
	} else if n == 0 {
		return kizuna.Errorf(kizuna.ENOTFOUND, "no pending invitation %d in account %q", id, a.Name)
	}
	return nil
}

// noInvitation is the one answer for a token that is unknown, expired,
// revoked or used.
func noInvitation() error {
	return kizuna.Errorf(kizuna.ENOTFOUND, "this invitation is not valid: it expired, was withdrawn or was already used")
}

// Invitation returns the offer behind an invitation token.
func (db *DB) Invitation(ctx context.Context, token string) (*kizuna.InvitationOffer, error) {
	return db.findInvitation(ctx, db.read, token)
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (db *DB) findInvitation(ctx context.Context, q queryer, token string) (*kizuna.InvitationOffer, error) {
	if !strings.HasPrefix(token, invitationPrefix) {
		return nil, noInvitation()
	}
	var o kizuna.InvitationOffer
	var created, expires, accountID int64
	err := q.QueryRowContext(ctx, db.q(`SELECT i.id, i.email, i.role, i.created_at_us, i.expires_at_us, a.id, a.name FROM invitations i
		JOIN accounts a ON a.id = i.account_id WHERE i.token_hash = ? AND i.expires_at_us > ?`), hashToken(token), db.Now().UnixMicro()).
		Scan(&o.ID, &o.Email, &o.Role, &created, &expires, &accountID, &o.AccountName)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noInvitation()
	} else if err != nil {
		return nil, fmt.Errorf("invitation: %w", err)
	}
	o.CreatedAt, o.ExpiresAt = time.UnixMicro(created).UTC(), time.UnixMicro(expires).UTC()
	return &o, nil
}

// AcceptInvitation makes u a member of the invitation's account with its
// role, and uses the invitation up. Only the user of the invited address
// may (EUNAUTHORIZED for anyone else); someone already a member keeps
// their role.
func (db *DB) AcceptInvitation(ctx context.Context, token string, u *kizuna.User) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	defer tx.Rollback()
	if err := db.accept(ctx, tx, token, u); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	return nil
}

func (db *DB) accept(ctx context.Context, tx *sql.Tx, token string, u *kizuna.User) error {
	o, err := db.findInvitation(ctx, tx, token)
	if err != nil {
		return err
	}
	if !strings.EqualFold(o.Email, u.Email) {
		return kizuna.Errorf(kizuna.EUNAUTHORIZED, "this invitation is for %s: sign in with that address to accept it", o.Email)
	}
	if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO memberships (user_id, account_id, role) SELECT ?, account_id, role FROM invitations WHERE id = ?
		ON CONFLICT (user_id, account_id) DO NOTHING`), u.ID, o.ID); err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM invitations WHERE id = ?`), o.ID); err != nil {
		return fmt.Errorf("accept invitation: %w", err)
	}
	return nil
}

// AcceptInvitationWithPassword accepts an invitation for someone not
// signed in: if the invited address has a user, pw must be its password
// (EUNAUTHORIZED otherwise, like a failed sign-in); if not, a user is
// created with pw as its password (EINVALID if too short). It returns the
// user, now a member, to sign in. Either way it hashes pw once.
func (db *DB) AcceptInvitationWithPassword(ctx context.Context, token, pw string) (*kizuna.User, error) {
	o, err := db.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	wrong := func() error {
		return &kizuna.Error{Code: kizuna.EUNAUTHORIZED, Message: "the password is wrong", Path: "password"}
	}
	var n int
	if err := db.read.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM users WHERE email = ?`), o.Email).Scan(&n); err != nil {
		return nil, fmt.Errorf("accept invitation: %w", err)
	}
	var u *kizuna.User
	if n > 0 {
		if u, err = db.Authenticate(ctx, o.Email, pw); kizuna.ErrorCode(err) == kizuna.EUNAUTHORIZED {
			return nil, wrong()
		} else if err != nil {
			return nil, err
		}
	} else if u, err = db.CreateUser(ctx, o.Email, pw, ""); err != nil {
		if kizuna.ErrorCode(err) == kizuna.ECONFLICT { // created meanwhile: sign in instead
			return nil, wrong()
		}
		return nil, err
	}
	if err := db.AcceptInvitation(ctx, token, u); err != nil {
		return nil, err
	}
	return u, nil
}
