-- For `lake check`: per shop and business date, the rows and amount totals of the lake table
-- $table_name, read from its hive-partitioned Parquet files $files. The amounts are those
-- database_totals.sql sums: pos_posts' `amount` is local, seqr_rows' is SEQR's.
WITH f AS (
    FROM read_parquet($files, hive_partitioning = true,
                      hive_types = {'shop_id': VARCHAR, 'business_date': DATE}, union_by_name = true)
    -- Every amount column exists, NULL in a table that has none.
    UNION ALL BY NAME
    SELECT NULL::DECIMAL(18,5) AS local_amount, NULL::DECIMAL(18,5) AS seqr_amount, NULL::DECIMAL(18,5) AS amount
    WHERE false
)
SELECT shop_id, CAST(business_date AS VARCHAR) AS business_date, count(*) AS row_count,
       CAST(sum(CASE WHEN $table_name = 'pos_posts' THEN amount ELSE local_amount END) AS DECIMAL(18,5)) AS local_total,
       CAST(sum(CASE WHEN $table_name = 'seqr_rows' THEN amount ELSE seqr_amount END) AS DECIMAL(18,5)) AS seqr_total
FROM f
GROUP BY ALL
ORDER BY ALL;
