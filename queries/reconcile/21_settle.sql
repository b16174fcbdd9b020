-- What the closes matched, for later closes to look up by reference: a compact MATCHED pair as
-- one row (its post and its SEQR row share reference, terminal and amount), every other post,
-- SEQR row and invoice as a row of its own.
INSERT INTO settled_items (shop_id, close_seq, reference, file_id, line, seqr_n, terminal_id, amount, posted_at)
SELECT shop_id, close_seq, ers_reference, local_file_id, local_line, 1, terminal_id, local_amount, posted_at
FROM round_items WHERE local_file_id IS NOT NULL
UNION ALL
SELECT shop_id, close_seq, post_reference, CAST(split_part(local_key, ':', 2) AS BIGINT),
       CAST(split_part(local_key, ':', 3) AS BIGINT), NULL, terminal_id, local_amount, posted_at
FROM round_items WHERE category IN ('MATCHED', 'LATE_MATCHED') AND local_key IS NOT NULL
UNION ALL
SELECT shop_id, close_seq, ers_reference, NULL, NULL, seqr_n, terminal_id, seqr_amount, NULL
FROM round_items WHERE category IN ('MATCHED', 'LATE_MATCHED') AND seqr_key LIKE 'S:%'
UNION ALL
SELECT shop_id, close_seq, invoice_reference, NULL, NULL, NULL, terminal_id, local_amount, NULL
FROM round_items WHERE category IN ('MATCHED', 'LATE_MATCHED') AND invoice_key IS NOT NULL;
