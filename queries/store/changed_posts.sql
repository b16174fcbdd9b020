-- Lines of a re-exported transaction-post file (checked, in pos_staged) that
-- differ from what earlier files of the same name ($file_name) sent, up to the
-- last line they sent ($sent_through): see changed_lines.sql.
WITH new_rows AS (
    -- The columns of pos_posts, in its order, but file_id.
    SELECT line, shop_id, terminal_id, cashier_id, ers_reference, invoice_reference, amount, currency, kind,
           description, posted_at
    FROM pos_staged
    WHERE line <= $sent_through
)
FROM changed_lines('new_rows', 'pos_posts', 'posts', $file_name);
