//! The nightly close end to end: simulator over TCP, the real binary, a real
//! SMTP server on loopback, a DuckDB file.

use std::path::PathBuf;
use std::process::{Command, Output};

use mail_parser::{MessageParser, MimeHeaders};
use seqr_recon::seqr::types::Invoice;
use seqr_recon::sim::Faults;
use seqr_recon::store::Store;

use crate::helpers::*;
use crate::smtp::SmtpSink;

const PW_ENV: &str = "SEQR_TEST_RESELLER_PW";

pub struct Floor {
    pub bench: Bench,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

pub struct ShopSpec<'a> {
    pub id: &'a str,
    pub level: &'a str,
    pub password_env: &'a str,
}

pub const SHOP: ShopSpec<'static> = ShopSpec { id: "shop-1", level: "shop", password_env: PW_ENV };

impl Floor {
    pub async fn new(smtp_port: u16, shops: &[ShopSpec<'_>], extra_seqr: &str) -> Floor {
        let bench = Bench::start(sim_config(1.0)).await;
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().display().to_string();
        let mut text = format!(
            r#"[seqr]
endpoint = "{}/soap/merchant/cashregister-2"
client_id = "seqr-recon tests"
timeout_seconds = 5
report_first_wait_seconds = 0.01
report_poll_interval_seconds = 0.01
report_max_attempts = 5
retry_attempts = 3
{extra_seqr}
[store]
database = "{d}/db/recon.duckdb"
[pos]
inbox = "{d}/inbox"
[reports]
dir = "{d}/reports"
[email]
transport = "smtp"
outbox = "{d}/outbox"
from = "SEQR reconciliation <recon@example.com>"
to = ["backoffice@example.com", "second@example.com"]
alert_to = ["ops@example.com"]
smtp_host = "127.0.0.1"
smtp_port = {smtp_port}
retry_seconds = [0.05]
"#,
            bench.base_url
        );
        for s in shops {
            text.push_str(&format!(
                r#"
[[shop]]
id = "{}"
name = "Shop {}"
currency = "SEK"
timezone = "Europe/Stockholm"
close_at = "0 0 22 * * *"
level = "{}"
reseller_id = "{RESELLER}"
reseller_user_id = "9900"
password_env = "{}"
[[shop.terminal]]
id = "{TERMINAL}"
name = "POS 1"
password_env = "UNUSED_TERMINAL_PW"
"#,
                s.id, s.id, s.level, s.password_env
            ));
        }
        let config = dir.path().join("seqr-recon.toml");
        std::fs::write(&config, text).unwrap();
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        Floor { bench, dir, config }
    }

    /// A paid and polled sale; returns its ersReference.
    pub async fn sale(&self, amount: &str) -> String {
        let term = self.bench.terminal();
        let sent = self.bench.client.send_invoice(&term, Invoice::simple("Sale", "SEK", dec(amount))).await.unwrap();
        self.bench.customer_pays(&sent.invoice_reference).await;
        self.bench.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap().ers_reference.unwrap()
    }

    /// Drops a transaction-post file of shop-1 into the inbox.
    pub fn posts(&self, name: &str, rows: &[(String, &str)]) {
        self.posts_of("shop-1", name, rows);
    }

    /// Drops a transaction-post file of `shop` into the inbox.
    pub fn posts_of(&self, shop: &str, name: &str, rows: &[(String, &str)]) {
        let inbox = self.dir.path().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let mut text = String::from("shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at\n");
        for (ers, amount) in rows {
            text.push_str(&format!(
                "{shop},{TERMINAL},anna,{ers},,{amount},SEK,PAYMENT,SEQR payment,2026-01-01T10:00:00Z\n"
            ));
        }
        std::fs::write(inbox.join(name), text).unwrap();
    }

    /// Runs the real binary; `env` adds variables (passwords, failpoints).
    pub fn cli(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_seqr-recon"));
        cmd.arg("--config").arg(&self.config).args(args).env(PW_ENV, RESELLER_PASSWORD).env("SEQR_RECON_LOG", "warn");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    /// Starts the daemon (`seqr-recon schedule`) with the shop's close `seconds`
    /// from now, in UTC, and `extra` appended to the config; its log is piped.
    pub fn daemon_closing_in(&self, seconds: i64, extra: &str) -> std::process::Child {
        let at = chrono::Utc::now() + chrono::Duration::seconds(seconds);
        let cron = format!(
            "{} {} {} * * *",
            chrono::Timelike::second(&at),
            chrono::Timelike::minute(&at),
            chrono::Timelike::hour(&at)
        );
        let cfg = std::fs::read_to_string(&self.config).unwrap();
        let cfg = cfg.replace("0 0 22 * * *", &cron).replace("Europe/Stockholm", "UTC") + extra;
        std::fs::write(&self.config, cfg).unwrap();
        Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
            .arg("--config")
            .arg(&self.config)
            .arg("schedule")
            .env(PW_ENV, RESELLER_PASSWORD)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    }

    pub fn store(&self) -> Store {
        Store::open(&self.dir.path().join("db/recon.duckdb")).unwrap()
    }

    pub fn reports(&self) -> PathBuf {
        self.dir.path().join("reports")
    }
}

pub fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub fn periods(store: &Store) -> Vec<String> {
    read_rows(store, "SELECT period_id FROM periods ORDER BY marked_at", [], |r| r.get(0))
}

fn attachment<'a>(msg: &'a mail_parser::Message<'a>, name: &str) -> Option<&'a [u8]> {
    msg.attachments().find(|a| a.attachment_name() == Some(name)).map(mail_parser::MessagePart::contents)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_over_tcp_delivers_one_email_with_the_csvs_as_written() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e1 = f.sale("100.00").await;
    let e2 = f.sale("25.50").await;
    f.posts("posts-1.csv", &[(e1.clone(), "100.00"), (e2.clone(), "25.00")]);

    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().unwrap();
    assert!(last.starts_with("shop-1: period ") && last.contains("1 exception(s), email sent; reports in "), "{last}");

    let store = f.store();
    let period = periods(&store).pop().unwrap();
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].from, "recon@example.com");
    assert_eq!(msgs[0].to, vec!["backoffice@example.com", "second@example.com"]);
    let msg = MessageParser::default().parse(&msgs[0].data).unwrap();
    // The shop's name, the period in the shop's zone (this is its first close: until SEQR's time of the
    // mark), the count, the difference, whether to act today, and the period id for mail filters.
    let marked = seqr_recon::domain::ids::seqr_time(&period).unwrap().with_timezone(&chrono_tz::Europe::Stockholm);
    assert_eq!(
        msg.subject().unwrap(),
        format!(
            "[SEQR] Shop shop-1, until {}: 1 new, 0.50 SEK at risk — ACTION NEEDED [shop-1 period {period}]",
            marked.format("%-d %b %H:%M")
        )
    );
    assert!(msg.body_text(0).unwrap().contains("AMOUNT_MISMATCH"));
    assert!(msg.body_html(0).unwrap().contains("<table"));
    let dir = f.reports().join("shop-1").join(&period);
    for name in ["summary.csv", "exceptions.csv", "transactions.csv", "report.xlsx"] {
        let on_disk = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(attachment(&msg, name), Some(on_disk.as_slice()), "{name} attached exactly as written");
    }
    let exceptions = String::from_utf8(std::fs::read(dir.join("exceptions.csv")).unwrap()).unwrap();
    assert!(
        exceptions.contains(&format!(
            "AMOUNT_MISMATCH,shop-1,Shop shop-1,{period},{TERMINAL},POS 1,anna,{e2},,25.00000,25.50000,-0.50"
        )),
        "{exceptions}"
    );
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
}

