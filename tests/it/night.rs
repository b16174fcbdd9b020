//! A night as an operator meets it, with the real binary: a mistyped inbox, a
//! missing password, no POS file, a mail server that refuses or drops the
//! line, a full disk at the mark, a SIGTERM mid-call, a reader holding the
//! database. Each ends with one report or a clear error, never two, never
//! silence, and never an exit 0 for a report that did not go out.

use std::process::Command;
use std::time::Duration;

use mail_parser::MessageParser;
use seqr_recon::sim::Faults;

use crate::close::{periods, text, Floor, SHOP};
use crate::helpers::*;
use crate::smtp::{Behaviour, SmtpSink};

fn subjects(smtp: &SmtpSink) -> Vec<String> {
    smtp.messages()
        .iter()
        .map(|m| MessageParser::default().parse(&m.data).unwrap().subject().unwrap_or_default().to_string())
        .collect()
}

fn count(f: &Floor, sql: &str) -> i64 {
    read_one(&f.store(), sql, [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mistyped_inbox_is_a_configuration_error_before_anything_is_marked() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let cfg = std::fs::read_to_string(&f.config).unwrap().replace("/inbox\"", "/inbx\"");
    std::fs::write(&f.config, cfg).unwrap();
    f.sale("10").await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[pos] inbox") && stderr.contains("inbx"), "{stderr}");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 0);
    assert!(smtp.messages().is_empty(), "no report that calls every sale lost");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_password_variable_exits_3_before_any_close_begins() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let out = Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
        .arg("--config")
        .arg(&f.config)
        .arg("run")
        .env_remove("SEQR_TEST_RESELLER_PW")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SEQR_TEST_RESELLER_PW"), "{}", text(&out));
    assert!(!f.dir.path().join("db/recon.duckdb").exists(), "no database, so no close in intent");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn sales_with_no_pos_file_at_all_are_an_incomplete_report_without_refund_advice_and_ops_are_alerted() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    // Sales well before the close, as a day's would be: MISSING_LOCALLY, not IN_TRANSIT.
    let cfg = std::fs::read_to_string(&f.config).unwrap() + "\n[reconcile]\nin_transit_window_seconds = 0\n";
    std::fs::write(&f.config, cfg).unwrap();
    f.sale("120.00").await;
    f.sale("35.50").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let msgs = smtp.messages();
    let report = msgs.iter().find(|m| m.to.contains(&"backoffice@example.com".to_string())).unwrap();
    let report = MessageParser::default().parse(&report.data).unwrap();
    assert!(report.subject().unwrap().contains("NO POS FILE: incomplete"), "{:?}", report.subject());
    let body = report.body_text(0).unwrap().to_string();
    assert!(body.contains("INCOMPLETE: no POS file arrived") && body.contains("do not refund"), "{body}");
    // Following the email's advice moves no money: no line tells anyone to refund.
    let refund_advice = body.lines().filter(|l| l.contains("refund the customer") || l.contains("seqr-recon refund"));
    assert_eq!(refund_advice.count(), 0, "{body}");
    let html = report.body_html(0).unwrap().to_string();
    assert!(!html.contains("refund the customer"), "{html}");
    // Nor do the files attached to it, which an accountant works from.
    let period = read_one(&f.store(), "SELECT period_id FROM periods", [], |r| r.get::<_, String>(0));
    let exceptions =
        std::fs::read_to_string(f.dir.path().join("reports/shop-1").join(period.unwrap()).join("exceptions.csv"));
    let exceptions = exceptions.unwrap();
    assert_eq!(exceptions.lines().filter(|l| l.starts_with("MISSING_LOCALLY")).count(), 2, "{exceptions}");
    assert!(!exceptions.contains("refund the customer") && exceptions.contains("Do not refund anyone"), "{exceptions}");
    let alert = msgs.iter().find(|m| m.to == ["ops@example.com"]).expect("ops are alerted");
    let alert = MessageParser::default().parse(&alert.data).unwrap();
    assert!(alert.subject().unwrap().contains("no POS file arrived"), "{:?}", alert.subject());
}

#[test]
fn demo_refuses_a_folder_that_is_not_an_earlier_demos_and_wipes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("thesis.tex"), "years of work").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_seqr-recon")).args(["demo", "--dir"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(dir.path().join("thesis.tex")).unwrap(), "years of work");
}

