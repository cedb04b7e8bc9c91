package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/kizuna-line/kizuna"
)

// userCreate: kizuna user create --email EMAIL [--account NAME] [--role owner|member] [--lang en|ja].
// The password is the first line of standard input, so that it never shows
// in the process list or the shell's history.
func (c *cmd) userCreate(ctx context.Context, args []string) error {
	fs, db := c.flags("user create")
	email := fs.String("email", "", "the user's e-mail address (signs in with it)")
	account := fs.String("account", "", "give the user a role in this account")
	role := fs.String("role", kizuna.RoleOwner, "the role in --account: owner or member")
	lang := fs.String("lang", "", "the user's language, en or ja (default: the browser's)")
	if _, err := c.parse(fs, args, 0, 0, "no arguments besides the flags"); err != nil {
		return err
	}
	if *email == "" {
		return &usageError{"user create needs --email EMAIL, and the password on standard input"}
	}
	if *account != "" { // refused before the user exists: no user left without its account
		if err := kizuna.CheckRole(*role); err != nil {
			return &usageError{"--role must be owner or member"}
		}
	}
	line, err := bufio.NewReader(c.stdin).ReadString('\n')
	if err != nil && line == "" {
		return &usageError{"user create reads the password from standard input: echo 'a long password' | kizuna user create --email ..."}
	}
	pw := strings.TrimRight(line, "\r\n")
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	var a *kizuna.Account
	if *account != "" {
		if a, err = store.FindAccount(ctx, *account); err != nil {
			return err
		}
	}
	u, err := store.CreateUser(ctx, *email, pw, *lang)
	if err != nil {
		return err
	}
	if a != nil {
		if err := store.AddMember(ctx, u, a, *role); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "created user %s, %s of %s\n", u.Email, *role, a.Name)
		return nil
	}
	fmt.Fprintf(c.stdout, "created user %s\n", u.Email)
	return nil
}
