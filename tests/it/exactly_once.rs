//! Never twice, never lost: the close against a SEQR that fails after acting,
//! a process killed at every step, a second run the same night, a locked
//! database, refused input. Real binary, simulator over TCP, SMTP on loopback.

use mail_parser::MessageParser;
use seqr_recon::sim::{AfterActing, Faults};

use crate::close::{text, Floor, SHOP};
use crate::helpers::*;
use crate::smtp::SmtpSink;

fn subjects(smtp: &SmtpSink) -> Vec<String> {
    smtp.messages()
        .iter()
        .map(|m| MessageParser::default().parse(&m.data).unwrap().subject().unwrap_or_default().to_string())
        .collect()
}

fn report_subjects(smtp: &SmtpSink) -> Vec<String> {
    subjects(smtp).into_iter().filter(|s| s.contains(" [shop-1 period ")).collect()
}

fn periods(f: &Floor) -> Vec<String> {
    let store = f.store();
    read_rows(&store, "SELECT period_id FROM periods ORDER BY marked_at", [], |r| r.get(0))
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mark_answered_badly_after_seqr_acted_stops_in_mark_unknown_and_is_never_sent_again() {
    for how in [AfterActing::Http502, AfterActing::ServerFault, AfterActing::SuccessWithoutId, AfterActing::CutBody] {
        let smtp = SmtpSink::start();
        let f = Floor::new(smtp.port, &[SHOP], "").await;
        f.bench
            .set_faults(Faults {
                only_op: Some("markTransactionPeriod".into()),
                after_acting: Some(how),
                after_acting_count: 1,
                ..Default::default()
            })
            .await;
        let first = f.cli(&["run"], &[]);
        assert_eq!(first.status.code(), Some(1), "{how:?}: {}", text(&first));
        assert!(stderr(&first).contains("stopped in mark_unknown"), "{how:?}: {}", text(&first));
        let second = f.cli(&["run"], &[]);
        assert_eq!(second.status.code(), Some(1), "{how:?}: {}", text(&second));
        assert!(stderr(&second).contains("mark_unknown"), "{how:?}: {}", text(&second));
        assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "{how:?}: SEQR received one mark over two runs");
        assert_eq!(f.bench.calls("executeReport"), 0, "{how:?}");
        let alerts = subjects(&smtp);
        assert_eq!(alerts, ["[SEQR] ALERT shop-1: close shop-1-000001 failed in state mark_unknown"], "{how:?}");
        // The stopped run wrote its step, with the call's clientReference, for the operator to ask SEQR about.
        let steps: Vec<(String, String, String)> =
            read_rows(&f.store(), "SELECT step, outcome, detail FROM runs WHERE finished_at >= started_at", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            });
        assert_eq!(steps.len(), 1, "{how:?}: {steps:?}");
        assert_eq!((steps[0].0.as_str(), steps[0].1.as_str()), ("mark", "unknown"), "{how:?}");
        assert!(steps[0].2.contains("clientReference"), "{how:?}: {steps:?}");
    }
}

