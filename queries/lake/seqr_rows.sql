-- The lake's `seqr_rows`: SEQR's detail rows of the periods close the_close of shop the_shop marked.
CREATE OR REPLACE TEMP MACRO lake_seqr_rows(the_shop, the_close) AS TABLE
SELECT shop_id, close_seq, period_id, report_id, row_no, terminal_id, cashier_id, amount, ers_reference
FROM seqr_rows_of_closes([{'shop_id': the_shop, 'close_seq': the_close}]);
