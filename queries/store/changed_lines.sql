-- The lines of a re-exported file that differ from what earlier files of its
-- name sent: each line and 'changed' or 'gone'. new_rows names the file's
-- rows as the feed's table holds them (its columns in order, `line` first,
-- without file_id); feed_table and feed name the table and feed, the_file the
-- file name. Values are compared as loaded, not as written: a line differs
-- when no line of the other side has all its values (NULL equal to NULL).
CREATE OR REPLACE TEMP MACRO changed_lines(new_rows, feed_table, the_feed, the_file) AS TABLE
WITH old_rows AS (
    SELECT * EXCLUDE (file_id) FROM query_table(feed_table)
    WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = the_file AND feed = the_feed)
),
differing AS (
    SELECT line FROM (FROM old_rows EXCEPT FROM query_table(new_rows))
    UNION
    SELECT line FROM (FROM query_table(new_rows) EXCEPT FROM old_rows)
)
SELECT d.line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM differing d LEFT JOIN query_table(new_rows) n ON n.line = d.line
ORDER BY 1;
