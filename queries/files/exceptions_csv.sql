-- exceptions.csv written by DuckDB: the rows of close_exceptions($closes) (exceptions.sql), each cell made
-- text by the macros of cells.sql; $delimiter is , or ; and $decimal_comma goes with ;.
COPY (
    SELECT csv_text(category) AS category, csv_text(shop_id) AS shop_id, csv_text(shop_name) AS shop_name,
           csv_text(period_id) AS period_id, csv_text(terminal_id) AS terminal_id,
           csv_text(terminal_name) AS terminal_name, csv_text(cashier_id) AS cashier_id,
           csv_text(ers_reference) AS ers_reference, csv_text(invoice_reference) AS invoice_reference,
           csv_exact(local_amount, $decimal_comma) AS local_amount,
           csv_exact(seqr_amount, $decimal_comma) AS seqr_amount,
           csv_display(difference, $decimal_comma) AS difference, csv_time(posted_at) AS posted_at,
           csv_text(detail) AS detail, csv_text(action) AS action
    FROM close_exceptions($closes)
) TO $path (FORMAT csv, HEADER true, DELIMITER $delimiter, QUOTE '"', ESCAPE '"', NULLSTR '', COMMENT '');
