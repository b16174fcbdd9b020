-- [store] memory_limit: how much memory DuckDB may use before it spills to disk.
SET memory_limit = $memory_limit