/// The second close's email is the day's to-do list: what needs someone, the
/// largest amount at risk first, new items marked, an acknowledged one marked
/// as in hand, a snoozed one and a payment in transit counted but not listed,
/// a resolved one gone; the headline's amount at risk is the sum of the list.
#[tokio::test(flavor = "multi_thread")]
async fn the_report_email_is_the_days_to_do_list() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let matched = f.sale("100.00").await;
    let acknowledged = f.sale("20.00").await;
    let carried = f.sale("30.00").await;
    let snoozed = f.sale("40.00").await;
    let resolved = f.sale("50.00").await;
    f.posts("p1.csv", &[(matched, "100.00"), (acknowledged.clone(), "19.00"), (carried.clone(), "28.00")]);
    assert!(f.cli(&["run"], &[]).status.success());
    // The accountants between the closes, as the worklist's CLI records them.
    fn item(reference: &str) -> Vec<&str> {
        vec!["--shop", "shop-1", "--reference", reference, "--by", "eva"]
    }
    for args in [
        [vec!["exception", "acknowledge"], item(&acknowledged), vec!["--note", "calling the cashier"]].concat(),
        [vec!["exception", "snooze"], item(&snoozed), vec!["--until", "2099-01-01", "--note", "customer abroad"]]
            .concat(),
        [vec!["exception", "resolve"], item(&resolved), vec!["--how", "correction", "--why", "booked by hand"]]
            .concat(),
    ] {
        let out = f.cli(&args, &[]);
        assert!(out.status.success(), "{args:?}: {}", text(&out));
    }
    // The second close: a sale the till posted at the wrong amount (new), and one paid seconds
    // before the mark whose post is not in yet (in transit: nothing to do).
    let new = f.sale("60.00").await;
    f.posts("p2.csv", &[(new.clone(), "55.00")]);
    let _in_transit = f.sale("25.50").await;
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));

    let store = f.store();
    let [first, second]: [String; 2] = periods(&store).try_into().unwrap();
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 2);
    let msg = MessageParser::default().parse(&msgs[1].data).unwrap();
    let (text_part, html) = (msg.body_text(0).unwrap().to_string(), msg.body_html(0).unwrap().to_string());

    // The period in the shop's zone, from the previous close to this one; 5 + 2 + 1 at risk.
    let local = |p: &str| seqr_recon::domain::ids::seqr_time(p).unwrap().with_timezone(&chrono_tz::Europe::Stockholm);
    let span = format!(
        "{} – {} (Europe/Stockholm)",
        local(&first).format("%a %-d %b %Y %H:%M"),
        local(&second).format("%a %-d %b %Y %H:%M")
    );
    let same_day = local(&first).date_naive() == local(&second).date_naive();
    let oldest = if same_day { "since earlier today" } else { "oldest 1 day" };
    let headline = format!("1 new, 2 still open ({oldest}), 8.00 SEK at risk");
    assert_eq!(text_part.lines().next().unwrap(), format!("Shop shop-1: {span}. {headline}. ACTION NEEDED."));
    assert!(msg.subject().unwrap().contains(&format!(": {headline} — ACTION NEEDED [shop-1 period {second}]")));

    // The listed items, in the order of their amount at risk, each with what to do.
    let listed: Vec<&str> =
        text_part.lines().filter(|l| l.split_once(". ").is_some_and(|(n, _)| n.parse::<u32>().is_ok())).collect();
    assert_eq!(listed.len(), 3, "{text_part}");
    assert!(listed[0].starts_with("1. 5.00 SEK at risk: AMOUNT_MISMATCH (new today) NEW"), "{text_part}");
    assert!(listed[1].starts_with("2. 2.00 SEK at risk: AMOUNT_MISMATCH (open"), "{text_part}");
    assert!(listed[2].starts_with("3. 1.00 SEK at risk: AMOUNT_MISMATCH (open"), "{text_part}");
    for part in [&text_part, &html] {
        assert!(part.contains(&span), "{part}");
        assert!(part.contains(&format!("POS 1 ({TERMINAL}) · cashier anna · ")), "terminal, cashier and time: {part}");
        assert!(part.contains(&format!("ref {new}")) && part.contains(&format!("ref {carried}")), "{part}");
        assert!(part.contains("till 55.00, SEQR 60.00: POS posted 55.00, SEQR has 60.00"), "{part}");
        assert!(part.contains("acknowledged by eva (calling the cashier)"), "{part}");
        assert!(part.contains("To do: ") && part.contains("The till recorded a different amount than SEQR"), "{part}");
        assert!(part.contains("1 snoozed item(s) (40.00 SEK at risk) come back on their day."), "{part}");
        assert!(part.contains("1 payment(s) or refund(s) made in the last moments before the close are in transit"));
        // Not listed: the snoozed, the one in transit, the resolved one; no command for accountants.
        for gone in [&snoozed, &resolved] {
            assert!(!part.contains(&format!("ref {gone}")), "{gone} is not listed: {part}");
        }
        assert!(!part.contains("IN_TRANSIT") && !part.contains("seqr-recon "), "{part}");
    }
    assert_eq!(html.matches(">NEW<").count(), 1, "one item is new: {html}");
    // The workbook's To do sheet is the same list, in the same order.
    use calamine::Reader;
    let xlsx = attachment(&msg, "report.xlsx").expect("the workbook is attached").to_vec();
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(xlsx)).unwrap();
    let todo = book.worksheet_range("To do").unwrap();
    let header: Vec<String> = todo.rows().nth(1).unwrap().iter().map(ToString::to_string).collect();
    let reference = header.iter().position(|h| h == "Reference").unwrap();
    let listed: Vec<String> = todo.rows().skip(2).map(|r| r[reference].to_string()).collect();
    assert_eq!(listed, [new, carried, acknowledged]);
    assert!(html.contains("name=\"viewport\""), "phones scale it to their width");
    // What mail clients keep: inline styles, no scripts, no external sheets.
    assert!(html.contains("style=\"") && !html.contains("<script") && !html.contains("<link"), "{html}");
}

