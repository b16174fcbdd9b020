//! Night 365 against night 2: does a close cost more as the database ages?
//!
//! Builds a year of nights fast through the product's own store (each night:
//! the tills' posts file ingested, SEQR's period and reports stored, every
//! shop's close classified and archived past `[store] retain_days`, and an
//! accountant writing off the posts SEQR never had, two nights later), then
//! times one night's close of every shop as a process of its own (the
//! classification, the self-check, the reports written and the archive: the
//! database work of a close) at night 2 and at night 365. The builder and the
//! timed close open the database with the product's default `[store]`
//! settings, as a run does, and allocate as the program does.
//! About 1% of sales break: a third are posted after the close's mark (due,
//! and matched, the next night), a third reach the till only in the next
//! night's file, and a third SEQR never had. Every tenth night each shop's
//! first post SEQR never had is never written off: it stays open for good.
//! One sale in 400 is refunded 30 nights later, booked by the till under the
//! payment's reference and by SEQR under a reference of its own. With
//! `BENCH_PLAIN` set, neither: every break settles within two nights.
//!
//! Shapes (`BENCH_SHAPE`): `big` is 1 shop with 20,000 sales a night, `many`
//! is 500 shops with 100 each; both by default. `BENCH_NIGHTS` (default 365)
//! is the night compared with night 2; `BENCH_RETAIN_DAYS` (default 400, the
//! product's) the retention.
//! Reports wall time, CPU time and peak RSS (`/usr/bin/time -v`) of each timed
//! night (the median of `BENCH_RUNS` runs, default 5, each from the database
//! as the night left it, and their least and greatest), the database's size,
//! and the ratios of the medians night N / night 2. With `BENCH_LOG` set, each
//! timed close also prints, with `BENCH_PHASES`, its time and peak RSS after
//! each phase and, with `BENCH_MEMORY`, what DuckDB itself held, by tag, at the
//! height of the classification and of the self-check (the sampling costs the
//! close CPU: time it without). `BENCH_KEEP` keeps each timed night's database
//! as it was before its close, in `night-N/` of the folder it prints
//! (`seqr-recon.before`), to close again or to profile.
//! `BENCH_AGAIN="DIR …"` closes kept nights again, taking turns, and compares
//! each with the first: nights built once, compared as often as needed.
//! `BENCH_FROM=DIR/night-N` goes on building from a kept night N of the same
//! shape (the trading is the same every time, so the history is the one a full
//! build makes) up to `BENCH_NIGHTS`.
//! Run: `make bench-nights`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rust_decimal::Decimal;
use seqr_recon::config::{ReconcileSettings, StoreSettings};
use seqr_recon::domain::{CloseKey, CloseState, Resolution, ShopId};
use seqr_recon::export::write_reports_together;
use seqr_recon::reconcile::{check_closes, reconcile_closes};
use seqr_recon::seqr::client::FetchedReport;
use seqr_recon::seqr::report::{DetailRow, Report, SummaryRow};
use seqr_recon::store::ingest::{ingest_file, ShopCurrencies};
use seqr_recon::store::Store;
use seqr_recon::worklist;

mod support;
use support::timed;

/// One shape of trading: how many shops, each with how many sales a night.
struct Shape {
    name: &'static str,
    shops: usize,
    sales: usize,
}

/// How a sale breaks, if it does (about 1% of sales).
#[derive(PartialEq)]
enum Break {
    /// Posted just after the close's mark: due, and matched, the next night.
    PostedAfterMark,
    /// The post reaches the till's file only the next night.
    NextNightsFile,
    /// SEQR never had it: written off by an accountant two nights later.
    NeverAtSeqr,
}

fn break_of(sale: usize) -> Option<Break> {
    match sale % 300 {
        7 => Some(Break::PostedAfterMark),
        107 => Some(Break::NextNightsFile),
        207 => Some(Break::NeverAtSeqr),
        _ => None,
    }
}

/// Refunded `REFUND_AFTER` nights later (never a sale that breaks).
fn refunded(sale: usize) -> bool {
    sale % 400 == 13 && !plain()
}

