-- fillDisplayNameNorm looks for friends whose normalized display name is
-- still missing at every start. Without an index that is a scan of every
-- friend of every account each time the server starts, though after the
-- first start it finds nothing; this partial index holds only the rows still
-- to fill (none, once filled: the import writes the column), so the look
-- costs nothing and imports pay no upkeep.
CREATE INDEX friends_display_name_norm_pending ON friends (id) WHERE display_name_norm IS NULL;