/// Kills the close at `failpoint`, runs again, then once more: one mark at
/// most, one report email, the same period id throughout.
async fn crash_at(failpoint: &str) {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let ers = f.sale("10").await;
    f.posts("p.csv", &[(ers, "10")]);

    let killed = f.cli(&["run"], &[("SEQR_RECON_FAILPOINT", failpoint)]);
    assert!(killed.status.code().is_none(), "{failpoint}: the process is killed: {}", text(&killed));
    // A report SMTP may have taken is in doubt, not delivered: the runs after say so (exit 5).
    let ok_code = if failpoint == "after_smtp_accepted" { 5 } else { 0 };
    let marks_before = f.bench.calls("markTransactionPeriod");
    let first_periods = periods(&f);

    let again = f.cli(&["run"], &[]);
    if failpoint == "after_marking" {
        // Killed before the mark was sent: its outcome is unknown to us, so nothing
        // is marked blindly; the operator's confirmation marks.
        assert_eq!(marks_before, 0);
        assert_eq!(again.status.code(), Some(1), "{}", text(&again));
        assert!(stderr(&again).contains("was in flight when the process stopped"), "{}", text(&again));
        let confirmed = f.cli(&["run", "--shop", "shop-1", "--confirm-remark"], &[]);
        assert!(confirmed.status.success(), "{}", text(&confirmed));
    } else {
        assert_eq!(marks_before, 1, "{failpoint}");
        assert_eq!(again.status.code(), Some(ok_code), "{failpoint}: {}", text(&again));
    }
    let after = periods(&f);
    assert_eq!(after.len(), 1, "{failpoint}: one period for the night: {after:?}");
    if !first_periods.is_empty() {
        assert_eq!(after, first_periods, "{failpoint}: the same period id");
    }

    let third = f.cli(&["run"], &[]);
    assert_eq!(third.status.code(), Some(ok_code), "{failpoint}: {}", text(&third));
    assert!(String::from_utf8_lossy(&third.stdout).contains("shop-1: already closed"), "{}", text(&third));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1, "{failpoint}: one mark reached SEQR");
    let reports = report_subjects(&smtp);
    assert_eq!(reports.len(), 1, "{failpoint}: one report email: {reports:?}");
    assert!(reports[0].contains(&after[0]), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_killed_before_its_mark_is_sent_stops_for_the_operator() {
    crash_at("after_marking").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_killed_after_seqr_answered_the_mark_resumes_with_the_journaled_period_id() {
    crash_at("after_mark_answered").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_killed_after_reconciling_resumes_and_mails_once() {
    crash_at("after_reconciled").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_killed_after_exporting_mails_once() {
    crash_at("after_exported").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_killed_between_smtp_accepting_and_recording_the_email_never_sends_it_again() {
    crash_at("after_smtp_accepted").await;
    // And `status` says the email's fate is unknown instead of silently retrying.
}

#[tokio::test(flavor = "multi_thread")]
async fn status_names_an_email_handed_to_smtp_by_a_run_that_died() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let killed = f.cli(&["run"], &[("SEQR_RECON_FAILPOINT", "after_smtp_accepted")]);
    assert!(killed.status.code().is_none(), "{}", text(&killed));
    assert_eq!(smtp.messages().len(), 1, "SMTP took it");
    let status = f.cli(&["status"], &[]);
    let out = String::from_utf8_lossy(&status.stdout);
    assert!(out.contains("1 email(s) handed to SMTP without an answer"), "{}", text(&status));
    assert_eq!(status.status.code(), Some(5), "in doubt is not healthy: {}", text(&status));
    // `resend` is the explicit way to send it again.
    let period = periods(&f).remove(0);
    let resent = f.cli(&["resend", "--shop", "shop-1", "--period", &period], &[]);
    assert!(resent.status.success(), "{}", text(&resent));
    assert_eq!(report_subjects(&smtp).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_run_the_same_night_is_already_closed_and_ad_hoc_is_explicit() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    assert!(f.cli(&["run"], &[]).status.success());
    let again = f.cli(&["run"], &[]);
    assert!(again.status.success(), "{}", text(&again));
    let out = String::from_utf8_lossy(&again.stdout);
    assert!(out.contains("shop-1: already closed for the slot of ") && out.contains("--ad-hoc"), "{out}");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
    assert_eq!(report_subjects(&smtp).len(), 1);

    let extra = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(extra.status.success(), "{}", text(&extra));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 2);
    assert_eq!(report_subjects(&smtp).len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_database_is_waited_for_then_the_run_fails_naming_the_holder_and_alerts() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let cfg = std::fs::read_to_string(&f.config).unwrap();
    let cfg = cfg.replacen("[store]\n", "[store]\nlock_wait_seconds = 1\n", 1);
    std::fs::write(&f.config, cfg).unwrap();
    let holder = f.store();
    let started = std::time::Instant::now();
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "it waited");
    let err = stderr(&out);
    assert!(err.contains("stayed locked by another process for 1 s"), "{err}");
    assert!(err.contains(&format!("PID {}", std::process::id())), "names the holder: {err}");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 0);
    let alerts = subjects(&smtp);
    assert_eq!(alerts, ["[SEQR] ALERT: the nightly close could not open its database"], "{alerts:?}");
    drop(holder);
    assert!(f.cli(&["run"], &[]).status.success(), "runs once the holder is gone");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_pos_file_is_named_in_the_shops_report_and_ops_are_alerted() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let ers = f.sale("10").await;
    let good = f.sale("20").await;
    f.posts("good.csv", &[(good, "20")]);
    f.posts("bad.csv", &[(ers, "10"), ("2026112100000000000000001".into(), "not-money")]);

    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(4), "input refused: {}", text(&out));
    let all = subjects(&smtp);
    assert!(all.iter().any(|s| s == "[SEQR] ALERT: 1 POS file(s) refused"), "{all:?}");
    let reports = report_subjects(&smtp);
    assert_eq!(reports.len(), 1, "{all:?}");
    assert!(reports[0].contains(", 1 POS file(s) REFUSED: incomplete [shop-1 period "), "{reports:?}");
    let msg = smtp.messages().into_iter().find(|m| {
        MessageParser::default().parse(&m.data).unwrap().subject().unwrap_or_default().contains(" [shop-1 period ")
    });
    let body = MessageParser::default().parse(&msg.unwrap().data).unwrap().body_text(0).unwrap().to_string();
    assert!(body.contains("INCOMPLETE") && body.contains("bad.csv: 2 row(s) of this shop, 1 problem(s)"), "{body}");
    assert!(body.contains("do not refund those customers"), "{body}");

    // The next report no longer names it.
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let reports = report_subjects(&smtp);
    assert!(!reports[1].contains("REFUSED"), "{reports:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_smtp_secret_is_an_error_naming_the_variable_and_nothing_is_sent_unauthenticated() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let cfg = std::fs::read_to_string(&f.config).unwrap().replace(
        "retry_seconds = [0.05]",
        "retry_seconds = [0.05]\nsmtp_user_env = \"SEQR_TEST_SMTP_USER\"\nsmtp_password_env = \"SEQR_TEST_SMTP_PW\"",
    );
    std::fs::write(&f.config, cfg).unwrap();
    let out = f.cli(&["run"], &[("SEQR_TEST_SMTP_USER", "recon")]);
    assert_eq!(out.status.code(), Some(3), "a missing secret is the configuration's: {}", text(&out));
    assert!(stderr(&out).contains("smtp_password_env: environment variable SEQR_TEST_SMTP_PW"), "{}", text(&out));
    assert!(smtp.messages().is_empty());
    assert_eq!(f.bench.calls("markTransactionPeriod"), 0, "found before anything acts");
}

#[tokio::test(flavor = "multi_thread")]
async fn relative_paths_follow_the_config_file_and_reading_commands_never_create_or_write() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let d = f.dir.path().display().to_string();
    let cfg = std::fs::read_to_string(&f.config).unwrap().replace(&format!("\"{d}/"), "\"");
    assert!(cfg.contains("database = \"db/recon.duckdb\""), "{cfg}");
    std::fs::write(&f.config, cfg).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
            .current_dir(elsewhere.path())
            .arg("--config")
            .arg(&f.config)
            .args(args)
            .env("SEQR_TEST_RESELLER_PW", RESELLER_PASSWORD)
            .env("SEQR_RECON_LOG", "warn")
            .output()
            .unwrap()
    };

    let none = cli(&["query", "daily_totals", "--param", "from=2026-01-01", "--param", "to=2026-12-31"]);
    assert_eq!(none.status.code(), Some(1), "{}", text(&none));
    let db = f.dir.path().join("db/recon.duckdb");
    assert!(stderr(&none).contains(&format!("[store] database: {} does not exist", db.display())), "{}", text(&none));
    assert!(!db.exists() && std::fs::read_dir(elsewhere.path()).unwrap().next().is_none(), "nothing created");

    assert!(cli(&["run"]).status.success());
    assert!(db.exists(), "the run from another folder used the config's folder");
    assert!(f.dir.path().join("reports/shop-1").is_dir());
    let status = cli(&["status"]);
    assert!(String::from_utf8_lossy(&status.stdout).contains("state emailed"), "{}", text(&status));

    let escape = elsewhere.path().join("out.csv");
    for sql in [
        format!("COPY (SELECT 1) TO '{}'", escape.display()),
        "CREATE TABLE x (a INTEGER)".to_string(),
        "SET enable_external_access = true".to_string(),
    ] {
        let out = cli(&["query", "--sql", &sql]);
        assert_eq!(out.status.code(), Some(1), "{sql}: {}", text(&out));
    }
    assert!(!escape.exists());
    let dry = cli(&["reconcile", "--period", &periods(&f)[0], "--dry-run"]);
    assert!(dry.status.success(), "{}", text(&dry));
}