/// `BENCH_PLAIN`: no item left open for good and no late refund.
fn plain() -> bool {
    std::env::var_os("BENCH_PLAIN").is_some()
}

const REFUND_AFTER: i64 = 30;

fn shop_id(shop: usize) -> ShopId {
    ShopId::parse(format!("shop-{shop:03}")).unwrap()
}

fn terminal_id(shop: usize) -> String {
    format!("5c1d0a7e93b44f4c8e2a61f0b7d3{shop:04}")
}

fn mark_of(night: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 21, 0, 0).unwrap() + Duration::days(night - 1)
}

/// SEQR's 25-digit id or reference: its time, then `n`.
fn seqr_id(at: DateTime<Utc>, n: usize) -> String {
    format!("{}{n:011}", at.format("%Y%m%d%H%M%S"))
}

/// Closes before this leave the database after night `night`'s closes: `[store] retain_days`,
/// the product's default unless `BENCH_RETAIN_DAYS` says otherwise.
fn archive_before(night: i64) -> DateTime<Utc> {
    let days: i64 = std::env::var("BENCH_RETAIN_DAYS").ok().and_then(|v| v.parse().ok()).unwrap_or(400);
    mark_of(night) - Duration::days(days)
}

fn fetched(report: Report) -> FetchedReport {
    FetchedReport {
        report,
        report_zst: seqr_recon::seqr::client::compress_report(b"<r/>").unwrap(),
        response_sha256: "0".repeat(64),
        client_reference: "bench".into(),
        attempts: 1,
        not_ready: vec![],
    }
}

/// What a night leaves: its posts (some for the next night's file), SEQR's
/// rows per shop, and the references to write off later.
struct Night {
    posts: Vec<String>,
    next_file: Vec<String>,
    seqr: Vec<Vec<DetailRow>>,
    never_at_seqr: Vec<(usize, String)>,
}

/// Sale `i` of `shop` on `night`: when it was paid, its ersReference and its amount.
fn sale_of(shape: &Shape, night: i64, shop: usize, i: usize) -> (DateTime<Utc>, String, Decimal) {
    let open = mark_of(night) - Duration::hours(12);
    let spread = 12 * 3600 * 1000 / shape.sales as i64;
    let at = open + Duration::milliseconds(spread * i as i64 + 500);
    let sale = shop * shape.sales + i;
    (at, seqr_id(at, shop * 100_000 + i), Decimal::new(100 + (sale as i64 * 37) % 50_000, 2))
}

fn trade(shape: &Shape, night: i64) -> Night {
    let mark = mark_of(night);
    let mut n = Night { posts: vec![], next_file: vec![], seqr: vec![vec![]; shape.shops], never_at_seqr: vec![] };
    for shop in 0..shape.shops {
        for i in 0..shape.sales {
            let sale = shop * shape.sales + i;
            let (at, ers, amount) = sale_of(shape, night, shop, i);
            if night > REFUND_AFTER && refunded(sale) {
                let (_, payment, paid) = sale_of(shape, night - REFUND_AFTER, shop, i);
                let refund_at = at + Duration::milliseconds(200);
                n.posts.push(format!(
                    "{},{},anna,{payment},,{},SEK,REFUND,SEQR refund,{}",
                    shop_id(shop),
                    terminal_id(shop),
                    -paid,
                    (refund_at + Duration::seconds(2)).to_rfc3339()
                ));
                n.seqr[shop].push(DetailRow {
                    terminal_id: Some(terminal_id(shop)),
                    cashier_id: None,
                    amount: -paid,
                    ers_reference: seqr_id(refund_at, shop * 100_000 + 50_000 + i),
                });
            }
            let brk = break_of(sale);
            let posted_at = if brk == Some(Break::PostedAfterMark) { mark + Duration::seconds(30) } else { at };
            let post = format!(
                "{},{},anna,{ers},,{amount},SEK,PAYMENT,SEQR payment,{}",
                shop_id(shop),
                terminal_id(shop),
                posted_at.to_rfc3339()
            );
            match brk {
                Some(Break::NextNightsFile) => n.next_file.push(post),
                _ => n.posts.push(post),
            }
            if brk == Some(Break::NeverAtSeqr) {
                n.never_at_seqr.push((shop, ers));
            } else {
                n.seqr[shop].push(DetailRow {
                    terminal_id: Some(terminal_id(shop)),
                    cashier_id: None,
                    amount,
                    ers_reference: ers,
                });
            }
        }
    }
    n
}

