//! The whole nightly close of a 1,000,000-sale day, as the operator runs it,
//! against the peer approach in the same run.
//!
//! `seqr-recon run` (the real binary, its own process) ingests 1,000,000 posts,
//! marks, fetches a 1,000,000-row executeReport answer (base64 `content` and
//! `contentString`, about 425 MB) over HTTP from a stand-in SEQR in this
//! process, reconciles, writes the CSVs and workbook and queues the email.
//! Then two pandas peers run on the same files (the posts and the answer saved
//! as SEQR sent it): `benches/close_pandas_same_work.py` does the same work
//! (parses the SOAP answer, reconciles, writes the three CSVs), and
//! `benches/close_pandas.py` only counts the categories. About 0.4%
//! of the sales break in each of five ways (see [`Break`]); both sides' counts
//! per category are printed and must agree. Reports both wall times, CPU times
//! and peak RSS (`/usr/bin/time -v`, Debian's `time`) and their ratios.
//! Run: `make bench-close` (it makes the pandas virtual environment); the
//! Python it runs is `$BENCH_PYTHON`. `BENCH_LAKE=1` adds `[lake]`, so the
//! steps show what publishing the close as Parquet costs.

use std::io::Write;
use std::process::Command;

use axum::body::Bytes;
use axum::routing::post;
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use seqr_recon::seqr::envelope::write_response;
use seqr_recon::seqr::soap::{read_body, Body};

mod support;
use support::timed;

const ROWS: usize = 1_000_000;
const PERIOD: &str = "2026112122000012301000044";
const RESELLER: &str = "acme-se";

/// How sale `i` breaks, if it does: one in 250 sales (0.4%) for each kind.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Break {
    /// The till posted it; SEQR has no such payment.
    MissingAtSeqr,
    /// SEQR took it; the till lost it.
    MissingLocally,
    /// The till posted 1.00 more than SEQR took.
    AmountMismatch,
    /// The till posted it twice.
    DuplicateLocal,
    /// The till booked it on another terminal.
    TerminalMismatch,
}

fn break_of(i: usize) -> Option<Break> {
    match i % 250 {
        1 => Some(Break::MissingAtSeqr),
        2 => Some(Break::MissingLocally),
        3 => Some(Break::AmountMismatch),
        4 => Some(Break::DuplicateLocal),
        5 => Some(Break::TerminalMismatch),
        _ => None,
    }
}

fn amount_of(i: usize) -> rust_decimal::Decimal {
    rust_decimal::Decimal::new(100 + (i as i64 * 37) % 500_000, 2)
}

fn terminal_of(i: usize) -> String {
    format!("5c1d0a7e93b44f4c8e2a61f0b7d3a9{:02}", i % 20)
}

/// The 1M-row detail report and its summary, rendered as SEQR does.
fn reports() -> (String, String) {
    let mut detail = String::with_capacity(ROWS * 200);
    detail.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TransactionDetails>\n<Meta>");
    detail.push_str(&format!(
        "<ResellerId>{RESELLER}</ResellerId><TransactionPeriodId>{PERIOD}</TransactionPeriodId>\
         <GeneratedAt>2026-11-21 22:00</GeneratedAt></Meta>\n"
    ));
    let (mut count, mut total) = (0, rust_decimal::Decimal::ZERO);
    for i in (0..ROWS).filter(|&i| break_of(i) != Some(Break::MissingAtSeqr)) {
        let amount = amount_of(i);
        (count, total) = (count + 1, total + amount);
        detail.push_str(&format!(
            "<Row><TerminalId>{}</TerminalId><CashierId>c{}</CashierId>\
             <SalesAmount>{amount:.5}</SalesAmount><ErsReference>20261121080000{i:011}</ErsReference></Row>\n",
            terminal_of(i),
            i % 50
        ));
    }
    detail.push_str("</TransactionDetails>");
    let summary = format!(
        "<CashierTransactionSummary><Meta><ResellerId>{RESELLER}</ResellerId>\
         <TransactionPeriodId>{PERIOD}</TransactionPeriodId></Meta><Row><SalesCount>{count}</SalesCount>\
         <SalesTotal>{total:.5}</SalesTotal></Row></TerminalTransactionSummary>"
    );
    (detail, summary)
}

