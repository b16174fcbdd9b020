-- Writes the lake's `pos_posts` of close $close_seq of shop $shop_id (pos_posts.sql) into the empty folder
-- $path as Parquet, partitioned hive-style by shop and business date ($business_date, on every row).
COPY (SELECT *, CAST($business_date AS DATE) AS business_date FROM lake_pos_posts($shop_id, $close_seq))
TO $path (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (shop_id, business_date));