async fn killed_then_resumed(failpoint: &str) {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e1 = f.sale("10").await;
    f.posts("p.csv", &[(e1, "10")]);

    let out = f.cli(&["run"], &[("SEQR_RECON_FAILPOINT", failpoint)]);
    assert!(!out.status.success() && out.status.code().is_none(), "the process is killed: {}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
    let first = periods(&f.store());

    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resumed: period"), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "no second mark reaches SEQR");
    assert_eq!(periods(&f.store()), first, "the same period id");
    assert_eq!(smtp.messages().len(), 1, "exactly one email");
}

#[tokio::test(flavor = "multi_thread")]
async fn close_killed_after_mark_resumes_without_marking_again() {
    killed_then_resumed("after_marked").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn close_killed_after_fetch_resumes_and_mails_once() {
    killed_then_resumed("after_fetched").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_seqr_faults_are_ridden_out() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    f.sale("10").await;
    // An HTTP 500 on a read is retried; on the mark it would be an unknown outcome (see exactly_once.rs).
    let reads_only = Some("executeReport".to_string());
    f.bench.set_faults(Faults { latency_ms: 100, http_500: 1, only_op: reads_only, ..Default::default() }).await;
    assert!(f.cli(&["run"], &[]).status.success());
    f.bench.set_faults(Faults { result_code: Some(94), result_code_count: 2, ..Default::default() }).await;
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    f.bench.set_faults(Faults { soap_fault: 1, only_op: Some("executeReport".into()), ..Default::default() }).await;
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    // Three reports (the first close's sale has no POS post, so ops also got that alert).
    let reports = smtp.messages().iter().filter(|m| m.to.contains(&"backoffice@example.com".to_string())).count();
    assert_eq!(reports, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_never_ready_fail_the_close_with_an_alert_and_resume_later() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    f.bench.set_faults(Faults { reports_never_ready: true, ..Default::default() }).await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("still not ready after 5 attempts"), "{}", text(&out));
    let msgs = smtp.messages();
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0].to, vec!["ops@example.com"]);
    let alert = MessageParser::default().parse(&msgs[0].data).unwrap();
    assert!(alert.subject().unwrap().contains("ALERT shop-1"));
    assert!(
        alert.body_text(0).unwrap().contains("resumes from state marked without marking again"),
        "{:?}",
        alert.body_text(0)
    );

    f.bench.set_faults(Faults::default()).await;
    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
    assert_eq!(smtp.messages().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_password_fails_one_shop_clearly_and_the_others_still_close() {
    let smtp = SmtpSink::start();
    // Both terminal-level: a shop-level shop must be its reseller's only shop.
    let good = ShopSpec { id: "shop-1", level: "terminal", password_env: PW_ENV };
    let bad = ShopSpec { id: "shop-2", level: "terminal", password_env: "SEQR_TEST_WRONG_PW" };
    let f = Floor::new(smtp.port, &[good, bad], "").await;
    let out = f.cli(&["run"], &[("SEQR_TEST_WRONG_PW", "not-the-password")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shop-2: FAILED")
            && stderr.contains("code 20 AUTHENTICATION_FAILED")
            && stderr.contains("check password_env for shop shop-2"),
        "{stderr}"
    );
    assert!(!stderr.contains("not-the-password"));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shop-1: period"), "{}", text(&out));
    let subjects: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| MessageParser::default().parse(&m.data).unwrap().subject().unwrap().to_string())
        .collect();
    assert_eq!(subjects.len(), 2, "{subjects:?}");
    assert!(subjects.iter().any(|s| s.starts_with("[SEQR] ALERT shop-2")), "{subjects:?}");
    assert!(subjects.iter().any(|s| s.contains(" [shop-1 period ")), "{subjects:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn mail_that_cannot_be_sent_stays_queued_and_goes_with_the_next_run() {
    let port = SmtpSink::reserve_port();
    let f = Floor::new(port, &[SHOP], "").await;
    let out = f.cli(&["run"], &[]);
    // Not delivered is not success: cron and systemd see exit 5.
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("NOT DELIVERED, queued in the outbox"), "{}", text(&out));
    let status = f.cli(&["status"], &[]);
    assert_eq!(status.status.code(), Some(5), "status is a health check: {}", text(&status));
    let queued: Vec<_> = std::fs::read_dir(f.dir.path().join("outbox/queue")).unwrap().collect();
    assert_eq!(queued.len(), 1);

    let smtp = SmtpSink::start_at(port);
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let subjects: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| MessageParser::default().parse(&m.data).unwrap().subject().unwrap().to_string())
        .collect();
    let first_period = periods(&f.store())[0].clone();
    assert_eq!(subjects.len(), 2, "the queued report and tonight's: {subjects:?}");
    assert!(subjects[0].contains(&first_period), "{subjects:?}");
    // The first close's report went with a later run: that close is emailed too, and all is well.
    let states: Vec<String> = read_rows(&f.store(), "SELECT state FROM closes ORDER BY close_seq", [], |r| r.get(0));
    assert_eq!(states, ["emailed", "emailed"]);
    let status = f.cli(&["status"], &[]);
    assert_eq!(status.status.code(), Some(0), "{}", text(&status));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mark_with_unknown_outcome_stops_until_the_operator_confirms() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    std::fs::write(
        &f.config,
        std::fs::read_to_string(&f.config).unwrap().replace("timeout_seconds = 5", "timeout_seconds = 1"),
    )
    .unwrap();
    f.bench
        .set_faults(Faults {
            drop_after_acting: 1,
            only_op: Some("markTransactionPeriod".into()),
            ..Default::default()
        })
        .await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mark_unknown"), "{}", text(&out));
    let alert = MessageParser::default().parse(&smtp.messages()[0].data).unwrap().body_text(0).unwrap().to_string();
    assert!(alert.contains("--confirm-remark"), "{alert}");

    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "never re-marked blindly");

    let out = f.cli(&["run", "--shop", "shop-1", "--confirm-remark"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 2);
    let status = f.cli(&["status"], &[]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("state emailed"), "{}", text(&status));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_runs_a_close_due_in_a_few_seconds_once_and_stops_on_sigterm() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let mut child = f.daemon_closing_in(5, "");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while smtp.messages().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "clean shutdown on SIGTERM: {status:?}\n{log}");
    assert!(log.contains("next close"), "{log}");
    assert_eq!(smtp.messages().len(), 1, "{log}");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "{log}");
}

