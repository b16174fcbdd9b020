-- When each item was first shown, stored on the item by the close that classifies it
-- (10_classify.sql reads it among the item's references): the to-do list and the summary then
-- read it with the close's rows, where looking it up in item_firsts read that table whole, and
-- item_firsts holds every item ever shown.
ALTER TABLE recon_items ADD COLUMN first_close_seq BIGINT;
ALTER TABLE recon_items ADD COLUMN post_first_close_seq BIGINT;

-- The items already classified, from item_firsts as the to-do list and the summary read it.
-- A compact MATCHED row was never shown, and has no key to look up.
UPDATE recon_items SET first_close_seq = f.first_close_seq, post_first_close_seq = f.post_first_close_seq
FROM (
    SELECT k.row_id, min(f.close_seq) AS first_close_seq,
           min(f.close_seq) FILTER (WHERE f.item_key = k.local_key) AS post_first_close_seq
    FROM (SELECT rowid AS row_id, shop_id, close_seq, local_key, unnest([local_key, seqr_key, invoice_key]) AS item_key
          FROM recon_items WHERE local_file_id IS NULL) k
    JOIN item_firsts f ON f.shop_id = k.shop_id AND f.item_key = k.item_key AND f.close_seq < k.close_seq
    GROUP BY k.row_id
) f
WHERE recon_items.rowid = f.row_id;

-- results_of_closes (013_item_ledger.sql) with the two columns, after the columns of recon_results.
-- The compact rows' posts are read by their files first: whichever side DuckDB then builds its
-- hash table on is the close's, never every post the shops ever sent.
CREATE OR REPLACE MACRO results_of_closes(closes) AS TABLE
WITH c AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)),
items AS (SELECT i.* FROM recon_items i SEMI JOIN c ON c.shop_id = i.shop_id AND c.close_seq = i.close_seq)
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category,
       'P:' || CAST(i.local_file_id AS VARCHAR) || ':' || CAST(i.local_line AS VARCHAR) AS local_key,
       'S:' || i.ers_reference AS seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference, p.invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score,
       i.first_close_seq, i.post_first_close_seq
FROM items i
JOIN (SELECT p.file_id, p.line, p.invoice_reference FROM pos_posts p
      SEMI JOIN (SELECT DISTINCT local_file_id FROM items) f ON f.local_file_id = p.file_id) p
  ON p.file_id = i.local_file_id AND p.line = i.local_line
UNION ALL
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category, i.local_key, i.seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference, i.invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score,
       i.first_close_seq, i.post_first_close_seq
FROM items i WHERE i.local_file_id IS NULL;

COMMENT ON COLUMN recon_items.first_close_seq IS 'the earliest earlier close that showed any of the item''s keys as an exception (NULL: none did)';
COMMENT ON COLUMN recon_items.post_first_close_seq IS 'the earliest earlier close that showed the item''s post as an exception (NULL: none did)';
