-- summary.csv written by DuckDB: the rows of close_summary($closes) (summary.sql), each cell made
-- text by the macros of cells.sql; $delimiter is , or ; and $decimal_comma goes with ;.
COPY (
    SELECT csv_text(shop_id) AS shop_id, csv_text(shop_name) AS shop_name, csv_text(period_id) AS period_id,
           csv_text(terminal_id) AS terminal_id, csv_text(terminal_name) AS terminal_name,
           CAST(seqr_count AS VARCHAR) AS seqr_count, csv_display(seqr_total, $decimal_comma) AS seqr_total,
           CAST(local_count AS VARCHAR) AS local_count, csv_display(local_total, $decimal_comma) AS local_total,
           CAST(matched_count AS VARCHAR) AS matched_count, CAST(exception_count AS VARCHAR) AS exception_count,
           csv_display(difference, $decimal_comma) AS difference,
           CAST(carried_over_count AS VARCHAR) AS carried_over_count,
           csv_display(carried_over_seqr_total, $decimal_comma) AS carried_over_seqr_total,
           csv_display(carried_over_local_total, $decimal_comma) AS carried_over_local_total
    FROM close_summary($closes)
) TO $path (FORMAT csv, HEADER true, DELIMITER $delimiter, QUOTE '"', ESCAPE '"', NULLSTR '', COMMENT '');