#[tokio::test(flavor = "multi_thread")]
async fn sim_serve_without_a_config_starts_with_the_built_in_default_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
        .current_dir(dir.path())
        .args(["sim", "serve", "--addr", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stderr.take().unwrap()), &mut first).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(first.contains("SEQR simulator listening on http://127.0.0.1:"), "{first}");
    assert!(first.contains("with the built-in default"), "{first}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_shop_and_a_bad_setting_exit_with_their_own_codes() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let typo = f.cli(&["run", "--shop", "shop-l"], &[]);
    assert_eq!(typo.status.code(), Some(2), "a mistyped --shop is a usage error: {}", text(&typo));
    assert!(stderr(&typo).contains("--shop shop-l: no such shop") && stderr(&typo).contains("known: shop-1"));
    let cfg = std::fs::read_to_string(&f.config).unwrap();
    std::fs::write(&f.config, cfg.replacen("[store]\n", "[store]\nmemory_limit = \"lots\"\n", 1)).unwrap();
    let bad = f.cli(&["run"], &[]);
    assert_eq!(bad.status.code(), Some(3), "{}", text(&bad));
    assert!(stderr(&bad).contains("[store] memory_limit: \"lots\" is not a size"), "{}", text(&bad));
    assert_eq!(f.bench.calls("markTransactionPeriod"), 0);
}
