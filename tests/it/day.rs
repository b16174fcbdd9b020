//! A seeded trading day through the real protocol, with every fault injected:
//! the closes must find exactly the injected breaks, and their results read
//! through `results_of_closes` must be the view `recon_results`' rows.

use seqr_recon::config::Level;
use seqr_recon::demo::{self, DemoShop};
use seqr_recon::domain::{CloseKey, ShopId};
use seqr_recon::store::closes_value;

use crate::helpers::rows;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_seeded_day_over_two_periods_is_found_with_perfect_precision_and_recall() {
    let shops = vec![
        DemoShop::new("day-se", "SEK", Level::Shop, 3),
        DemoShop::new("day-no", "NOK", Level::Terminal, 3),
        DemoShop::new("day-dk", "DKK", Level::Shop, 3),
    ];
    demo::set_demo_passwords(&shops);
    let dir = tempfile::tempdir().unwrap();
    let out = demo::run(dir.path(), &shops, 230, 20261121, 100.0).await.unwrap();
    assert!(out.sales >= 2000, "thousands of sales: {}", out.sales);
    let table = seqr_recon::demo::score::render(&out.scores);
    for (category, s) in &out.scores {
        assert!(s.injected > 0, "{category} was never injected\n{table}");
        assert_eq!(
            (s.true_positives, s.false_alarms),
            (s.injected, 0),
            "{category}: precision and recall must be 1.0\n{table}"
        );
    }

    // The closes' queries read their results through results_of_closes (migration 9): for every
    // close, and for all of them at once, it gives the view's rows, compact MATCHED rows included
    // (and when each was first shown, which the view leaves to items_current).
    let db = duckdb::Connection::open(dir.path().join("seqr-recon.duckdb")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert!(count("SELECT count(*) FROM recon_items WHERE local_file_id IS NOT NULL") > 1000, "compact rows");
    assert!(count("SELECT count(*) FROM recon_items WHERE local_key IS NOT NULL") > 100, "keyed rows");
    // Rows of the view for the closes in $1 that the macro lacks, and the reverse.
    let apart = "WITH v AS (SELECT * FROM recon_results
                            WHERE list_contains($1, {'shop_id': shop_id, 'close_seq': close_seq})),
                  m AS (SELECT * EXCLUDE (first_close_seq, post_first_close_seq) FROM results_of_closes($1))
                 SELECT count(*) FROM ((FROM v EXCEPT ALL FROM m) UNION ALL (FROM m EXCEPT ALL FROM v))";
    let stored: Vec<(ShopId, i64)> =
        rows(&db, "SELECT shop_id, close_seq FROM closes ORDER BY ALL", [], |r| Ok((r.get(0)?, r.get(1)?)));
    assert_eq!(stored.len(), 6, "three shops, two closes each");
    let closes: Vec<CloseKey<'_>> = stored.iter().map(|(shop, seq)| CloseKey::new(shop, *seq)).collect();
    for close in closes.iter().map(std::slice::from_ref).chain([closes.as_slice()]) {
        let differing: i64 = db.query_row(apart, [closes_value(close)], |r| r.get(0)).unwrap();
        assert_eq!(differing, 0, "results_of_closes and recon_results differ for {close:?}");
    }

    // An analyst sums UNPOLLED_REVERSED per terminal: from items_current and from the lake's items,
    // each invoice once, as the ground truth has them, though every close repeats an open one.
    let truth = std::fs::read_to_string(dir.path().join("truth.csv")).unwrap();
    let injected: Vec<&str> = truth.lines().filter(|l| l.starts_with("UNPOLLED_REVERSED,")).collect();
    let per_terminal = "SELECT shop_id, terminal_id, count(*), sum(local_amount) FROM {} \
                        WHERE category = 'UNPOLLED_REVERSED' GROUP BY ALL ORDER BY ALL";
    let sums = |from: &str| -> Vec<(String, String, i64, rust_decimal::Decimal)> {
        rows(&db, &per_terminal.replace("{}", from), [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
    };
    let current = sums("items_current");
    assert_eq!(current.iter().map(|r| r.2).sum::<i64>(), injected.len() as i64, "each invoice once: {current:?}");
    let lake = dir.path().join("lake/items/*/*.parquet").display().to_string();
    let lake_items = format!("read_parquet('{lake}', hive_partitioning = true, hive_types = {{'shop_id': VARCHAR}})");
    assert_eq!(sums(&lake_items), current, "the lake's items say the same");
    let history = sums("recon_results");
    assert!(
        history.iter().map(|r| r.2).sum::<i64>() > injected.len() as i64,
        "the history repeats open items, which is why totals come from items_current: {history:?}"
    );
}
