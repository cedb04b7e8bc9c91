-- LINE (issue 10): an account's channel, the webhook events it received,
-- Chat's messages, follower syncs, and what LINE tells about each friend.

-- The channel's secret and access token are sealed (AES-256-GCM, the
-- server's key, bound to the account and purpose): never stored in clear.
CREATE TABLE line_channels (
    account_id      INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    api_base        TEXT    NOT NULL,
    bot_user_id     TEXT    NOT NULL,
    bot_name        TEXT    NOT NULL,
    secret_sealed   BLOB    NOT NULL,
    token_sealed    BLOB    NOT NULL,
    connected_at_us INTEGER NOT NULL,
    connected_by    TEXT    NOT NULL
);

-- Every webhook event, once per webhookEventId: a redelivery finds its row
-- and changes nothing. Rows are pruned after sqlstore.WebhookEventRetention.
CREATE TABLE line_webhook_events (
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    event_id       TEXT    NOT NULL,
    type           TEXT    NOT NULL,
    line_user_id   TEXT    NOT NULL, -- '' when the source has none
    at_us          INTEGER NOT NULL, -- the event's timestamp
    received_at_us INTEGER NOT NULL,
    raw            TEXT    NOT NULL, -- the event's JSON as LINE sent it
    PRIMARY KEY (account_id, event_id)
);
CREATE INDEX line_webhook_events_by_received ON line_webhook_events (account_id, received_at_us);

-- Chat: messages from friends (in, from webhooks) and our replies (out).
CREATE TABLE chat_messages (
    id              INTEGER PRIMARY KEY,
    account_id      INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    line_user_id    TEXT    NOT NULL,
    direction       TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    type            TEXT    NOT NULL,
    text            TEXT    NOT NULL,
    at_us           INTEGER NOT NULL,
    line_message_id TEXT    NOT NULL, -- '' when LINE gave none
    sent_by         TEXT    NOT NULL  -- who replied; '' for messages in
);
-- A conversation, latest first; and the list of conversations, walked from
-- the latest message down (each row checked against the first index for a
-- later message of its friend).
CREATE INDEX chat_messages_by_friend ON chat_messages (account_id, line_user_id, at_us, id);
CREATE INDEX chat_messages_by_latest ON chat_messages (account_id, at_us, id);

-- Follower syncs: followers/ids pages applied to friends; at the end, the
-- following friends no page returned are blocked.
CREATE TABLE line_syncs (
    id             INTEGER PRIMARY KEY,
    account_id     INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    status         TEXT    NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    started_at_us  INTEGER NOT NULL,
    finished_at_us INTEGER,
    heartbeat_us   INTEGER NOT NULL, -- the last sign of life of the process running it
    pages          INTEGER NOT NULL DEFAULT 0,
    seen           INTEGER NOT NULL DEFAULT 0,
    added          INTEGER NOT NULL DEFAULT 0,
    blocked        INTEGER NOT NULL DEFAULT 0,
    error          TEXT    NOT NULL DEFAULT '',
    error_code     TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX line_syncs_by_account ON line_syncs (account_id, id);

-- added_estimated: the added date is a follower sync's time, not one LINE
-- or an import gave (0/1). line_seen_us: the last time LINE said the friend
-- follows (a follow event, a sync page). line_status_us: the time of the
-- LINE fact that last set the status (an event's timestamp, a sync's page
-- or start), so that an older event delivered late does not undo it.
ALTER TABLE friends ADD COLUMN added_estimated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE friends ADD COLUMN line_seen_us INTEGER;
ALTER TABLE friends ADD COLUMN line_status_us INTEGER;
