-- Message broadcasts (issue 10): a broadcast sends its messages to a saved
-- segment's members now, once at an instant, or again and again. Each
-- sending is a run; a run's recipients are taken once, when it starts, and
-- split into batches of at most 500, each with the X-Line-Retry-Key it is
-- sent with on every attempt, so that no friend gets a run's message twice.
CREATE TABLE broadcasts (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    segment_id     INTEGER NOT NULL REFERENCES segments (id),
    messages       TEXT    NOT NULL, -- JSON array of LINE message objects
    schedule       TEXT    NOT NULL, -- JSON kizuna.Schedule
    status         TEXT    NOT NULL CHECK (status IN ('scheduled', 'recurring', 'sending', 'sent', 'canceled')),
    next_run_at_us INTEGER,          -- NULL unless scheduled or recurring
    created_by     TEXT    NOT NULL,
    updated_by     TEXT    NOT NULL, -- who made the last edit (or cancel), for a stale editor's refusal
    created_at_us  INTEGER NOT NULL,
    updated_at_us  INTEGER NOT NULL,
    version        BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX broadcasts_by_account ON broadcasts (account_id, id);
CREATE INDEX broadcasts_by_segment ON broadcasts (segment_id, status);
-- The sender's question, every few seconds: which broadcasts are due?
CREATE INDEX broadcasts_due ON broadcasts (status, next_run_at_us);

CREATE TABLE broadcast_runs (
    id               INTEGER PRIMARY KEY,
    broadcast_id     INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    account_id       INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    scheduled_for_us INTEGER NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'partial', 'failed', 'canceled')),
    messages         TEXT    NOT NULL, -- the broadcast's messages when the run was created: every retry sends this body
    started_at_us    INTEGER,
    finished_at_us   INTEGER,
    matched          INTEGER NOT NULL DEFAULT 0,
    following        INTEGER NOT NULL DEFAULT 0,
    quota_remaining  INTEGER,          -- NULL: no limit, or unknown
    quota_allows     INTEGER NOT NULL DEFAULT 0,
    stop_reason      TEXT,
    UNIQUE (broadcast_id, scheduled_for_us)
);
CREATE INDEX broadcast_runs_by_account ON broadcast_runs (account_id, broadcast_id);
CREATE INDEX broadcast_runs_open ON broadcast_runs (scheduled_for_us) WHERE status IN ('pending', 'sending');

CREATE TABLE broadcast_batches (
    id             INTEGER PRIMARY KEY,
    run_id         INTEGER NOT NULL REFERENCES broadcast_runs (id) ON DELETE CASCADE,
    seq            INTEGER NOT NULL,
    retry_key      TEXT    NOT NULL UNIQUE, -- UUID v4, stored before the first attempt
    recipients     TEXT    NOT NULL,        -- JSON array of LINE user IDs
    n              INTEGER NOT NULL,        -- how many recipients
    status         TEXT    NOT NULL CHECK (status IN ('pending', 'accepted', 'failed', 'unsent')),
    request_id     TEXT,                    -- LINE's x-line-request-id (or the 409's accepted one)
    attempts       INTEGER NOT NULL DEFAULT 0,
    error          TEXT,                    -- LINE's message for a failed batch; the reason for an unsent one
    finished_at_us INTEGER,
    UNIQUE (run_id, seq)
);
CREATE INDEX broadcast_batches_pending ON broadcast_batches (run_id, seq) WHERE status = 'pending';
