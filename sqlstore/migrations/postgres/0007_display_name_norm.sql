-- Friend searches compare normalized text, as filters do (issue 9): the
-- display name in the contract's form (NFKC, then case folding), written by
-- the import. Rows from before this migration are filled in by the program
-- when the database opens (fillDisplayNameNorm), since SQL cannot normalize.
ALTER TABLE friends ADD COLUMN display_name_norm TEXT;
