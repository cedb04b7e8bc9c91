-- The change log: every write to an account's friends bumps
-- accounts.friends_version and adds the row of that version here, in the
-- same transaction, listing the LINE user IDs it wrote (a JSON array), or
-- NULL when there were too many to list. A process holding an in-memory
-- index reads the rows after its index's version and re-reads only those
-- friends. Rows are pruned after an hour (sqlstore.changeRetention).
CREATE TABLE friend_changes (
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    version       INTEGER NOT NULL,
    created_at_us INTEGER NOT NULL,
    line_user_ids TEXT,
    PRIMARY KEY (account_id, version)
);
