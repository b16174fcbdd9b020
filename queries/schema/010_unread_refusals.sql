-- A file refused without being read (a link out of the inbox, a folder, a
-- device) has no row count: its refusal names every shop, with row_count NULL.
ALTER TABLE pos_file_refusals ALTER COLUMN row_count DROP NOT NULL;
