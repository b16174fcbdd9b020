-- Writes the lake's `periods` of close $close_seq of shop $shop_id (periods.sql) into the empty folder
-- $path as Parquet, partitioned hive-style by shop and business date ($business_date, on every row).
COPY (SELECT *, CAST($business_date AS DATE) AS business_date FROM lake_periods($shop_id, $close_seq))
TO $path (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (shop_id, business_date));
