//! The whole nightly close of a 1,000,000-sale day, as the operator runs it:
//! `seqr-recon run` (the real binary, its own process) ingests 1,000,000 posts,
//! marks, fetches a 1,000,000-row executeReport answer (base64 `content` and
//! `contentString`, about 425 MB) over HTTP from a stand-in SEQR in this
//! process, reconciles, writes the CSVs and queues the email. Reports the
//! binary's wall time and peak RSS (`/usr/bin/time -v`, Debian's `time`).
//! Run: `make bench-close` (or `cargo bench --profile dev --bench close_million`).

use std::io::Write;
use std::process::Command;
use std::time::Instant;

use axum::body::Bytes;
use axum::routing::post;
use base64::Engine;
use chrono::{Duration, TimeZone, Utc};
use seqr_recon::seqr::envelope::write_response;
use seqr_recon::seqr::soap::{read_body, Body};

const ROWS: usize = 1_000_000;
const PERIOD: &str = "2026112122000012301000044";
const RESELLER: &str = "acme-se";

/// The 1M-row detail report and its summary, rendered as SEQR does.
fn reports() -> (String, String) {
    let mut detail = String::with_capacity(ROWS * 200);
    detail.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TransactionDetails>\n<Meta>");
    detail.push_str(&format!(
        "<ResellerId>{RESELLER}</ResellerId><TransactionPeriodId>{PERIOD}</TransactionPeriodId>\
         <GeneratedAt>2026-11-21 22:00</GeneratedAt></Meta>\n"
    ));
    let mut total = rust_decimal::Decimal::ZERO;
    for i in 0..ROWS {
        let amount = rust_decimal::Decimal::new(100 + (i as i64 * 37) % 500_000, 2);
        total += amount;
        detail.push_str(&format!(
            "<Row><TerminalId>5c1d0a7e93b44f4c8e2a61f0b7d3a9{:02}</TerminalId><CashierId>c{}</CashierId>\
             <SalesAmount>{amount:.5}</SalesAmount><ErsReference>20261121080000{i:011}</ErsReference></Row>\n",
            i % 20,
            i % 50
        ));
    }
    detail.push_str("</TransactionDetails>");
    let summary = format!(
        "<CashierTransactionSummary><Meta><ResellerId>{RESELLER}</ResellerId>\
         <TransactionPeriodId>{PERIOD}</TransactionPeriodId></Meta><Row><SalesCount>{ROWS}</SalesCount>\
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
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        w,
        "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at"
    )
    .unwrap();
    for i in 0..ROWS {
        let amount = rust_decimal::Decimal::new(100 + (i as i64 * 37) % 500_000, 2);
        let t = start + Duration::milliseconds(i as i64 * 40);
        writeln!(
            w,
            "shop-1,5c1d0a7e93b44f4c8e2a61f0b7d3a9{:02},c{},20261121080000{i:011},R{i},{amount},SEK,PAYMENT,SEQR payment,{}",
            i % 20,
            i % 50,
            t.to_rfc3339()
        )
        .unwrap();
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
    std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
    posts(&dir.path().join("inbox/posts.csv"));

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
[reports]
dir = "reports"
[email]
transport = "file"
outbox = "outbox"
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
"#
        ),
    )
    .unwrap();

    let binary = env!("CARGO_BIN_EXE_seqr-recon");
    assert!(std::path::Path::new("/usr/bin/time").exists(), "needs /usr/bin/time (Debian package `time`)");
    let mut cmd = Command::new("/usr/bin/time");
    cmd.arg("-v").arg(binary);
    cmd.arg("--config").arg(&config).arg("run").env("BENCH_PW", "x").env("SEQR_RECON_LOG", "warn");
    let started = Instant::now();
    let out = rt.block_on(async { tokio::task::spawn_blocking(move || cmd.output().unwrap()).await.unwrap() });
    let wall = started.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the close failed:\n{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let peak_kib: Option<f64> = stderr
        .lines()
        .find(|l| l.contains("Maximum resident set size"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse().ok());
    println!(
        "close of {ROWS} sales (1M posts ingested, 1M-row report over HTTP, reconcile, CSVs, email queued): \
         {wall:.1} s wall, peak RSS {}",
        peak_kib.map(|k| format!("{:.0} MiB", k / 1024.0)).unwrap_or_else(|| "unknown".into())
    );
}
