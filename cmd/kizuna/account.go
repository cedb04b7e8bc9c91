package main

import (
	"context"
	"fmt"

	"github.com/kizuna-line/kizuna"
)

// accountCreate: kizuna account create NAME [--timezone ZONE].
func (c *cmd) accountCreate(ctx context.Context, args []string) error {
	fs, db := c.flags("account create")
	zone := fs.String("timezone", kizuna.DefaultTimeZone, "IANA time zone of the account")
	pos, err := c.parse(fs, args, 1, 1, "one account NAME")
	if err != nil {
		return err
	}
	store, err := c.open(ctx, *db)
	if err != nil {
		return err
	}
	defer store.Close()
	a, err := store.CreateAccount(ctx, pos[0], *zone)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "created account %s (time zone %s)\n", a.Name, a.TimeZone)
	return nil
}

// tokenCreate: kizuna token create --account NAME. It prints the token and nothing else.
func (c *cmd) tokenCreate(ctx context.Context, args []string) error {
	fs, db := c.flags("token create")
	account := fs.String("account", "", "account name")
	if _, err := c.parse(fs, args, 0, 0, "no arguments besides --account"); err != nil {
		return err
	}
	if *account == "" {
		return &usageError{"token create needs --account NAME"}
	}
	store, a, err := c.openAccount(ctx, *db, *account)
	if err != nil {
		return err
	}
	defer store.Close()
	token, err := store.CreateToken(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, token)
	return nil
}
