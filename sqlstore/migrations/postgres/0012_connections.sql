-- Integrations (issue 11): an account's connections to Shopify, HubSpot
-- and Klaviyo. The credentials (a JSON object of them) are sealed
-- (AES-256-GCM, the server's key, bound to the account and source): never
-- stored in clear. An account with no row for a source counts as
-- connected to it when it has imported data of it (the import is then its
-- source); a row says so for sure.
CREATE TABLE integration_connections (
    account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source          TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    api_base        TEXT    NOT NULL,
    config          TEXT    NOT NULL, -- JSON object of strings, nothing secret
    secrets_sealed  BYTEA   NOT NULL,
    connected_at_us BIGINT  NOT NULL,
    connected_by    TEXT    NOT NULL,
    -- 'disconnected' keeps the row (without secrets) so that the source no
    -- longer counts as connected even though its data stays.
    status          TEXT    NOT NULL DEFAULT 'connected' CHECK (status IN ('connected', 'disconnected')),
    PRIMARY KEY (account_id, source)
);
