-- How large DuckDB lets its write-ahead log grow before it checkpoints during a run.
SET checkpoint_threshold = $threshold