/// Ingests `rows` as one posts file of the night.
fn ingest(store: &Store, dir: &Path, night: i64, rows: &[String], shops: &ShopCurrencies) {
    let path = dir.join(format!("posts-{night}.csv"));
    writeln!(support::posts_file(&path), "{}", rows.join("\n")).unwrap();
    ingest_file(store, &path, shops).unwrap();
}

/// Every shop's close of `night`, with its period and reports stored; returns (shop, close_seq, label).
/// Half the shops on a second connection of their own: storing a small shop's
/// reports is a dozen small statements, each on one core.
fn fetch_night(store: &Store, night: i64, seqr: Vec<Vec<DetailRow>>) -> Vec<(ShopId, i64, String)> {
    let mut shops: Vec<(usize, Vec<DetailRow>)> = seqr.into_iter().enumerate().collect();
    let second_half = shops.split_off(shops.len() / 2);
    let other = store.try_clone().unwrap();
    std::thread::scope(|s| {
        let second = s.spawn(move || fetch_shops(&other, night, second_half));
        let mut closes = fetch_shops(store, night, shops);
        closes.extend(second.join().unwrap());
        closes
    })
}

fn fetch_shops(store: &Store, night: i64, shops: Vec<(usize, Vec<DetailRow>)>) -> Vec<(ShopId, i64, String)> {
    let mark = mark_of(night);
    let mut closes = vec![];
    for (shop, rows) in shops {
        let id = shop_id(shop);
        let close = store.begin_close(&id, mark).unwrap();
        let period_id = seqr_id(mark, shop);
        store.record_period(&close, &period_id, None, mark, "bench", "hash").unwrap();
        let period = store.periods_of(&close.close_id).unwrap().remove(0);
        let total = rows.iter().map(|r| r.amount).sum();
        let summary = SummaryRow { terminal_id: None, count: rows.len() as u64, total };
        let detail = Report { details: rows, ..Default::default() };
        store
            .store_report(&close.close_id, &id, &period, "Reconciliation/STD_RECON_003.xml", &fetched(detail))
            .unwrap();
        let summary = Report { summaries: vec![summary], ..Default::default() };
        store.store_report(&close.close_id, &id, &period, "Reconciliation/Shop.xml", &fetched(summary)).unwrap();
        closes.push((id, close.close_seq, period_id));
    }
    closes
}

/// The database at `db`, opened as a run opens it: with the product's default
/// `[store]` settings (its memory limit, and checkpoints when the store closes).
fn open_store(db: &Path) -> Store {
    let settings: StoreSettings = toml::from_str(&format!("database = {:?}", db.display().to_string())).unwrap();
    Store::open_configured(&settings).unwrap()
}

/// Each shop's latest close: (shop, close_seq, label).
fn latest_closes(store: &Store, shops: usize) -> Vec<(ShopId, i64, String)> {
    (0..shops)
        .map(|shop| {
            let c = store.latest_close(&shop_id(shop)).unwrap().unwrap();
            let label = store.periods_of(&c.close_id).unwrap().remove(0).period_id;
            (shop_id(shop), c.close_seq, label)
        })
        .collect()
}

