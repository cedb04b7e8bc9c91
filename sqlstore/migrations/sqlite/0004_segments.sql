-- Saved segments (issue 4), their folders, and the record of every change.
CREATE TABLE folders (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    created_at_us INTEGER NOT NULL,
    UNIQUE (account_id, name)
);

CREATE TABLE segments (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    folder_id      INTEGER REFERENCES folders (id),
    name           TEXT    NOT NULL,
    filter         TEXT    NOT NULL, -- canonical filter JSON
    count          INTEGER,          -- the last count computed, and when
    counted_at_us  INTEGER,
    created_at_us  INTEGER NOT NULL,
    updated_at_us  INTEGER NOT NULL,
    deleted_at_us  INTEGER           -- soft delete: restorable for 30 days
);
CREATE INDEX segments_by_account ON segments (account_id, deleted_at_us);

CREATE TABLE segment_changes (
    id            INTEGER PRIMARY KEY,
    segment_id    INTEGER NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
    at_us         INTEGER NOT NULL,
    actor         TEXT    NOT NULL,
    action        TEXT    NOT NULL,
    name_before   TEXT,
    name_after    TEXT,
    filter_before TEXT,
    filter_after  TEXT
);
CREATE INDEX segment_changes_by_segment ON segment_changes (segment_id, id);
