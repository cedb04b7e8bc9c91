-- Every import bumps its account's friends_version in the same transaction,
-- so a process holding an in-memory index can tell, with one primary-key
-- read, whether any process has written the account's friends since.
ALTER TABLE accounts ADD COLUMN friends_version BIGINT NOT NULL DEFAULT 0;