/// The timed part, in a process of its own: classify every shop's latest
/// close, check it and write its reports.
fn close_child(db: &Path, reports: &Path, shops: usize, archive_before: DateTime<Utc>) {
    peak("started");
    let store = open_store(db);
    let latest = latest_closes(&store, shops);
    let keys: Vec<CloseKey<'_>> = latest.iter().map(|(s, c, _)| CloseKey::new(s, *c)).collect();
    peak("opened");
    let watch = std::env::var_os("BENCH_MEMORY").map(|_| MemoryWatch::start(&store));
    // In rounds of at most 64 closes, as a run classifies and checks them (close::together).
    for round in keys.chunks(64) {
        reconcile_closes(&store, round, &ReconcileSettings::default()).unwrap();
    }
    peak("classified");
    if let Some(w) = &watch {
        w.end_phase("classification");
    }
    for round in keys.chunks(64) {
        for failures in check_closes(&store, round).unwrap() {
            assert!(failures.is_empty(), "{failures:?}");
        }
    }
    peak("checked");
    if let Some(w) = watch {
        w.end_phase("self-check");
        w.stop();
    }
    // Read 64 closes at a time, as a run reads the rows of the files it writes.
    let labelled: Vec<(CloseKey<'_>, &str)> =
        latest.iter().map(|(s, c, label)| (CloseKey::new(s, *c), label.as_str())).collect();
    for round in labelled.chunks(64) {
        write_reports_together(&store, reports, round).unwrap();
    }
    peak("written");
    for (shop, _, _) in &latest {
        let close = store.latest_close(shop).unwrap().unwrap();
        store.set_close_state(&close.close_id, CloseState::Exported, None).unwrap();
    }
    // As every batch ends: closes past the retention leave the database.
    let shop_ids: Vec<&ShopId> = latest.iter().map(|(s, _, _)| s).collect();
    peak("exported");
    let archived = store.archive(&shop_ids, archive_before).unwrap();
    peak("archived");
    drop(store);
    peak("checkpointed");
    println!("closed {}, archived {}", latest.len(), archived.len());
}

/// With `BENCH_PHASES` set, the child prints the time since it started and its
/// peak RSS so far after each phase.
fn peak(phase: &str) {
    static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    let started = STARTED.get_or_init(std::time::Instant::now);
    if std::env::var_os("BENCH_PHASES").is_some() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let hwm = status.lines().find(|l| l.starts_with("VmHWM")).unwrap_or_default();
        eprintln!("{phase}: {:.3} s, {hwm}", started.elapsed().as_secs_f64());
    }
}

/// With `BENCH_MEMORY` set, a second connection reads DuckDB's own account of
/// its memory (`duckdb_memory()`) every millisecond, and the child prints it,
/// by tag, at the moment each phase held the most.
struct MemoryWatch {
    ended: std::sync::mpsc::Sender<&'static str>,
    sampler: std::thread::JoinHandle<()>,
}

impl MemoryWatch {
    fn start(store: &Store) -> MemoryWatch {
        let other = store.try_clone().unwrap();
        let (ended, phases_ended) = std::sync::mpsc::channel::<&'static str>();
        let sampler = std::thread::spawn(move || {
            let mut most: (i64, Vec<(String, i64)>) = (0, Vec::new());
            loop {
                match phases_ended.try_recv() {
                    Ok(phase) => print_memory(phase, &std::mem::take(&mut most)),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => return,
                    Err(std::sync::mpsc::TryRecvError::Empty) => {}
                }
                let tags = other
                    .read_for_test("SELECT tag, memory_usage_bytes FROM duckdb_memory()", [], |r| {
                        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
                    })
                    .unwrap();
                let held: i64 = tags.iter().map(|(_, bytes)| bytes).sum();
                if held > most.0 {
                    most = (held, tags);
                }
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        MemoryWatch { ended, sampler }
    }

    /// Prints the most DuckDB held during the phase that just ended, and starts the next.
    fn end_phase(&self, phase: &'static str) {
        self.ended.send(phase).unwrap();
    }

    /// Stops sampling once every ended phase is printed.
    fn stop(self) {
        drop(self.ended);
        self.sampler.join().unwrap();
    }
}

fn print_memory(phase: &str, (held, tags): &(i64, Vec<(String, i64)>)) {
    let mib = |bytes: i64| bytes as f64 / 1048576.0;
    let by_tag: Vec<String> =
        tags.iter().filter(|(_, bytes)| *bytes > 0).map(|(tag, bytes)| format!("{tag} {:.1}", mib(*bytes))).collect();
    eprintln!("DuckDB's memory at the {phase}'s most: {:.1} MiB ({})", mib(*held), by_tag.join(", "));
}

/// The median of a timed night's runs, and the spread of each figure.
struct Measured {
    wall: Spread,
    cpu: Spread,
    peak_mib: Spread,
    db_mib: f64,
}

/// The median, least and greatest of one figure over the runs.
struct Spread {
    median: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(mut runs: Vec<f64>) -> Spread {
        runs.sort_by(f64::total_cmp);
        Spread { median: runs[runs.len() / 2], min: runs[0], max: runs[runs.len() - 1] }
    }
}

impl std::fmt::Display for Spread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = f.precision().unwrap_or(2);
        write!(f, "{:.p$} ({:.p$}-{:.p$})", self.median, self.min, self.max)
    }
}

/// A night's close to time, in the folder of its database: `seqr-recon.before`
/// is the database as the night left it, `close.args` how many shops close and
/// the retention's cut.
struct TimedClose {
    dir: PathBuf,
    shops: usize,
    archive_before: DateTime<Utc>,
}

impl TimedClose {
    /// Keeps the database of `dir`, closed by its store, as the night left it.
    fn keep(dir: &Path, shops: usize, archive_before: DateTime<Utc>) -> TimedClose {
        let db = dir.join("seqr-recon.duckdb");
        assert!(!db.with_extension("duckdb.wal").exists(), "the store checkpoints when it closes");
        std::fs::copy(&db, dir.join("seqr-recon.before")).unwrap();
        std::fs::write(dir.join("close.args"), format!("{shops}|{}", archive_before.to_rfc3339())).unwrap();
        TimedClose { dir: dir.to_path_buf(), shops, archive_before }
    }

