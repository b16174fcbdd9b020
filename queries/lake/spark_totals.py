"""`make lake-spark`: Spark in local mode reads the lake and prints, per table, shop and
business date, the rows and amount totals, in the first six columns `seqr-recon lake check`
prints (tab-separated, the same order), so the two can be compared line for line.

Usage: spark_totals.py LAKE_DIR
"""

import sys

from pyspark.sql import SparkSession

# Each table's local and SEQR amount columns, as `lake check` sums them (src/lake.rs, TABLES).
TABLES = {
    "transactions": ("local_amount", "seqr_amount"),
    "exceptions": ("local_amount", "seqr_amount"),
    "seqr_rows": (None, "amount"),
    "pos_posts": ("amount", None),
    "periods": (None, None),
    "closes": (None, None),
}


def total(column):
    return f"CAST(sum({column}) AS DECIMAL(18,5))" if column else "CAST(NULL AS DECIMAL(18,5))"


def text(value):
    return "-" if value is None else format(value, "f")


def main(lake):
    spark = (
        SparkSession.builder.master("local[2]")
        .appName("seqr-recon lake")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Partition values stay text: a shop id such as 0042 is not the number 42.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    print("table\tshop_id\tbusiness_date\trows\tlocal_total\tseqr_total")
    for table, (local, seqr) in TABLES.items():
        # The table's folder: Spark finds the shop_id=…/business_date=… partitions itself.
        spark.read.parquet(f"{lake}/{table}").createOrReplaceTempView(table)
        rows = spark.sql(
            f"SELECT shop_id, business_date, count(*) AS n, {total(local)} AS local_total, "
            f"{total(seqr)} AS seqr_total FROM {table} "
            f"GROUP BY shop_id, business_date ORDER BY shop_id, business_date"
        ).collect()
        for r in rows:
            print(f"{table}\t{r.shop_id}\t{r.business_date}\t{r.n}\t{text(r.local_total)}\t{text(r.seqr_total)}")
    spark.stop()


if __name__ == "__main__":
    main(sys.argv[1])
