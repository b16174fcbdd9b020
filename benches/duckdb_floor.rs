//! DuckDB's own floor for loading 1,000,000 posts into the database file, with
//! no checks at all: what any ingest through DuckDB can at best approach here.
//! Run: `make bench` (or `cargo bench --profile dev --bench duckdb_floor`).

use std::io::Write;
use std::time::Instant;

mod support;
use support::posts_file;

const ROWS: u64 = 1_000_000;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("posts.csv");
    {
        let mut w = posts_file(&csv);
        for i in 0..ROWS {
            writeln!(
                w,
                "shop-1,T{:02},c{},20261121080000{i:011},R{i},{}.{:02},SEK,PAYMENT,SEQR payment,2026-11-21T08:{:02}:{:02}Z",
                i % 20,
                i % 50,
                1 + i % 5000,
                i % 100,
                (i / 60) % 60,
                i % 60
            )
            .unwrap();
        }
    }
    let conn = duckdb::Connection::open(dir.path().join("floor.duckdb")).unwrap();
    conn.execute_batch(
        "SET memory_limit = '1GB'; \
         CREATE TABLE posts (shop_id VARCHAR, terminal_id VARCHAR, cashier_id VARCHAR, ers_reference VARCHAR, \
           invoice_reference VARCHAR, amount DECIMAL(18,5), currency VARCHAR, kind VARCHAR, description VARCHAR, \
           posted_at TIMESTAMP)",
    )
    .unwrap();
    let load = format!(
        "INSERT INTO posts SELECT * FROM read_csv('{}', header = true, auto_detect = false, columns = {{ \
           'shop_id': 'VARCHAR', 'terminal_id': 'VARCHAR', 'cashier_id': 'VARCHAR', 'ers_reference': 'VARCHAR', \
           'invoice_reference': 'VARCHAR', 'amount': 'DECIMAL(18,5)', 'currency': 'VARCHAR', 'kind': 'VARCHAR', \
           'description': 'VARCHAR', 'posted_at': 'TIMESTAMP'}})",
        csv.display()
    );
    println!("duckdb_floor: {ROWS} posts from CSV into a table of the database file, no checks");
    for (label, setup) in [
        ("insertion order preserved", "SET preserve_insertion_order = true"),
        ("insertion order free (the product's setting)", "SET preserve_insertion_order = false"),
        ("... and compression forced off", "SET force_compression = 'uncompressed'"),
    ] {
        conn.execute_batch(&format!("DELETE FROM posts; CHECKPOINT; {setup}")).unwrap();
        let t = Instant::now();
        conn.execute(&load, []).unwrap();
        let secs = t.elapsed().as_secs_f64();
        println!("  {label}: {secs:.2} s = {:.0} rows/s", ROWS as f64 / secs);
    }
}