/// An executeReport answer carrying `doc` twice, as SEQR does.
fn report_answer(doc: &str) -> String {
    write_response("executeReport", None, 0, "SUCCESS", |x| {
        x.open("report");
        x.leaf("title", "report");
        x.leaf("mimeType", "text/plain");
        x.leaf("content", &base64::engine::general_purpose::STANDARD.encode(doc));
        x.cdata_leaf("contentString", doc);
        x.close("report");
    })
}

fn posts(path: &std::path::Path) {
    let start = Utc.with_ymd_and_hms(2026, 11, 21, 8, 0, 0).unwrap();
    let mut w = support::posts_file(path);
    for i in 0..ROWS {
        let breaks = break_of(i);
        let (mut amount, mut terminal) = (amount_of(i), terminal_of(i));
        match breaks {
            Some(Break::MissingLocally) => continue,
            Some(Break::AmountMismatch) => amount += rust_decimal::Decimal::ONE,
            Some(Break::TerminalMismatch) => terminal = terminal_of(i + 1),
            _ => {}
        }
        let t = (start + Duration::milliseconds(i as i64 * 40)).to_rfc3339();
        let copies = if breaks == Some(Break::DuplicateLocal) { 2 } else { 1 };
        for _ in 0..copies {
            writeln!(
                w,
                "shop-1,{terminal},c{},20261121080000{i:011},R{i},{amount},SEK,PAYMENT,SEQR payment,{t}",
                i % 50
            )
            .unwrap();
        }
    }
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (detail, summary) = reports();
    // Bytes: each answer is served without copying it.
    let detail_answer = Bytes::from(report_answer(&detail));
    let summary_answer = Bytes::from(report_answer(&summary));
    drop((detail, summary));
    let mark_answer = Bytes::from(write_response("markTransactionPeriod", None, 0, "SUCCESS", |x| {
        x.leaf("transactionPeriodId", PERIOD);
    }));
    println!("executeReport answer: {:.1} MB", detail_answer.len() as f64 / 1e6);
    // The pandas script reads the same files: the posts and the answer as SEQR sent it.
    let (posts_csv, answer_xml) = (dir.path().join("posts.csv"), dir.path().join("answer.xml"));
    posts(&posts_csv);
    std::fs::write(&answer_xml, &detail_answer).unwrap();
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    std::fs::copy(&posts_csv, dir.path().join("inbox/posts.csv")).unwrap();

    let rt = tokio::runtime::Runtime::new().unwrap();
    let url = rt.block_on(async {
        let app = axum::Router::new().route(
            "/soap",
            post(move |body: String| {
                let (mark, detail, summary) = (mark_answer.clone(), detail_answer.clone(), summary_answer.clone());
                async move {
                    let op = match read_body(&body) {
                        Ok(Body::Element { name, fields }) => (name, fields.text("reportId").unwrap_or_default()),
                        _ => (String::new(), String::new()),
                    };
                    match (op.0.as_str(), op.1.contains("STD_RECON_003")) {
                        ("markTransactionPeriod", _) => mark,
                        ("executeReport", true) => detail,
                        _ => summary,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/soap", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        url
    });

    // The product's default ([store] memory_limit = 512MB) unless BENCH_MEMORY_LIMIT says otherwise.
    let memory_limit = std::env::var("BENCH_MEMORY_LIMIT").unwrap_or_else(|_| "512MB".into());
    // BENCH_LAKE=1 also publishes the close to a Parquet lake (its own `lake` step below).
    let lake = if std::env::var_os("BENCH_LAKE").is_some() { "[lake]\ndir = \"lake\"\n" } else { "" };
    let config = dir.path().join("seqr-recon.toml");
    std::fs::write(
        &config,
        format!(
            r#"[seqr]
endpoint = "{url}"
client_id = "bench"
timeout_seconds = 300
report_first_wait_seconds = 0
[store]
database = "bench.duckdb"
memory_limit = "{memory_limit}"
[pos]
inbox = "inbox"
[email]
to = ["backoffice@example.com"]
[[shop]]
id = "shop-1"
name = "Shop 1"
currency = "SEK"
timezone = "UTC"
close_at = "0 0 22 * * *"
level = "shop"
reseller_id = "{RESELLER}"
reseller_user_id = "9900"
password_env = "BENCH_PW"
{lake}"#
        ),
    )
    .unwrap();

    let binary = env!("CARGO_BIN_EXE_seqr-recon");
    let mut ours = Command::new(binary);
    ours.arg("--config")
        .arg(&config)
        .arg("run")
        .env("BENCH_PW", "x")
        .env("SEQR_RECON_LOG", std::env::var("BENCH_LOG").unwrap_or_else(|_| "warn".into()));
    // The stand-in SEQR keeps answering on the runtime's threads meanwhile.
    let ours = timed(ours);
    print!("{}", ours.stdout);
    let python = std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".into());
    let mut peer = Command::new(python);
    peer.arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/close_pandas.py")).arg(&posts_csv).arg(&answer_xml);
    let peer = timed(peer);
    // The peer that does the same work: parses SEQR's answer, reconciles and writes the three reports.
    let mut same_work = Command::new(std::env::var("BENCH_PYTHON").unwrap_or_else(|_| "python3".into()));
    same_work
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/benches/close_pandas_same_work.py"))
        .arg(&posts_csv)
        .arg(&answer_xml)
        .arg(dir.path().join("pandas-reports"));
    let same_work = timed(same_work);

    // Both did the same job: the same count in every category the script knows.
    let database = duckdb::Connection::open(dir.path().join("bench.duckdb")).unwrap();
    let mut ours_counts = std::collections::BTreeMap::new();
    let mut stmt = database.prepare("SELECT category, count(*) FROM recon_items GROUP BY category").unwrap();
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))).unwrap() {
        let (category, n) = row.unwrap();
        ours_counts.insert(category, n);
    }
    // Where the close's time went, step by step (the `runs` table).
    let mut stmt = database
        .prepare(
            "SELECT step, epoch_ms(started_at), epoch_ms(finished_at), detail FROM runs ORDER BY started_at, finished_at",
        )
        .unwrap();
    let steps = stmt
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?))
        })
        .unwrap();
    for row in steps {
        let (step, from, to, detail) = row.unwrap();
        let at = |ms: i64| (ms - ours.started_ms) as f64 / 1000.0;
        println!(
            "  {step:<12} {:>6.2} s to {:>6.2} s  {}",
            at(from),
            at(to),
            detail.chars().take(80).collect::<String>()
        );
    }
    println!("{:<18} {:>9} {:>9} {:>9}", "category", "ours", "pandas", "same-work");
    let counts = |out: &str| -> std::collections::BTreeMap<String, i64> {
        out.lines()
            .map(|l| l.split_once(',').expect("the scripts print category,count"))
            .map(|(c, n)| (c.to_string(), n.parse().unwrap()))
            .collect()
    };
    let (count_only, same) = (counts(&peer.stdout), counts(&same_work.stdout));
    for (category, n) in &count_only {
        let our = ours_counts.get(category).copied().unwrap_or(0);
        let s = same.get(category).copied().unwrap_or(0);
        println!("{category:<18} {our:>9} {n:>9} {s:>9}");
        assert_eq!(our, *n, "{category}: the close and the pandas script disagree");
        assert_eq!(our, s, "{category}: the close and the same-work script disagree");
    }

    if std::env::var_os("BENCH_KEEP").is_some() {
        println!("kept in {}", dir.keep().display());
    }
    println!(
        "close of {ROWS} sales (1M posts ingested, 1M-row report over HTTP, reconcile, CSVs, workbook, email queued)"
    );
    let runs = [("seqr-recon run:   ", &ours), ("same-work script: ", &same_work), ("count-only script:", &peer)];
    for (who, run) in runs {
        println!("  {who} {:6.1} s wall, {:5.1} s CPU, peak RSS {:5.0} MiB", run.wall, run.cpu, run.peak_mib);
    }
    for (what, script) in [("same-work", &same_work), ("count-only", &peer)] {
        println!(
            "  seqr-recon is {:.2}x the speed of the {what} script, with {:.2}x its CPU time and {:.2}x its peak memory",
            script.wall / ours.wall,
            ours.cpu / script.cpu,
            ours.peak_mib / script.peak_mib
        );
    }
}
