-- Syncs of an account's sources (issue 11): backfills, polls and
-- reconciles, each with the cursor it reached, so that one cut short
-- resumes from there; the freshness shown to people is read from them.
CREATE TABLE source_syncs (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source         TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    kind           TEXT    NOT NULL CHECK (kind IN ('backfill', 'poll', 'reconcile')),
    status         TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    cursor         TEXT    NOT NULL DEFAULT '',
    started_at_us  INTEGER NOT NULL,
    heartbeat_us   INTEGER NOT NULL,
    finished_at_us INTEGER,
    records        INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    owner          TEXT    NOT NULL DEFAULT '' -- who runs it (a job's ID): it resumes its own sync at once
);
CREATE INDEX source_syncs_by_source ON source_syncs (account_id, source, id);
