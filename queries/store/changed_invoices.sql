-- Lines of a re-exported invoice-journal file (checked, in pos_staged) that differ from what
-- earlier files of the same name ($file_name) sent, up to $sent_through: the
-- line and 'changed' or 'gone' (see changed_posts.sql).
WITH new_rows AS (
    SELECT line, shop_id, terminal_id, invoice_reference, amount, currency, sent_at, last_status, last_polled_at
    FROM pos_staged
    WHERE line <= $sent_through
),
old_rows AS (
    SELECT * EXCLUDE (file_id) FROM pos_invoices
    WHERE file_id IN (SELECT file_id FROM pos_files WHERE file_name = $file_name AND feed = 'invoices')
)
SELECT coalesce(o.line, n.line) AS line, CASE WHEN n.line IS NULL THEN 'gone' ELSE 'changed' END AS what
FROM old_rows o FULL OUTER JOIN new_rows n ON o.line = n.line
WHERE o.line IS NULL OR n.line IS NULL
   OR o.shop_id IS DISTINCT FROM n.shop_id OR o.terminal_id IS DISTINCT FROM n.terminal_id
   OR o.invoice_reference IS DISTINCT FROM n.invoice_reference OR o.amount IS DISTINCT FROM n.amount
   OR o.currency IS DISTINCT FROM n.currency OR o.sent_at IS DISTINCT FROM n.sent_at
   OR o.last_status IS DISTINCT FROM n.last_status OR o.last_polled_at IS DISTINCT FROM n.last_polled_at
ORDER BY 1;
