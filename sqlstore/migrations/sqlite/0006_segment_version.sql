-- Editing together (issue 9): a segment's version grows with every change,
-- and an edit made from an older version is refused instead of silently
-- undoing someone else's change.
ALTER TABLE segments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