    /// Moves the night's database as it was before its close to `to`, to be
    /// closed again with `BENCH_AGAIN`.
    fn move_to(&self, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for file in ["seqr-recon.before", "close.args"] {
            std::fs::rename(self.dir.join(file), to.join(file)).unwrap();
        }
    }

    /// A night kept by `BENCH_KEEP`.
    fn kept(dir: &Path) -> TimedClose {
        let args = std::fs::read_to_string(dir.join("close.args")).unwrap();
        let (shops, before) = args.split_once('|').unwrap();
        let archive_before = DateTime::parse_from_rfc3339(before).unwrap().with_timezone(&Utc);
        TimedClose { dir: dir.to_path_buf(), shops: shops.parse().unwrap(), archive_before }
    }

    /// Closes the night once more, as a process of its own, from its database as the night left it.
    fn run(&self) -> support::Timed {
        let (db, reports) = (self.dir.join("seqr-recon.duckdb"), self.dir.join("reports"));
        std::fs::copy(self.dir.join("seqr-recon.before"), &db).unwrap();
        // On disk before the close starts, or its checkpoint's sync would write the copy too.
        std::fs::File::open(&db).unwrap().sync_all().unwrap();
        let _ = std::fs::remove_dir_all(&reports);
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        let child =
            format!("{}|{}|{}|{}", db.display(), reports.display(), self.shops, self.archive_before.to_rfc3339());
        cmd.env("BENCH_NIGHTS_CHILD", child);
        let run = timed(cmd);
        assert!(run.stdout.contains("closed "), "{}", run.stdout);
        run
    }
}

/// Closes each night `BENCH_RUNS` times (default 5), the nights taking turns:
/// one run moves too much on a shared machine to compare two nights by.
fn measure(nights: &[TimedClose]) -> Vec<Measured> {
    let runs: usize = std::env::var("BENCH_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let mut timings: Vec<Vec<support::Timed>> = nights.iter().map(|_| vec![]).collect();
    for _ in 0..runs.max(1) {
        for (night, timings) in nights.iter().zip(&mut timings) {
            timings.push(night.run());
        }
    }
    nights
        .iter()
        .zip(timings)
        .map(|(night, timings)| {
            let db_mib = std::fs::metadata(night.dir.join("seqr-recon.duckdb")).unwrap().len() as f64 / 1048576.0;
            let spread = |figure: fn(&support::Timed) -> f64| Spread::of(timings.iter().map(figure).collect());
            Measured { wall: spread(|t| t.wall), cpu: spread(|t| t.cpu), peak_mib: spread(|t| t.peak_mib), db_mib }
        })
        .collect()
}

/// One night's figures, as `name: wall …`.
fn report(name: &str, m: &Measured) {
    println!(
        "{name}: wall {:.2} s, CPU {:.2} s, peak RSS {:.0} MiB, database {:.0} MiB",
        m.wall, m.cpu, m.peak_mib, m.db_mib
    );
}

/// The ratios of two nights' medians, as `name / base: …`.
fn compare(name: &str, m: &Measured, base: &str, b: &Measured) {
    println!(
        "{name} / {base}: wall {:.2}, CPU {:.2}, peak RSS {:.2}",
        m.wall.median / b.wall.median,
        m.cpu.median / b.cpu.median,
        m.peak_mib.median / b.peak_mib.median,
    );
}

/// The posts SEQR never had that an accountant writes off two nights after `night`.
fn written_off_later(night: i64, mut never_at_seqr: Vec<(usize, String)>) -> Vec<(usize, String)> {
    if night % 10 == 0 && !plain() {
        let mut first = std::collections::HashSet::new();
        never_at_seqr.retain(|(shop, _)| !first.insert(*shop));
    }
    never_at_seqr
}

/// Builds nights 1 to `last_night`, or goes on from the kept night `from`
/// (its posts file ingested, its reports stored and the nights before it
/// written off as a full build leaves them).
fn play(shape: &Shape, last_night: i64, from: Option<&Path>) {
    let dir = tempfile::tempdir().unwrap();
    let keep = std::env::var_os("BENCH_KEEP").is_some();
    if keep {
        println!("each timed night kept in {}/night-N", dir.path().display());
    }
    let db: PathBuf = dir.path().join("seqr-recon.duckdb");
    let mut first_night = 1;
    let mut to_write_off: Vec<Vec<(usize, String)>> = vec![];
    if let Some(from) = from {
        // The folder's name first: any other folder has no close.args for `kept` to read.
        first_night = from
            .file_name()
            .and_then(|n| n.to_str()?.strip_prefix("night-")?.parse().ok())
            .unwrap_or_else(|| panic!("BENCH_FROM names a kept night-N folder, not {}", from.display()));
        let kept = TimedClose::kept(from);
        assert_eq!(kept.shops, shape.shops, "{} holds another shape", from.display());
        std::fs::copy(from.join("seqr-recon.before"), &db).unwrap();
        for night in (first_night - 2).max(1)..first_night {
            to_write_off.push(written_off_later(night, trade(shape, night).never_at_seqr));
        }
    }
    let mut store = open_store(&db);
    let shops: ShopCurrencies = (0..shape.shops).map(|s| (shop_id(s), "SEK".to_string())).collect();
    let settings = ReconcileSettings::default();
    let mut carried: Vec<String> = vec![];
    let started = std::time::Instant::now();
    let (mut night2, mut night10) = (None, None);
    // Seconds spent building the history in each phase, over the last 50 nights.
    let mut phases = [0.0f64; 4];
    for night in first_night..=last_night {
        let day = trade(shape, night);
        let resumed = from.is_some() && night == first_night;
        let closes = if resumed {
            latest_closes(&store, shape.shops)
        } else {
            let mut rows = std::mem::take(&mut carried);
            rows.extend(day.posts);
            let t = std::time::Instant::now();
            ingest(&store, dir.path(), night, &rows, &shops);
            phases[0] += t.elapsed().as_secs_f64();
            let t = std::time::Instant::now();
            let closes = fetch_night(&store, night, day.seqr);
            phases[1] += t.elapsed().as_secs_f64();
            closes
        };
        carried = day.next_file;
        // Night 2 reads one row group of each table; from about night 10 on, a night reads
        // the two or three row groups its open items span: night 10 is the steady state.
        let timed_night = !resumed && (night == 2 || night == 10 || night == last_night);
        if timed_night {
            drop(store);
            let close = TimedClose::keep(dir.path(), shape.shops, archive_before(night));
            let m = measure(std::slice::from_ref(&close)).remove(0);
            if keep {
                close.move_to(&dir.path().join(format!("night-{night}")));
            }
            let name = format!("{}: night {night}", shape.name);
            report(&name, &m);
            if night == last_night {
                for (base, b) in [(2, &night2), (10, &night10)] {
                    let Some(b): &Option<Measured> = b else { continue };
                    compare(&name, &m, &format!("night {base}"), b);
                }
                println!("{}: history built in {:.0} s", shape.name, started.elapsed().as_secs_f64());
            } else if night == 2 {
                night2 = Some(m);
            } else {
                night10 = Some(m);
            }
            store = open_store(&db);
        } else {
            let t = std::time::Instant::now();
            let keys: Vec<CloseKey<'_>> = closes.iter().map(|(s, c, _)| CloseKey::new(s, *c)).collect();
            for round in keys.chunks(64) {
                reconcile_closes(&store, round, &settings).unwrap();
            }
            for (shop, _, _) in &closes {
                let close = store.latest_close(shop).unwrap().unwrap();
                store.set_close_state(&close.close_id, CloseState::Exported, None).unwrap();
            }
            let shop_ids: Vec<&ShopId> = closes.iter().map(|(s, _, _)| s).collect();
            store.archive(&shop_ids, archive_before(night)).unwrap();
            phases[2] += t.elapsed().as_secs_f64();
        }
        if night == last_night && keep {
            let _ = dir.keep();
            return;
        }
        to_write_off.push(written_off_later(night, day.never_at_seqr));
        let t = std::time::Instant::now();
        if to_write_off.len() > 2 {
            for (shop, ers) in to_write_off.remove(0) {
                worklist::resolve(&store, &shop_id(shop), &ers, Resolution::WriteOff, "never paid", "bench").unwrap();
            }
        }
        phases[3] += t.elapsed().as_secs_f64();
        if night % 50 == 0 {
            // A stretch resumed part-way through has no fifty nights to average.
            if night - first_night >= 49 {
                let [ingest, fetch, classify, resolve] = phases.map(|s| s / 50.0);
                println!(
                    "{}: nights {}-{night}, a night's building (in this process): ingest {ingest:.2} s, reports \
                     stored {fetch:.2} s, classified and archived {classify:.2} s, written off {resolve:.2} s",
                    shape.name,
                    night - 49
                );
            }
            phases = [0.0; 4];
        }
    }
}

fn main() {
    if let Ok(child) = std::env::var("BENCH_NIGHTS_CHILD") {
        let mut parts = child.split('|');
        let (db, reports, shops) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
        let before = DateTime::parse_from_rfc3339(parts.next().unwrap()).unwrap().with_timezone(&Utc);
        close_child(Path::new(db), Path::new(reports), shops.parse().unwrap(), before);
        return;
    }
    if let Ok(kept) = std::env::var("BENCH_AGAIN") {
        let dirs: Vec<&str> = kept.split_whitespace().collect();
        let nights: Vec<TimedClose> = dirs.iter().map(|d| TimedClose::kept(Path::new(d))).collect();
        let measured = measure(&nights);
        for (dir, m) in dirs.iter().zip(&measured) {
            report(dir, m);
        }
        for (dir, m) in dirs.iter().zip(&measured).skip(1) {
            compare(dir, m, dirs[0], &measured[0]);
        }
        return;
    }
    let last_night: i64 = std::env::var("BENCH_NIGHTS").ok().and_then(|v| v.parse().ok()).unwrap_or(365);
    let shape = std::env::var("BENCH_SHAPE").unwrap_or_default();
    let shapes = [Shape { name: "big", shops: 1, sales: 20_000 }, Shape { name: "many", shops: 500, sales: 100 }];
    let from = std::env::var_os("BENCH_FROM").map(PathBuf::from);
    for s in shapes.iter().filter(|s| shape.is_empty() || s.name == shape) {
        println!("{}: {} shop(s) x {} sales a night, nights 1 to {last_night}", s.name, s.shops, s.sales);
        play(s, last_night, from.as_deref());
    }
}
