-- transactions.csv written by DuckDB: the rows of close_transactions($closes) (transactions.sql),
-- each cell made text by the macros of cells.sql; $delimiter is , or ; and $decimal_comma goes with ;.
COPY (SELECT unnest(item_cells(t, $decimal_comma)) FROM close_transactions($closes) t)
TO $path (FORMAT csv, HEADER true, DELIMITER $delimiter, QUOTE '"', ESCAPE '"', NULLSTR '', COMMENT '');
