-- Lines of a re-exported transaction-post file (checked, in pos_staged) that differ from what earlier files of the same name
-- ($file_name) sent, up to the last line they sent ($sent_through): the line
-- and 'changed' or 'gone'. Values are compared as loaded, not as written.
WITH new_rows AS (
    SELECT line, shop_id, terminal_id, cashier_id, ers_reference, invoice_reference, amount, currency, kind,
           description, posted_at
    FROM pos_staged
    WHERE line <= $sent_through
),
old_rows AS (
    SELECT * EXCLUDE (file_id) FROM pos_posts
    WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = $file_name AND feed = 'posts')
)
SELECT coalesce(o.line, n.line) AS line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM old_rows o FULL OUTER JOIN new_rows n ON o.line = n.line
WHERE o.line IS NULL OR n.line IS NULL
   OR o.shop_id IS DISTINCT FROM n.shop_id OR o.terminal_id IS DISTINCT FROM n.terminal_id
   OR o.cashier_id IS DISTINCT FROM n.cashier_id OR o.ers_reference IS DISTINCT FROM n.ers_reference
   OR o.invoice_reference IS DISTINCT FROM n.invoice_reference OR o.amount IS DISTINCT FROM n.amount
   OR o.currency IS DISTINCT FROM n.currency OR o.kind IS DISTINCT FROM n.kind
   OR o.description IS DISTINCT FROM n.description OR o.posted_at IS DISTINCT FROM n.posted_at
ORDER BY 1;
