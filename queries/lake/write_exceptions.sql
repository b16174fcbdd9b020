-- Writes the lake's `exceptions` of close $close_seq of shop $shop_id (exceptions.sql) into the empty folder
-- $path as Parquet, partitioned hive-style by shop and business date ($business_date, on every row).
COPY (SELECT *, CAST($business_date AS DATE) AS business_date FROM lake_exceptions($shop_id, $close_seq))
TO $path (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (shop_id, business_date));
