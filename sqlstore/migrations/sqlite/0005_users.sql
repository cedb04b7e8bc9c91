-- People who sign in (issue 4): users, their role in each account, and
-- their sessions. Session tokens are stored as SHA-256 hashes, like API
-- tokens; the CSRF token of a session is not a credential on its own.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE, -- lower case
    password_hash TEXT    NOT NULL,        -- Argon2id, PHC string format
    lang          TEXT    NOT NULL DEFAULT '',
    created_at_us INTEGER NOT NULL
);

CREATE TABLE memberships (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'member')),
    PRIMARY KEY (user_id, account_id)
);

CREATE TABLE sessions (
    token_hash    TEXT    PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token    TEXT    NOT NULL,
    created_at_us INTEGER NOT NULL,
    expires_at_us INTEGER NOT NULL
);
