-- recon_results for a list of closes: results_of_closes([{shop_id, close_seq}, ...]) gives the
-- rows the view recon_results (003_compact_matches.sql) gives for those closes, with the same
-- columns, and reads only their items and their shops' posts. A query that semi-joins the view
-- with its closes makes DuckDB rebuild every item of every close first (it does not move a join
-- below the view's LEFT JOIN), so a close's queries got slower with the whole database's
-- history. A test compares the two for every close (tests/it/day.rs); change them together.
CREATE MACRO results_of_closes(closes) AS TABLE
WITH c AS (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true))
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category,
       coalesce(i.local_key, 'P:' || CAST(i.local_file_id AS VARCHAR) || ':' || CAST(i.local_line AS VARCHAR)) AS local_key,
       coalesce(i.seqr_key, CASE WHEN i.local_file_id IS NOT NULL THEN 'S:' || i.ers_reference END) AS seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference,
       coalesce(i.invoice_reference, p.invoice_reference) AS invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score
FROM recon_items i
SEMI JOIN c ON c.shop_id = i.shop_id AND c.close_seq = i.close_seq
-- A compact row's post is its own shop's. Filtered by shop, the posts stay the smaller side of the
-- join, and DuckDB keeps its hash table on them (for a million-item close, about 0.2 s less than
-- building it on the items).
LEFT JOIN (SELECT p.file_id, p.line, p.invoice_reference FROM pos_posts p SEMI JOIN c ON c.shop_id = p.shop_id) p
  ON p.file_id = i.local_file_id AND p.line = i.local_line;
