-- Webhook deliveries from the sources (issue 11), kept by the vendor's
-- ids (Shopify's X-Shopify-Webhook-Id, HubSpot's subscription, event,
-- object and time, Klaviyo's external_id) in the transaction that applies
-- them: a replay finds its keys and changes nothing.
CREATE TABLE source_deliveries (
    account_id     BIGINT  NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    source         TEXT    NOT NULL CHECK (source IN ('shopify', 'hubspot', 'klaviyo')),
    delivery_key   TEXT    NOT NULL,
    received_at_us BIGINT  NOT NULL,
    PRIMARY KEY (account_id, source, delivery_key)
);
CREATE INDEX source_deliveries_by_time ON source_deliveries (account_id, received_at_us);
