-- recon_results for a list of closes: results_of_closes([{shop_id, close_seq}, ...]) gives the
-- rows the view recon_results (003_compact_matches.sql) gives for those closes, with the same
-- columns, and reads only their items. A query that semi-joins the view with its closes makes
-- DuckDB rebuild every item of every close first (it does not move a join below the view's LEFT
-- JOIN), so a close's queries got slower with the whole database's history: a round of 14 small
-- closes read 5 times the rows when the tables held 5 times the items of other shops.
-- A test compares the two for every close (tests/it/recon.rs); change them together.
CREATE MACRO results_of_closes(closes) AS TABLE
SELECT i.shop_id, i.close_seq, i.period_id, i.item_period_id, i.category,
       coalesce(i.local_key, 'P:' || CAST(i.local_file_id AS VARCHAR) || ':' || CAST(i.local_line AS VARCHAR)) AS local_key,
       coalesce(i.seqr_key, CASE WHEN i.local_file_id IS NOT NULL THEN 'S:' || i.ers_reference END) AS seqr_key,
       i.invoice_key, i.terminal_id, i.cashier_id, i.ers_reference,
       coalesce(i.invoice_reference, p.invoice_reference) AS invoice_reference,
       i.local_amount, i.seqr_amount, i.difference, i.posted_at, i.detail, i.score
FROM recon_items i
SEMI JOIN (SELECT unnest(CAST(closes AS STRUCT(shop_id VARCHAR, close_seq BIGINT)[]), recursive := true)) c
  ON c.shop_id = i.shop_id AND c.close_seq = i.close_seq
LEFT JOIN pos_posts p ON p.file_id = i.local_file_id AND p.line = i.local_line;
