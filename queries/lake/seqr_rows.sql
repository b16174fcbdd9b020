-- The lake's `seqr_rows`: SEQR's detail rows of the periods close $close_seq of shop $shop_id marked.
SELECT p.shop_id, p.close_seq, r.period_id, r.report_id, r.row_no, r.terminal_id, r.cashier_id, r.amount,
       r.ers_reference
FROM seqr_rows r JOIN periods p ON p.period_id = r.period_id
WHERE p.shop_id = $shop_id AND p.close_seq = $close_seq
