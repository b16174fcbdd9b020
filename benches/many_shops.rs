//! Many shops closing at once against a slow SEQR, with the product's default
//! configuration (SEQR's advised waits: 3 s after the mark, 3 s between
//! REPORT_NOT_READY answers; the simulator answers each report with one
//! REPORT_NOT_READY first): `seqr-recon run` (the real binary, its own process) closes
//! `BENCH_SHOPS` shop-level shops (default 500) of one terminal each, against
//! the simulator in this process answering every call after `BENCH_LATENCY_MS`
//! (default 200). Each shop traded a short day of `BENCH_SALES` sales
//! (default 10, demo faults included) before the close. Reports the binary's
//! wall time, CPU time and peak RSS (`/usr/bin/time -v`, Debian's `time`).
//! `BENCH_NIGHTS` (default 1) plays that many days, each closed by its own
//! run, and reports every night: how the nightly close grows with the
//! history the shops keep.
//! `BENCH_CONCURRENT_SHOPS` sets `max_concurrent_shops`, `BENCH_MEMORY_LIMIT`
//! `[store] memory_limit`; `BENCH_RECON_LOG` is
//! the binary's `SEQR_RECON_LOG` (`warn` unless set), for example
//! `warn,seqr_recon::close::together=debug` to see how many closes each
//! round took.
//! Run: `make bench-shops` (or `cargo bench --profile dev --bench many_shops`).

use std::process::Command;

use seqr_recon::config::Level;
use seqr_recon::demo::till::{trading_day, write_journal, write_posts, DayOptions, FaultRates};
use seqr_recon::demo::{set_demo_passwords, set_up, DemoShop};
use seqr_recon::sim::Faults;

mod support;
use support::timed;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    let (n, latency_ms, sales) =
        (env_or("BENCH_SHOPS", 500), env_or("BENCH_LATENCY_MS", 200), env_or("BENCH_SALES", 10));
    let shops: Vec<DemoShop> = (1..=n).map(|i| DemoShop::new(&format!("shop-{i:03}"), "SEK", Level::Shop, 1)).collect();
    set_demo_passwords(&shops);
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // SEQR's clock runs 50 times fast while a day is played, so a day takes seconds.
    let world = rt.block_on(set_up(dir.path(), &shops, 50.0)).unwrap();
    // The product's default configuration: the demo's sets its own concurrency, a lake, and
    // SEQR waits made for its fast simulator (the product waits as SEQR advises: 3 s after the
    // mark, 3 s between REPORT_NOT_READY answers).
    let config = std::fs::read_to_string(&world.config_path).unwrap();
    let demo_only = |l: &&str| {
        ["max_concurrent_shops", "report_first_wait_seconds", "report_poll_interval_seconds", "report_max_attempts"]
            .iter()
            .any(|k| l.starts_with(k))
            || *l == "[lake]"
            || l.starts_with("dir = \"lake\"")
    };
    let mut config: String = config.lines().filter(|l| !demo_only(l)).collect::<Vec<_>>().join("\n");
    // BENCH_CONCURRENT_SHOPS sets `[schedule] max_concurrent_shops`, to compare with the default.
    let concurrency = match std::env::var("BENCH_CONCURRENT_SHOPS") {
        Ok(at_once) => {
            config = config.replacen("[schedule]", &format!("[schedule]\nmax_concurrent_shops = {at_once}"), 1);
            format!("{at_once} shops at once")
        }
        Err(_) => "default concurrency".to_string(),
    };
    // BENCH_MEMORY_LIMIT sets `[store] memory_limit`, as in bench-close.
    if let Ok(limit) = std::env::var("BENCH_MEMORY_LIMIT") {
        config = config.replacen("[store]", &format!("[store]\nmemory_limit = {limit:?}"), 1);
    }
    std::fs::write(&world.config_path, config).unwrap();
    let nights = env_or("BENCH_NIGHTS", 1);
    for night in 1..=nights {
        // The day, played with SEQR answering at once; its posts arrive in the inbox.
        world.sim.set_faults(Faults::default());
        let day = rt
            .block_on(trading_day(
                &world.client,
                &world.shops,
                &DayOptions {
                    sales_per_terminal: sales as usize,
                    seed: 7 + (night - 1),
                    faults: FaultRates::demo(),
                    clock: world.sim.clock().clone(),
                    sim_url: world.base_url.clone(),
                },
            ))
            .unwrap();
        write_posts(&dir.path().join(format!("inbox/posts-{night}.csv")), &day.posts).unwrap();
        write_journal(&dir.path().join(format!("inbox/journal-{night}.csv")), &day.journal).unwrap();

        // The close, SEQR answering every call after latency_ms.
        world.sim.set_faults(Faults { latency_ms, ..Default::default() });
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seqr-recon"));
        cmd.arg("--config")
            .arg(&world.config_path)
            .arg("run")
            .arg("--ad-hoc")
            .env("SEQR_RECON_LOG", std::env::var("BENCH_RECON_LOG").unwrap_or_else(|_| "warn".into()));
        // The simulator keeps answering on the runtime's threads meanwhile.
        let run = timed(cmd);
        let closed = run.stdout.lines().filter(|l| l.contains(" closed, ")).count();
        assert_eq!(closed as u64, n, "every shop closes:\n{}", run.stdout);
        println!(
            "night {night}: {n} shops ({} sales) closed at once, SEQR answering after {latency_ms} ms, \
             {concurrency}: {:.1} s wall, {:.1} s CPU, peak RSS {:.0} MiB",
            n * sales,
            run.wall,
            run.cpu,
            run.peak_mib
        );
    }
    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("kept in {}", dir.keep().display());
    }
}
