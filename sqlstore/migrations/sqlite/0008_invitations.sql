-- Invitations (issue 9): adding a member by e-mail address offers the role;
-- the membership exists only once the person of that address accepts.
-- Tokens are stored as SHA-256 hashes, like session and API tokens. One
-- pending invitation per account and address: inviting again replaces it.
CREATE TABLE invitations (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email         TEXT    NOT NULL, -- lower case
    role          TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    token_hash    TEXT    NOT NULL UNIQUE,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL,
    UNIQUE (account_id, email)
);