#[test]
fn config_with_a_literal_password_is_refused_by_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.toml");
    std::fs::write(&cfg, "[seqr]\nendpoint=\"http://x\"\nclient_id=\"x\"\n[store]\ndatabase=\"x.duckdb\"\n[[shop]]\nid=\"s\"\nname=\"S\"\ncurrency=\"SEK\"\ntimezone=\"UTC\"\nclose_at=\"0 0 22 * * *\"\nlevel=\"shop\"\nreseller_id=\"r\"\nreseller_user_id=\"9900\"\npassword_env=\"X\"\npassword=\"hunter2\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seqr-recon")).arg("--config").arg(&cfg).arg("status").output().unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("c.toml: shop[0] (s).password") && !err.contains("hunter2"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_long_ingest_under_cron_prints_no_progress_bar() {
    let f = Floor::new(SmtpSink::reserve_port(), &[SHOP], "").await;
    let inbox = f.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let mut csv = String::from(
        "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at\n",
    );
    for i in 0..60_000 {
        csv.push_str(&format!(
            "shop-1,{TERMINAL},anna,E{i:024},,12.50,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z\n"
        ));
    }
    assert!(csv.len() > 5 << 20, "large enough for a bar on a terminal");
    std::fs::write(inbox.join("big.csv"), csv).unwrap();
    // Output goes to pipes here, as under cron: only the result line, no bar.
    let out = f.cli(&["ingest"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.ends_with("big.csv: loaded 60000 posts rows\n") && stdout.lines().count() == 1, "{stdout}");
    assert!(!stdout.contains('\r') && !stdout.contains('\u{1b}'), "{stdout:?}");
}
