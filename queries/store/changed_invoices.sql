-- Lines of a re-exported invoice-journal file, as changed_posts.sql finds
-- them for a transaction-post file.
WITH new_rows AS (
    -- The columns of pos_invoices, in its order, but file_id.
    SELECT line, shop_id, terminal_id, invoice_reference, amount, currency, sent_at, last_status, last_polled_at
    FROM pos_staged
    WHERE line <= $sent_through
)
FROM changed_lines('new_rows', 'pos_invoices', 'invoices', $file_name);
