//! Ingest 1,000,000 POS posts and reconcile them against 1,000,000 SEQR rows,
//! on a DuckDB file. Reports rows/s, seconds and peak memory (VmHWM).
//! Run: `make bench` (or `cargo bench --profile dev --bench recon_million`);
//! `BENCH_MEMORY_LIMIT=1GB` runs it with another `[store] memory_limit`.

use std::io::Write;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use seqr_recon::config::ReconcileSettings;
use seqr_recon::domain::ShopId;
use seqr_recon::export::write_reports;
use seqr_recon::reconcile::{reconcile, self_check};
use seqr_recon::seqr::report::{DetailRow, Report, SummaryRow};
use seqr_recon::seqr::FetchedReport;
use seqr_recon::store::ingest::{ingest_file, ShopCurrencies};
use seqr_recon::store::Store;

mod support;
use support::posts_file;

const ROWS: usize = 1_000_000;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let start_day = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap();
    let ers = |i: usize| format!("20261121080000{i:011}");
    let amount = |i: usize| Decimal::new(100 + (i as i64 * 37) % 500_000, 2);

    let csv = dir.path().join("posts.csv");
    {
        let mut w = posts_file(&csv);
        for i in 0..ROWS {
            let t = start_day + Duration::milliseconds(i as i64 * 40);
            writeln!(
                w,
                "shop-1,T{:02},c{},{},R{i},{},SEK,PAYMENT,SEQR payment,{}",
                i % 20,
                i % 50,
                ers(i),
                amount(i),
                t.to_rfc3339()
            )
            .unwrap();
        }
    }
    let size_mb = std::fs::metadata(&csv).unwrap().len() as f64 / 1e6;

    // The product's default [store] settings, on a file; BENCH_MEMORY_LIMIT (as in
    // bench-close) sets another memory_limit, to see what the default's spilling costs.
    let mut store_toml = format!("database = {:?}\n", dir.path().join("bench.duckdb"));
    if let Ok(limit) = std::env::var("BENCH_MEMORY_LIMIT") {
        store_toml += &format!("memory_limit = {limit:?}\n");
    }
    let settings: seqr_recon::config::StoreSettings = toml::from_str(&store_toml).unwrap();
    let store = Store::open_configured(&settings).unwrap();
    let shops: ShopCurrencies = [(ShopId::from_static("shop-1"), "SEK".to_string())].into();
    let t0 = Instant::now();
    ingest_file(&store, &csv, &shops).unwrap();
    let ingest = t0.elapsed().as_secs_f64();

    // SEQR's side: the same sales, with 1 in 1000 missing and 1 in 1000 at another amount.
    let details: Vec<DetailRow> = (0..ROWS)
        .filter(|i| i % 1000 != 1)
        .map(|i| DetailRow {
            terminal_id: Some(format!("T{:02}", i % 20)),
            cashier_id: Some(format!("c{}", i % 50)),
            amount: if i % 1000 == 2 { amount(i) + Decimal::ONE } else { amount(i) },
            ers_reference: ers(i),
        })
        .chain((0..ROWS / 1000).map(|i| DetailRow {
            terminal_id: Some("T00".into()),
            cashier_id: None,
            amount: Decimal::ONE,
            ers_reference: format!("20261121200000{:011}", 90_000_000 + i),
        }))
        .collect();
    let marked = start_day + Duration::hours(14);
    let shop = ShopId::from_static("shop-1");
    let close = store.begin_close(&shop, marked).unwrap();
    store.record_period(&close, "P1", None, marked, "bench", "hash").unwrap();
    let period = store.periods_of(&close.close_id).unwrap().remove(0);
    let summary =
        SummaryRow { terminal_id: None, count: details.len() as u64, total: details.iter().map(|d| d.amount).sum() };
    let report = Report { details, ..Default::default() };
    let t1 = Instant::now();
    let fetched = FetchedReport {
        report,
        report_zst: Vec::new(),
        response_sha256: String::new(),
        client_reference: "bench".into(),
        attempts: 1,
        not_ready: vec![],
    };
    store.store_report(&close.close_id, &shop, &period, "Reconciliation/STD_RECON_003.xml", &fetched).unwrap();
    let store_secs = t1.elapsed().as_secs_f64();
    drop(fetched);
    let summary = FetchedReport {
        report: Report { summaries: vec![summary], ..Default::default() },
        report_zst: Vec::new(),
        response_sha256: String::new(),
        client_reference: "bench".into(),
        attempts: 1,
        not_ready: vec![],
    };
    store.store_report(&close.close_id, &shop, &period, "Reconciliation/Shop.xml", &summary).unwrap();

    let t2 = Instant::now();
    let counts = reconcile(&store, &shop, close.close_seq, &ReconcileSettings::default()).unwrap();
    let recon = t2.elapsed().as_secs_f64();

    let t4 = Instant::now();
    let failures = self_check(&store, &shop, close.close_seq).unwrap();
    assert!(failures.is_empty(), "{failures:?}");
    let check = t4.elapsed().as_secs_f64();

    let t3 = Instant::now();
    write_reports(&store, &dir.path().join("reports"), &shop, close.close_seq, "P1").unwrap();
    let export = t3.elapsed().as_secs_f64();

    // The next night's close, with nothing new: what a million items of history cost it.
    let marked2 = marked + Duration::hours(24);
    let close2 = store.begin_close(&shop, marked2).unwrap();
    store.record_period(&close2, "P2", None, marked2, "bench", "hash").unwrap();
    let t5 = Instant::now();
    let counts2 = reconcile(&store, &shop, close2.close_seq, &ReconcileSettings::default()).unwrap();
    let next_close = t5.elapsed().as_secs_f64();

    println!("recon_million: posts file {size_mb:.0} MB");
    println!("  ingest {ROWS} posts: {ingest:.2} s = {:.0} rows/s", ROWS as f64 / ingest);
    println!("  store {ROWS} SEQR rows: {store_secs:.2} s");
    println!("  reconcile: {recon:.2} s   categories: {counts:?}");
    println!("  self-check: {check:.2} s");
    println!("  reconcile the next close, nothing new: {next_close:.2} s   still open: {counts2:?}");
    println!("  write CSVs: {export:.2} s");
    println!("  peak memory (VmHWM): {:.0} MiB", peak_rss_mib());
}
