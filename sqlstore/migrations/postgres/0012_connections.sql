-- Integrations (issue 11): an account's connections to Shopify, HubSpot
-- and Klaviyo. The credentials (a JSON object of them) are sealed
-- (AES-256-GCM, the server's key, bound to the account and source): never
-- stored in clear.
CREATE TABLE integration_connections (
    account_id      BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source          TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    api_base        TEXT    NOT NULL,
    config          TEXT    NOT NULL, -- JSON object of strings, nothing secret
    secrets_sealed  BYTEA   NOT NULL,
    connected_at_us BIGINT  NOT NULL,
    connected_by    TEXT    NOT NULL,
    PRIMARY KEY (account_id, source)
);
