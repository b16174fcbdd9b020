//! Results an accountant can trust, end to end: the self-check before sending,
//! provenance, and recomputing a close from its stored raw reports.

use mail_parser::MessageParser;
use sha2::{Digest, Sha256};

use crate::close::{text, Floor, SHOP};
use crate::helpers::*;
use crate::smtp::SmtpSink;

fn subjects(smtp: &SmtpSink) -> Vec<(Vec<String>, String)> {
    smtp.messages()
        .iter()
        .map(|m| (m.to.clone(), MessageParser::default().parse(&m.data).unwrap().subject().unwrap().to_string()))
        .collect()
}

fn label_period(f: &Floor) -> String {
    read_one(&f.store(), "SELECT label_period_id FROM closes", [], |r| r.get(0)).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_row_lost_between_parse_and_store_stops_the_email_and_alerts_ops() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e1 = f.sale("10").await;
    let e2 = f.sale("20").await;
    f.posts("p.csv", &[(e1.clone(), "10"), (e2, "20")]);
    let out = f.cli(&["run"], &[("SEQR_RECON_FAILPOINT", "after_fetched")]);
    assert!(out.status.code().is_none(), "killed after fetch: {}", text(&out));
    // A row vanishes between the parser and the reconciliation.
    f.store().tamper_for_test(&format!("DELETE FROM seqr_rows WHERE ers_reference = '{e1}'")).unwrap();

    let out = f.cli(&["run"], &[]);
    assert!(!out.status.success(), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("failed its self-check") && stderr.contains("report_rows_stored"), "{stderr}");
    assert!(stderr.contains("the parser read 2 rows totalling 30.00000, the database holds 1"), "{stderr}");
    let sent = subjects(&smtp);
    assert_eq!(sent.len(), 1, "only the alert: {sent:?}");
    assert_eq!(sent[0].0, vec!["ops@example.com"]);
    assert!(sent[0].1.contains("ALERT shop-1"), "{sent:?}");
    let failures: i64 =
        read_one(&f.store(), "SELECT count(*) FROM check_failures WHERE check_name = 'report_rows_stored'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(failures, 1);

    // The next run fetches SEQR's reports again, passes, and sends the report once.
    let fetches = f.bench.calls("executeReport");
    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(f.bench.calls("executeReport") > fetches, "the reports are fetched again");
    assert_eq!(f.bench.calls("markTransactionPeriod"), 1);
    let sent = subjects(&smtp);
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[1].1.contains(": no exceptions to act on — nothing to do today [shop-1 period "), "{sent:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_records_its_provenance_and_keeps_no_secret() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let e1 = f.sale("12.34").await;
    f.posts("p.csv", &[(e1, "12.34")]);
    let posts_sha = hex::encode(Sha256::digest(std::fs::read(f.dir.path().join("inbox/p.csv")).unwrap()));
    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    // All matched: the email still goes, and says so.
    let sent = subjects(&smtp);
    assert_eq!(sent.len(), 1);
    assert!(sent[0].1.contains(": no exceptions to act on — nothing to do today [shop-1 period "), "{sent:?}");

    let store = f.store();
    // Every answer SEQR gave the close is hashed: the mark, each report, and the
    // simulator's one REPORT_NOT_READY before the first report.
    let ops: Vec<(String, i32, String)> = read_rows(
        &store,
        "SELECT operation, result_code, response_sha256 FROM soap_responses ORDER BY operation, result_code",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    assert_eq!(
        ops.iter().map(|(o, c, _)| format!("{o} {c}")).collect::<Vec<_>>(),
        ["executeReport 0", "executeReport 0", "executeReport 2", "markTransactionPeriod 0"]
    );
    assert!(ops.iter().all(|(_, _, sha)| sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit())));
    let (same, polls): (bool, bool) = read_one(
        &store,
        "SELECT bool_and(r.response_sha256 = s.response_sha256), \
                    sum(r.attempts - 1) = (SELECT count(*) FROM soap_responses WHERE result_code = 2) \
             FROM seqr_reports r JOIN soap_responses s USING (period_id, report_id) WHERE s.result_code = 0",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap();
    assert!(same, "each report's hash is the hash of the answer it came in");
    assert!(polls, "one not-ready answer recorded per extra attempt");
    let (snapshot, files): (String, String) =
        read_one(&store, "SELECT config_snapshot, CAST(pos_files AS VARCHAR) FROM close_inputs", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(snapshot, std::fs::read_to_string(&f.config).unwrap());
    assert_eq!(files, format!("[{posts_sha}]"));
    let run: (String, i64) =
        read_one(&store, "SELECT state, exceptions FROM v_runs", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(run, ("emailed".to_string(), 0));
    let totals: (i64, String, String) = read_one(&store,
            "SELECT seqr_detail_count, CAST(seqr_detail_total AS VARCHAR), CAST(seqr_summary_total AS VARCHAR) FROM v_period_totals",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(totals, (1, "12.34000".to_string(), "12.34000".to_string()));

    // No table holds the reseller password, in any column.
    let tables: Vec<String> = read_rows(
        &store,
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'",
        [],
        |r| r.get(0),
    );
    assert!(tables.len() > 15, "{tables:?}");
    for table in tables {
        let leaks: i64 = read_one(
            &store,
            &format!("SELECT count(*) FROM {table} t WHERE CAST(t AS VARCHAR) LIKE ?"),
            [format!("%{RESELLER_PASSWORD}%")],
            |r| r.get(0),
        )
        .unwrap();
        assert_eq!(leaks, 0, "{table} holds the password");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_records_only_the_pos_files_its_result_holds() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let sha = |name: &str| hex::encode(Sha256::digest(std::fs::read(f.dir.path().join("inbox").join(name)).unwrap()));
    let e1 = f.sale("10.00").await;
    f.posts("night-1.csv", &[(e1, "10.00")]);
    let first = sha("night-1.csv");
    assert!(f.cli(&["run"], &[]).status.success());
    let e2 = f.sale("20.00").await;
    let e3 = f.sale("30.00").await;
    f.posts("night-2.csv", &[(e2, "20.00"), (e3, "29.00")]);
    let second = sha("night-2.csv");
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let inputs: Vec<String> =
        read_rows(&f.store(), "SELECT CAST(pos_files AS VARCHAR) FROM close_inputs ORDER BY reconciled_at", [], |r| {
            r.get(0)
        });
    // Night 2 lists its own file, not night 1's (settled the night before).
    assert_eq!(inputs, [format!("[{first}]"), format!("[{second}]")]);
}

/// A table's rows as one text, to prove a dry run changed nothing.
fn dump(f: &Floor, table: &str) -> String {
    read_one(
        &f.store(),
        &format!(
            "SELECT coalesce(string_agg(CAST(t AS VARCHAR), '\n' ORDER BY CAST(t AS VARCHAR)), '') FROM {table} t"
        ),
        [],
        |r| r.get(0),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_recomputes_from_the_stored_reports_and_changes_nothing() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let paid = f.sale("10").await;
    let mistyped = f.sale("30").await;
    // The till keyed a wrong reference for the second sale, a minute after SEQR's time.
    let inbox = f.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let when = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    std::fs::write(
        inbox.join("p.csv"),
        format!(
            "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at\n\
             shop-1,{TERMINAL},anna,{paid},,10,SEK,PAYMENT,SEQR payment,{when}\n\
             shop-1,{TERMINAL},anna,TYPO-1,,30,SEK,PAYMENT,SEQR payment,{when}\n"
        ),
    )
    .unwrap();
    let out = f.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let period = label_period(&f);
    let csv_dir = f.reports().join("shop-1").join(&period);
    let csvs = || -> Vec<Vec<u8>> {
        ["summary.csv", "exceptions.csv", "transactions.csv"]
            .iter()
            .map(|n| std::fs::read(csv_dir.join(n)).unwrap())
            .collect()
    };
    let tables = ["recon_results", "seqr_rows", "seqr_summaries", "closes", "emails", "exception_resolutions"];
    let before: Vec<String> = tables.iter().map(|t| dump(&f, t)).collect();
    let (csvs_before, seqr_calls, mails) = (csvs(), f.bench.calls("executeReport"), smtp.messages().len());

    // Same inputs: the same result and byte-identical CSVs.
    let out = f.cli(&["reconcile", "--period", &period, "--dry-run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("classification: unchanged"), "{stdout}");
    assert_eq!(stdout.matches("byte-identical").count(), 3, "{stdout}");

    // Probable matching switched on: the dry run shows what would change, and keeps none of it.
    let mut config = std::fs::read_to_string(&f.config).unwrap();
    config.push_str("\n[reconcile]\nprobable_time_window_seconds = 3600\n");
    std::fs::write(&f.config, &config).unwrap();
    let out = f.cli(&["reconcile", "--period", &period, "--dry-run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("classification would change: 1 added, 2 removed"), "{stdout}");
    assert!(stdout.contains(&format!("+ PROBABLE_MATCH P:1:3 S:{mistyped}")), "{stdout}");
    assert!(
        // The sale was seconds before the close: without the probable match it is IN_TRANSIT.
        stdout.contains("- MISSING_AT_SEQR P:1:3") && stdout.contains(&format!("- IN_TRANSIT S:{mistyped}")),
        "{stdout}"
    );
    assert!(stdout.contains("exceptions.csv: would change"), "{stdout}");

    let after: Vec<String> = tables.iter().map(|t| dump(&f, t)).collect();
    assert_eq!(after, before, "a dry run keeps nothing");
    assert_eq!(csvs(), csvs_before, "nor touches the CSVs");
    assert_eq!(f.bench.calls("executeReport"), seqr_calls, "nor asks SEQR");
    assert_eq!(smtp.messages().len(), mails, "nor sends email");

    // Without --dry-run the latest close takes the new result and its CSVs.
    let out = f.cli(&["reconcile", "--period", &period], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let exceptions = String::from_utf8(std::fs::read(csv_dir.join("exceptions.csv")).unwrap()).unwrap();
    assert!(exceptions.starts_with("category,") && exceptions.contains("\nPROBABLE_MATCH,shop-1,"), "{exceptions}");
    let out = f.cli(&["reconcile", "--period", &period, "--dry-run"], &[]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("classification: unchanged"), "{}", text(&out));

    // A recomputed result that fails a self-check is never kept.
    f.store().tamper_for_test("UPDATE seqr_reports SET parsed_rows = parsed_rows + 1").unwrap();
    let kept = dump(&f, "recon_results");
    assert!(kept.contains("PROBABLE_MATCH"));
    // Probable matching off again would turn the pair back into two exceptions.
    std::fs::write(&f.config, config.replace("probable_time_window_seconds = 3600", "")).unwrap();
    let out = f.cli(&["reconcile", "--period", &period], &[]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("self-check report_rows_stored"), "{}", text(&out));
    assert_eq!(dump(&f, "recon_results"), kept);

    let out = f.cli(&["reconcile", "--period", "nope", "--dry-run"], &[]);
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("no close has period nope"),
        "{}",
        text(&out)
    );
}
