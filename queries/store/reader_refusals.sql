-- What DuckDB's CSV reader refused of a staged POS file, by line (its reject table).
SELECT DISTINCT line, CAST(error_type AS VARCHAR), error_message FROM pos_reject_errors ORDER BY line
