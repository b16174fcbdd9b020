-- The lake's `seqr_rows`: SEQR's detail rows of the periods close the_close of shop the_shop marked.
CREATE OR REPLACE TEMP MACRO lake_seqr_rows(the_shop, the_close) AS TABLE
SELECT p.shop_id, p.close_seq, r.period_id, r.report_id, r.row_no, r.terminal_id, r.cashier_id, r.amount,
       r.ers_reference
FROM seqr_rows r JOIN periods p ON p.period_id = r.period_id
WHERE p.shop_id = the_shop AND p.close_seq = the_close;
