-- Lines of a re-exported transaction-post file (checked, in pos_staged) that differ from what earlier
-- files of the same name ($file_name) sent, up to the last line they sent ($sent_through): the line
-- and 'changed' or 'gone'. Values are compared as loaded, not as written: a line differs when no
-- line of the other side has all its values (NULL equal to NULL).
WITH new_rows AS (
    -- The columns of pos_posts, in its order, but file_id.
    SELECT line, shop_id, terminal_id, cashier_id, ers_reference, invoice_reference, amount, currency, kind,
           description, posted_at
    FROM pos_staged
    WHERE line <= $sent_through
),
old_rows AS (
    SELECT * EXCLUDE (file_id) FROM pos_posts
    WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = $file_name AND feed = 'posts')
),
differing AS (SELECT line FROM (FROM old_rows EXCEPT FROM new_rows) UNION SELECT line FROM (FROM new_rows EXCEPT FROM old_rows))
SELECT d.line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM differing d LEFT JOIN new_rows n ON n.line = d.line
ORDER BY 1;
