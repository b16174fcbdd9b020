-- seqr-recon schema, version 3: MATCHED items stored compactly.
--
-- A close of a million sales writes a million MATCHED rows. Their keys and
-- invoice references are a million distinct strings each, and writing them
-- took half of a reconciliation. A MATCHED row now keeps the post's file and
-- line instead; the view `recon_results` gives every row back with all its
-- columns, as the table of that name had them. Documented in docs/analyst.md.

ALTER TABLE recon_results RENAME TO recon_items;
ALTER TABLE recon_items ADD COLUMN local_file_id BIGINT;   -- MATCHED rows: the post's file …
ALTER TABLE recon_items ADD COLUMN local_line BIGINT;      -- … and line; NULL on every other row

-- Every classification with every column filled in: what the CSVs, the views
-- and analysts read. A compact MATCHED row has NULL local_key, seqr_key and
-- invoice_reference in recon_items: the keys follow from the post's file and
-- line and the ers_reference, the invoice reference is the post's.
CREATE VIEW recon_results AS
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category,
       coalesce(i.local_key, 'P:' || CAST(i.local_file_id AS VARCHAR) || ':' || CAST(i.local_line AS VARCHAR)) AS local_key,
       coalesce(i.seqr_key, CASE WHEN i.local_file_id IS NOT NULL THEN 'S:' || i.ers_reference END) AS seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference,
       coalesce(i.invoice_reference, p.invoice_reference) AS invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score
FROM recon_items i
LEFT JOIN pos_posts p ON p.file_id = i.local_file_id AND p.line = i.local_line;
