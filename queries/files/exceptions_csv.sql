-- exceptions.csv written by DuckDB: the rows of close_exceptions($closes) (exceptions.sql), each
-- cell made text by the macros of cells.sql; $delimiter is , or ; and $decimal_comma goes with ;.
COPY (SELECT unnest(item_cells(e, $decimal_comma)), csv_text(e.action) AS action FROM close_exceptions($closes) e)
TO $path (FORMAT csv, HEADER true, DELIMITER $delimiter, QUOTE '"', ESCAPE '"', NULLSTR '', COMMENT '');
