-- The lines of a re-exported file that differ from what earlier files of its
-- name sent: each line and 'changed' or 'gone'. new_rows and old_rows name
-- the two sides' rows (the same columns, `line` among them), so each feed's
-- statement compares its own columns. Values are compared as loaded, not as
-- written: a line differs when no line of the other side has all its values
-- (NULL equal to NULL).
CREATE OR REPLACE TEMP MACRO changed_lines(new_rows, old_rows) AS TABLE
WITH differing AS (
    SELECT line FROM (FROM query_table(old_rows) EXCEPT FROM query_table(new_rows))
    UNION
    SELECT line FROM (FROM query_table(new_rows) EXCEPT FROM query_table(old_rows))
)
SELECT d.line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM differing d LEFT JOIN query_table(new_rows) n ON n.line = d.line
ORDER BY 1;
