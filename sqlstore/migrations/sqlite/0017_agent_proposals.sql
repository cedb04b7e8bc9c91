-- The agent's proposals (issue 12): the proposal as answered, kept until
-- it is approved (creating its segment) or cancelled. Open ones past a
-- bound per account are forgotten, oldest first.
CREATE TABLE agent_proposals (
    id            INTEGER PRIMARY KEY,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    actor         TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('open', 'approved', 'cancelled')),
    segment_id    INTEGER REFERENCES segments (id) ON DELETE SET NULL,
    decided_by    TEXT,
    created_at_us INTEGER NOT NULL,
    decided_at_us INTEGER,
    body          TEXT    NOT NULL
);
CREATE INDEX agent_proposals_open ON agent_proposals (account_id, status, id);