#[test]
fn query_names_a_near_miss_lists_its_queries_and_asks_for_missing_parameters_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("c.toml");
    std::fs::write(&config, "[seqr]\nendpoint = \"http://x\"\nclient_id = \"x\"\n[store]\ndatabase = \"d.duckdb\"\n")
        .unwrap();
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_seqr-recon")).arg("--config").arg(&config).args(args).output().unwrap()
    };
    let out = cli(&["query", "daily_total"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean daily_totals?"), "{}", text(&out));
    let out = cli(&["query", "daily_totals", "--param", "from=2026-11-01"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("it needs --param to=…"), "{}", text(&out));
    let out = cli(&["query", "--list"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("daily_totals --param from=… --param to=…"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_busy_mail_server_leaves_the_report_queued_with_exit_5_and_a_later_run_delivers_it_once() {
    let smtp = SmtpSink::start();
    smtp.behave(Behaviour::BusyAtMailFrom);
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert!(smtp.messages().is_empty());
    smtp.behave(Behaviour::Accept);
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(0), "already closed, and its report delivered now: {}", text(&out));
    assert_eq!(smtp.messages().len(), 1);
    assert_eq!(count(&f, "SELECT count(*) FROM closes WHERE state = 'emailed'"), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recipient_refused_for_good_is_not_retried_and_ops_hear_which_address() {
    let smtp = SmtpSink::start();
    smtp.behave(Behaviour::RefuseRecipient("second@example.com".into()));
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    let got = subjects(&smtp);
    assert_eq!(got.len(), 1, "only the alert arrived: {got:?}");
    let received = smtp.messages().remove(0);
    assert_eq!(received.to, ["ops@example.com"]);
    let alert = MessageParser::default().parse(&received.data).unwrap();
    assert!(alert.body_text(0).unwrap().contains("second@example.com"), "{:?}", alert.body_text(0));
    // Permanent: the next run does not knock again; status says what to fix.
    smtp.behave(Behaviour::Accept);
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out));
    assert_eq!(smtp.messages().len(), 1, "the refused report is not sent again by itself");
    let status = f.cli(&["status"], &[]);
    assert_eq!(status.status.code(), Some(5), "{}", text(&status));
    assert!(String::from_utf8_lossy(&status.stdout).contains("refused for good"), "{}", text(&status));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_over_whose_answer_never_came_is_never_sent_again_by_itself() {
    for behaviour in [Behaviour::DropAfterData, Behaviour::SlowAnswer(3000)] {
        let smtp = SmtpSink::start();
        smtp.behave(behaviour.clone());
        let f = Floor::new(smtp.port, &[SHOP], "").await;
        let cfg = std::fs::read_to_string(&f.config)
            .unwrap()
            .replace("retry_seconds = [0.05]", "retry_seconds = [0.05, 0.05]\nsmtp_timeout_seconds = 1");
        std::fs::write(&f.config, cfg).unwrap();
        let out = f.cli(&["run"], &[]);
        assert_eq!(out.status.code(), Some(5), "{behaviour:?}: {}", text(&out));
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert_eq!(smtp.messages().len(), 1, "{behaviour:?}: the server holds one copy");
        smtp.behave(Behaviour::Accept);
        let out = f.cli(&["run"], &[]);
        assert_eq!(out.status.code(), Some(5), "{behaviour:?}: still in doubt: {}", text(&out));
        assert_eq!(smtp.messages().len(), 1, "{behaviour:?}: never a second copy by itself");
        let status = f.cli(&["status"], &[]);
        assert!(
            String::from_utf8_lossy(&status.stdout).contains("handed to SMTP without an answer"),
            "{}",
            text(&status)
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_while_seqr_answers_the_mark_loses_no_period() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e = f.sale("10").await;
    f.posts("p.csv", &[(e, "10")]);
    let out = f.cli(&["run"], &[("SEQR_RECON_FAILPOINT", "disk_full_after_journal_reserved")]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("No space left on device"), "{}", text(&out));
    // The outbox is on the full disk too: the alert went straight to SMTP.
    let alert = smtp.messages().into_iter().find(|m| m.to == ["ops@example.com"]).expect("ops are alerted");
    let alert = MessageParser::default().parse(&alert.data).unwrap().body_text(0).unwrap().to_string();
    assert!(alert.contains("No space left on device") && alert.contains("the close resumes"), "{alert}");
    // Space freed: the close resumes with the period SEQR returned, from the journal's slot.
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("resumed: period"), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
    assert_eq!(count(&f, "SELECT count(*) FROM periods"), 1);
    let reports = subjects(&smtp).iter().filter(|s| s.contains("[shop-1 period")).count();
    assert_eq!(reports, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_while_seqr_answers_the_mark_records_the_answer_and_the_next_run_resumes() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e = f.sale("10").await;
    f.posts("p.csv", &[(e, "10")]);
    let mark = Some("markTransactionPeriod".to_string());
    f.bench.set_faults(Faults { latency_ms: 1500, only_op: mark, ..Default::default() }).await;
    let child = Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
        .arg("--config")
        .arg(&f.config)
        .arg("run")
        .env("SEQR_TEST_RESELLER_PW", RESELLER_PASSWORD)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while f.bench.calls("markTransactionPeriod") == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("stopped by a signal"), "{}", text(&out));
    assert!(smtp.messages().is_empty(), "stopped before the report: {}", text(&out));
    f.bench.set_faults(Faults::default()).await;
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "the answer was kept: no second mark");
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reading_command_waits_for_the_process_holding_the_database_and_says_so() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    assert_eq!(f.cli(&["run"], &[]).status.code(), Some(0));
    let writer = f.store();
    let config = f.config.clone();
    let reader = std::thread::spawn(move || {
        Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
            .arg("--config")
            .arg(&config)
            .args(["query", "--sql", "SELECT count(*) AS closes FROM closes"])
            .output()
            .unwrap()
    });
    std::thread::sleep(Duration::from_millis(1500));
    drop(writer);
    let out = reader.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("holds the database"), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("closes"), "{}", text(&out));
}

/// Starts the daemon with its shop's close a few seconds away, a quick first
/// retry and a short wait for the database.
fn daemon_due_soon(f: &Floor) -> std::process::Child {
    let cfg = std::fs::read_to_string(&f.config).unwrap();
    std::fs::write(&f.config, cfg.replace("[store]\n", "[store]\nlock_wait_seconds = 1\n")).unwrap();
    f.daemon_closing_in(4, "\n[schedule]\nretry_first_wait_seconds = 1\n")
}

/// Waits (at most 40 s) for tonight's report, stops the daemon with SIGTERM, and
/// checks one report and one alert arrived; returns the daemon's log.
async fn one_report_and_one_alert(f: &Floor, smtp: &SmtpSink, mut child: std::process::Child) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(40);
    let report = |s: &String| s.contains("[shop-1 period");
    while !subjects(smtp).iter().any(report) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    let mut log = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(status.success(), "{status:?}\n{log}");
    assert!(!log.contains('\u{1b}'), "a log that is not on a terminal has no colour codes: {log}");
    let got = subjects(smtp);
    assert_eq!(got.iter().filter(|s| report(s)).count(), 1, "tonight's report, once: {got:?}\n{log}");
    assert_eq!(got.iter().filter(|s| s.contains("ALERT")).count(), 1, "one alert however often it tried: {got:?}");
    assert_eq!(count(f, "SELECT count(*) FROM periods"), 1);
    log
}

#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_tries_a_close_seqr_refused_again_through_the_night_with_one_alert() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    // SEQR is busy (code 94, a clean refusal) for longer than the client's own retries.
    let mark = Some("markTransactionPeriod".to_string());
    f.bench
        .set_faults(Faults { result_code: Some(94), result_code_count: 8, only_op: mark, ..Default::default() })
        .await;
    let child = daemon_due_soon(&f);
    one_report_and_one_alert(&f, &smtp, child).await;
    // Eight clean refusals (SEQR did nothing), then the one mark that made tonight's period.
    assert_eq!(f.bench.calls("markTransactionPeriod"), 9);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reader_holding_the_database_at_close_time_delays_the_night_instead_of_skipping_it() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    // An analyst's session: the database exists and this process holds it past the slot.
    let reader = f.store();
    let child = daemon_due_soon(&f);
    tokio::time::sleep(Duration::from_secs(8)).await;
    assert!(subjects(&smtp).iter().all(|s| s.contains("ALERT")), "nothing closed while the file was held");
    drop(reader);
    let log = one_report_and_one_alert(&f, &smtp, child).await;
    let alert = smtp.messages().into_iter().find(|m| m.to == ["ops@example.com"]).unwrap();
    let alert = MessageParser::default().parse(&alert.data).unwrap().body_text(0).unwrap().to_string();
    assert!(alert.contains("tries again"), "{alert}\n{log}");
}

#[test]
fn the_version_names_the_duckdb_an_analyst_needs_to_open_the_database() {
    let out = Command::new(env!("CARGO_BIN_EXE_seqr-recon")).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && version.contains("open it with DuckDB v2."), "{version}");
}

/// Sets a file's modification time `days` ago.
fn age(path: &std::path::Path, days: u64) {
    let when = std::time::SystemTime::now() - Duration::from_secs(days * 86_400);
    std::fs::File::options().write(true).open(path).unwrap().set_modified(when).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn closes_past_the_retention_leave_the_database_and_their_files_go_too() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e1 = f.sale("100.00").await;
    f.posts("p1.csv", &[(e1, "100.00")]);
    assert!(f.cli(&["run"], &[]).status.success());
    let e2 = f.sale("20.00").await;
    f.posts("p2.csv", &[(e2, "20.00")]);
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));

    // The first close, its email and its POS file are 500 days old; the rest is new.
    let store = f.store();
    store.tamper_for_test("UPDATE closes SET slot = slot - INTERVAL 500 DAY WHERE close_seq = 1").unwrap();
    let periods = periods(&store);
    drop(store);
    let folders: Vec<_> = periods.iter().map(|p| f.reports().join("shop-1").join(p)).collect();
    assert!(folders.iter().all(|d| d.is_dir()));
    let archived = f.dir.path().join("inbox/archive");
    let old_post = std::fs::read_dir(&archived).unwrap().next().unwrap().unwrap().path();
    age(&old_post, 500);
    let sent = f.dir.path().join("outbox/sent");
    std::fs::create_dir_all(&sent).unwrap();
    let old_mail = sent.join("old.eml");
    std::fs::write(&old_mail, "x").unwrap();
    age(&old_mail, 500);

    let out = f.cli(&["archive"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("archived 1 closes older than 400 days"), "{}", text(&out));
    assert!(!folders[0].exists() && folders[1].is_dir(), "only the old close's folder goes");
    assert!(!old_post.exists() && !old_mail.exists());
    assert_eq!(std::fs::read_dir(&archived).unwrap().count(), 1, "the new POS file stays");
    let store = f.store();
    let count = |sql: &str| -> i64 { read_one(&store, sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(count("SELECT count(*) FROM recon_items WHERE close_seq = 1"), 0);
    assert_eq!(count("SELECT count(*) FROM seqr_rows"), 1, "the first close's matched row is gone");
    assert_eq!(count("SELECT count(*) FROM closes WHERE archived_at IS NOT NULL"), 1);
    drop(store);

    // Archiving again moves nothing; the next night closes as ever, and its run archives too.
    let again = f.cli(&["archive"], &[]);
    assert!(text(&again).contains("archived 0 closes"), "{}", text(&again));
    let e3 = f.sale("30.00").await;
    f.posts("p3.csv", &[(e3, "30.00")]);
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(smtp.messages().len(), 3);
}
