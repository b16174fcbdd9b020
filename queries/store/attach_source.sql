-- The configured database, read-only, to copy into memory (reconcile --dry-run).
ATTACH $path AS source (READ_ONLY)
