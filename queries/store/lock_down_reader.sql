-- A read-only connection (query, status, reconcile --dry-run): local files
-- (COPY ... TO, read_csv, ATTACH) are out of reach, and no query can switch
-- that back on.
SET enable_external_access = false;
SET lock_configuration = true;
