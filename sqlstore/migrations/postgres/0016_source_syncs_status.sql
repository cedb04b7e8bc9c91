-- Freshness asks, per account and source, for the latest sync that finished
-- with a given status: polls every few minutes make that table grow by
-- hundreds of rows a day, so it is read through this index, never scanned.
CREATE INDEX source_syncs_by_status ON source_syncs (account_id, source, status, finished_at_us);
-- And for the latest webhook delivery of a source.
CREATE INDEX source_deliveries_by_source ON source_deliveries (account_id, source, received_at_us);
