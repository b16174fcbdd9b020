//! Back-office commands against the simulator over TCP, through the binary.

use seqr_recon::sim::{AfterActing, Faults};
use seqr_recon::store::Store;

use crate::close::{text, Floor, SHOP};
use crate::helpers::*;
use crate::smtp::SmtpSink;

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_register_shows_the_password_once_and_stores_only_the_id() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let out = f.cli(&["terminal", "register", "--shop", "shop-1", "--external-id", "POS-2", "--name", "POS #2"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let s = stdout(&out);
    let line = s.lines().find(|l| l.trim_start().starts_with("SEQR_PASSWORD_SHOP_1_POS_2=")).expect(&s);
    let password = line.split_once('=').unwrap().1;
    assert!(password.len() >= 15 && password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");
    let store = f.store();
    let (id, name, ext): (String, String, String) =
        read_one(&store, "SELECT terminal_id, name, external_id FROM terminals WHERE external_id = 'POS-2'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert!(s.contains(&id) && name == "POS #2" && ext == "POS-2");
    let dump: String =
        read_one(&store, "SELECT string_agg(CAST(t AS VARCHAR), ' ') FROM terminals t", [], |r| r.get(0)).unwrap();
    assert!(!dump.contains(password), "the password is not stored");
    drop(store);
    let list = f.cli(&["terminal", "list"], &[]);
    assert!(stdout(&list).contains("POS #2"), "{}", text(&list));
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_commands_refuse_bad_ids_and_wrong_passwords_clearly() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let pw = [("UNUSED_TERMINAL_PW", TERMINAL_PASSWORD)];
    let bad = f.cli(&["terminal", "assign-seqr-id", "--terminal", TERMINAL, "--seqr-id", "AB-12"], &pw);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("code 53"), "{}", text(&bad));
    assert_eq!(f.bench.calls("assignSeqrId"), 0, "refused before asking SEQR");
    let ok = f.cli(&["terminal", "assign-seqr-id", "--terminal", TERMINAL, "--seqr-id", "AB12"], &pw);
    assert!(ok.status.success(), "{}", text(&ok));

    let wrong = f.cli(
        &["terminal", "register", "--shop", "shop-1", "--external-id", "X", "--name", "X"],
        &[("SEQR_TEST_RESELLER_PW", "nope-nope")],
    );
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains("code 20 AUTHENTICATION_FAILED") && err.contains("check password_env for shop shop-1"),
        "{}",
        text(&wrong)
    );
    assert!(!err.contains("nope-nope"));

    let gone = f.cli(&["terminal", "unregister", "--terminal", TERMINAL], &pw);
    assert!(gone.status.success(), "{}", text(&gone));
    let again = f.cli(&["terminal", "unregister", "--terminal", TERMINAL], &pw);
    assert!(String::from_utf8_lossy(&again.stderr).contains("code 29"), "{}", text(&again));
}

#[tokio::test(flavor = "multi_thread")]
async fn refunds_are_checked_recorded_and_matched_by_the_next_close() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let ers = f.sale("100.00").await;
    f.posts("p.csv", &[(ers.clone(), "100.00")]);
    assert!(f.cli(&["run"], &[]).status.success());

    let over = f.cli(&["refund", "--ers-reference", &ers, "--amount", "100.01", "--yes"], &[]);
    assert_eq!(over.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&over.stderr).contains("at most 100.00000 remains"), "{}", text(&over));
    let unknown = f.cli(&["refund", "--ers-reference", "99999", "--amount", "1", "--yes"], &[]);
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no payment 99999"), "{}", text(&unknown));
    assert_eq!(f.bench.calls("refundPayment"), 0, "both refused before asking SEQR");

    let ok = f.cli(&["refund", "--ers-reference", &ers, "--amount", "40", "--reason", "broken cup", "--yes"], &[]);
    assert!(ok.status.success(), "{}", text(&ok));
    let second = f.cli(&["refund", "--ers-reference", &ers, "--amount", "60.01", "--yes"], &[]);
    assert!(String::from_utf8_lossy(&second.stderr).contains("at most 60.00000 remains"), "{}", text(&second));

    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let store = f.store();
    let (cat, amount): (String, rust_decimal::Decimal) = read_one(&store,
            "SELECT category, seqr_amount FROM recon_results WHERE close_seq = 2 AND seqr_key IN (SELECT 'S:' || refund_ers_reference FROM refunds)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((cat.as_str(), amount), ("MATCHED", dec("-40")));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resolved_exception_leaves_the_open_list_and_stays_in_history() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let ers = f.sale("50.00").await;
    f.posts("p.csv", &[(ers.clone(), "55.00")]);
    assert!(f.cli(&["run"], &[]).status.success());
    let none = f.cli(
        &["exception", "resolve", "--shop", "shop-1", "--reference", "nope", "--how", "correction", "--why", "x"],
        &[],
    );
    assert_eq!(none.status.code(), Some(1));
    let out = f.cli(
        &[
            "exception",
            "resolve",
            "--shop",
            "shop-1",
            "--reference",
            &ers,
            "--how",
            "correction",
            "--why",
            "till typo",
            "--by",
            "eva",
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(stdout(&out).starts_with("1 open exception(s)"), "{}", text(&out));
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let store: Store = f.store();
    let open: i64 =
        read_one(&store, "SELECT count(*) FROM recon_results WHERE close_seq = 2", [], |r| r.get(0)).unwrap();
    assert_eq!(open, 0);
    let who: String = read_one(
        &store,
        "SELECT resolved_by || '/' || how || '/' || why FROM exception_resolutions LIMIT 1",
        [],
        |r| r.get(0),
    )
    .unwrap();
    assert_eq!(who, "eva/correction/till typo");
    let history: i64 =
        read_one(&store, "SELECT count(*) FROM recon_results WHERE category = 'AMOUNT_MISMATCH'", [], |r| r.get(0))
            .unwrap();
    assert_eq!(history, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn certification_passes_against_the_simulator_with_a_reference_per_call() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let out =
        f.cli(&["certify", "--shop", "shop-1", "--wait-seconds", "0.2"], &[("UNUSED_TERMINAL_PW", TERMINAL_PASSWORD)]);
    assert!(out.status.success(), "{}", text(&out));
    let s = stdout(&out);
    assert_eq!(s.lines().filter(|l| l.contains(" PASS ")).count(), seqr_recon::certify::STEPS, "{s}");
    assert!(s.lines().filter(|l| l.contains(" PASS ")).all(|l| l.contains("seqr-recon-")), "{s}");
    assert!(s.contains("certification procedure: PASSED"));

    let bad =
        f.cli(&["certify", "--shop", "shop-1", "--wait-seconds", "0"], &[("UNUSED_TERMINAL_PW", "wrong-password")]);
    assert_eq!(bad.status.code(), Some(1), "{}", text(&bad));
    assert!(stdout(&bad).contains("FAIL"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refund_whose_answer_is_lost_is_recorded_unknown_blocks_a_second_and_is_linked_by_the_next_close() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let ers = f.sale("100.00").await;
    f.posts("p.csv", &[(ers.clone(), "100.00")]);
    assert!(f.cli(&["run"], &[]).status.success());

    f.bench
        .set_faults(Faults {
            only_op: Some("refundPayment".into()),
            after_acting: Some(AfterActing::Http502),
            after_acting_count: 1,
            ..Default::default()
        })
        .await;
    let lost = f.cli(&["refund", "--ers-reference", &ers, "--amount", "40", "--yes"], &[]);
    assert_eq!(lost.status.code(), Some(1), "{}", text(&lost));
    let err = String::from_utf8_lossy(&lost.stderr);
    assert!(err.contains("unknown outcome: do NOT refund again"), "{err}");
    assert_eq!(f.bench.calls("refundPayment"), 1, "sent once, never retried");

    let again = f.cli(&["refund", "--ers-reference", &ers, "--amount", "40", "--yes"], &[]);
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("has an unknown outcome"), "{}", text(&again));
    assert_eq!(f.bench.calls("refundPayment"), 1, "the operator cannot refund twice without seeing it");
    let status = f.cli(&["status"], &[]);
    assert!(
        String::from_utf8_lossy(&status.stdout).contains("1 refund(s) with an unknown outcome"),
        "{}",
        text(&status)
    );

    // SEQR did refund: its row (-40) is linked to the attempt, not "refund the customer".
    assert!(f.cli(&["run", "--ad-hoc"], &[]).status.success());
    let store = f.store();
    let (category, amount, local): (String, rust_decimal::Decimal, Option<rust_decimal::Decimal>) = read_one(
        &store,
        "SELECT category, seqr_amount, local_amount FROM recon_results WHERE close_seq = 2 AND seqr_amount < 0",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap();
    assert_eq!((category.as_str(), amount, local), ("MATCHED", dec("-40"), Some(dec("-40"))));
    let open: i64 = read_one(&store, "SELECT count(*) FROM v_exceptions_open", [], |r| r.get(0)).unwrap();
    assert_eq!(open, 0, "nothing tells the accountant to refund again");
    let (outcome, detail): (String, String) =
        read_one(&store, "SELECT outcome, detail FROM refund_attempts", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!(outcome, "done");
    assert!(detail.contains("linked to SEQR refund row"), "{detail}");
    // The books: the payment and its refund net to 60 refunded no more.
    let refunded: rust_decimal::Decimal =
        read_one(&store, "SELECT sum(amount) FROM refunds", [], |r| r.get(0)).unwrap();
    assert_eq!(refunded, dec("40"));
}
