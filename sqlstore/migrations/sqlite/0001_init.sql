-- Kizuna schema, SQLite dialect. Times are microseconds since the Unix epoch
-- (*_us) and calendar dates are days since 1970-01-01 in the account's zone
-- (*_day), computed at write time, so that every comparison is integer
-- arithmetic that SQLite and PostgreSQL answer identically. Booleans are 0/1.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    timezone      TEXT    NOT NULL,
    created_at_us INTEGER NOT NULL
);

CREATE TABLE api_tokens (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    token_hash    TEXT    NOT NULL UNIQUE, -- SHA-256 of the token; the token itself is never stored
    created_at_us INTEGER NOT NULL
);

CREATE TABLE tags (
    id         INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE friends (
    id                     INTEGER PRIMARY KEY,
    account_id             INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    line_user_id           TEXT    NOT NULL,
    display_name           TEXT    NOT NULL,
    status                 TEXT    NOT NULL CHECK (status IN ('following', 'blocked')),
    added_at_us            INTEGER NOT NULL,
    added_day              INTEGER NOT NULL,
    shopify_linked         INTEGER NOT NULL,
    shopify_customer_id    TEXT,
    shopify_orders_count   INTEGER, -- NULL when not linked
    shopify_last_order_us  INTEGER,
    shopify_last_order_day INTEGER,
    shopify_abandoned_us   INTEGER, -- most recent abandoned cart (spec 3), NULL when none
    shopify_checkouts      TEXT,    -- JSON, for display only
    hubspot_linked         INTEGER NOT NULL,
    hubspot_contact_id     TEXT,
    klaviyo_linked         INTEGER NOT NULL,
    klaviyo_profile_id     TEXT,
    updated_at_us          INTEGER NOT NULL,
    UNIQUE (account_id, line_user_id)
);

-- The preview's sample order: most recently added first, ties by LINE user ID.
CREATE INDEX friends_by_added ON friends (account_id, added_at_us DESC, line_user_id);

CREATE TABLE friend_tags (
    friend_id INTEGER NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    tag_id    INTEGER NOT NULL REFERENCES tags (id) ON DELETE CASCADE,
    PRIMARY KEY (friend_id, tag_id)
) WITHOUT ROWID;
CREATE INDEX friend_tags_by_tag ON friend_tags (tag_id);

CREATE TABLE friend_shopify_tags (
    friend_id INTEGER NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    tag       TEXT    NOT NULL, -- as written
    tag_norm  TEXT    NOT NULL, -- NFKC + case fold
    PRIMARY KEY (friend_id, tag)
) WITHOUT ROWID;

-- HubSpot segment and Klaviyo list memberships.
CREATE TABLE friend_lists (
    friend_id INTEGER NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    source    TEXT    NOT NULL CHECK (source IN ('hubspot', 'klaviyo')),
    list_id   TEXT    NOT NULL,
    PRIMARY KEY (friend_id, source, list_id)
) WITHOUT ROWID;

-- HubSpot contact and Klaviyo profile properties, read every way a condition
-- can read them (kizuna.ReadProperty) when written.
CREATE TABLE friend_properties (
    friend_id INTEGER NOT NULL REFERENCES friends (id) ON DELETE CASCADE,
    source    TEXT    NOT NULL CHECK (source IN ('hubspot', 'klaviyo')),
    name      TEXT    NOT NULL,
    raw       TEXT    NOT NULL, -- the JSON value as imported
    known     INTEGER NOT NULL,
    text_norm TEXT,
    num       REAL,
    bool      INTEGER,
    day       INTEGER,
    PRIMARY KEY (friend_id, source, name)
) WITHOUT ROWID;

CREATE TABLE catalogs (
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source        TEXT    NOT NULL CHECK (source IN ('hubspot', 'klaviyo')),
    document      TEXT    NOT NULL,
    updated_at_us INTEGER NOT NULL,
    PRIMARY KEY (account_id, source)
);
