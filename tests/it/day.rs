//! A seeded trading day through the real protocol, with every fault injected:
//! the closes must find exactly the injected breaks.

use seqr_recon::config::Level;
use seqr_recon::demo::{self, DemoShop};

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
}
