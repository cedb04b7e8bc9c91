-- Records synced from the sources (issue 11) and their links to friends.
-- A record's data is kept in the import format's shape (JSON), with its
-- own update time (an older write loses) and the LINE user ID it claims.
CREATE TABLE source_records (
    account_id    BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source        TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    record_id     TEXT    NOT NULL,
    claimed       TEXT    NOT NULL, -- the LINE user ID the record carries, '' when none
    updated_at_us BIGINT  NOT NULL,
    deleted       INTEGER NOT NULL,
    data          TEXT    NOT NULL,
    PRIMARY KEY (account_id, source, record_id)
);

-- One record per friend and one friend per record, per source. A friend's
-- source data is its linked record's (written when either changes).
CREATE TABLE source_links (
    account_id   BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source       TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    line_user_id TEXT    NOT NULL,
    record_id    TEXT    NOT NULL,
    how          TEXT    NOT NULL CHECK (how IN ('claimed', 'api', 'manual')),
    linked_at_us BIGINT  NOT NULL,
    PRIMARY KEY (account_id, source, line_user_id),
    UNIQUE (account_id, source, record_id)
);
