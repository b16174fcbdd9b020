-- Lines of a re-exported transaction-post file (checked, in pos_staged) that
-- differ from what earlier files of the same name ($file_name) sent, up to the
-- last line they sent ($sent_through): see changed_lines.sql.
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
)
FROM changed_lines('new_rows', 'old_rows');
