-- How many lines DuckDB's CSV reader refused in the file just read.
SELECT count(*) FROM pos_reject_errors
