-- The lake's `seqr_rows`: SEQR's detail rows of the periods close the_close of shop the_shop marked,
-- read between the least and greatest of their ids (they begin with their time).
CREATE OR REPLACE TEMP MACRO lake_seqr_rows(the_shop, the_close) AS TABLE
WITH cur AS (SELECT shop_id, close_seq, period_id FROM periods WHERE shop_id = the_shop AND close_seq = the_close)
SELECT c.shop_id, c.close_seq, r.period_id, r.report_id, r.row_no, r.terminal_id, r.cashier_id, r.amount,
       r.ers_reference
FROM seqr_rows r JOIN cur c ON c.period_id = r.period_id
WHERE r.period_id >= (SELECT min(period_id) FROM cur) AND r.period_id <= (SELECT max(period_id) FROM cur);
