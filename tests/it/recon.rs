//! The reconciliation core on a real DuckDB file: ingest, classify, carry over, export.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use seqr_recon::config::ReconcileSettings;
use seqr_recon::domain::{CloseKey, Resolution, ShopId};
use seqr_recon::export::{copy_close_csv, write_close_csv, write_reports, CsvStyle};
use seqr_recon::reconcile::{check_closes, reconcile, reconcile_closes, self_check};
use seqr_recon::seqr::report::{DetailRow, Report, SummaryRow};
use seqr_recon::store::files::CloseFile;
use seqr_recon::store::ingest::{ingest_file, ingest_inbox, Feed, Ingested, Rejected, ShopCurrencies};
use seqr_recon::store::Store;
use seqr_recon::worklist;

use crate::helpers::{dec, fetched, read_one, read_rows};

const POSTS_HEADER: &str =
    "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at";
const INVOICES_HEADER: &str =
    "shop_id,terminal_id,invoice_reference,amount,currency,sent_at,last_status,last_polled_at";

struct Recon {
    dir: tempfile::TempDir,
    store: Store,
    shops: ShopCurrencies,
    settings: ReconcileSettings,
    files: usize,
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// A SEQR detail row; the ersReference starts with its UTC time, as SEQR's do.
fn seqr(ers: &str, terminal: &str, amount: &str) -> DetailRow {
    DetailRow { terminal_id: Some(terminal.into()), cashier_id: None, amount: dec(amount), ers_reference: ers.into() }
}

impl Recon {
    fn new() -> Recon {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("recon.duckdb")).unwrap();
        let shops = [(shop("shop-1"), "SEK".to_string())].into();
        Recon { dir, store, shops, settings: ReconcileSettings::default(), files: 0 }
    }

    fn write(&mut self, header: &str, rows: &[&str]) -> PathBuf {
        self.files += 1;
        let path = self.dir.path().join(format!("feed-{}.csv", self.files));
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path
    }

    /// The `n`-th export of the file `name` a till writes again and again,
    /// each in its own folder, as the inbox would receive them.
    fn export(&self, n: usize, name: &str, header: &str, rows: &[&str]) -> PathBuf {
        let dir = self.dir.path().join(format!("export-{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, format!("{header}\n{}\n", rows.join("\n"))).unwrap();
        path
    }

    fn posts(&mut self, rows: &[&str]) {
        let p = self.write(POSTS_HEADER, rows);
        ingest_file(&self.store, &p, &self.shops).unwrap();
    }

    fn invoices(&mut self, rows: &[&str]) {
        let p = self.write(INVOICES_HEADER, rows);
        ingest_file(&self.store, &p, &self.shops).unwrap();
    }

    /// One shop-level close marked at `marked_at`, with SEQR's detail rows and
    /// optionally a summary. Returns (close_seq, period_id).
    fn close(
        &self,
        period_id: &str,
        marked_at: &str,
        rows: Vec<DetailRow>,
        summary: Option<SummaryRow>,
    ) -> (i64, String) {
        let close_seq = self.fetched_close(&shop("shop-1"), period_id, marked_at, rows, summary);
        reconcile(&self.store, &shop("shop-1"), close_seq, &self.settings).unwrap();
        (close_seq, period_id.to_string())
    }

    /// A shop-level close of `shop_id` with SEQR's rows stored, not yet
    /// reconciled. Returns its close_seq.
    fn fetched_close(
        &self,
        shop_id: &ShopId,
        period_id: &str,
        marked_at: &str,
        rows: Vec<DetailRow>,
        summary: Option<SummaryRow>,
    ) -> i64 {
        let close = self.store.begin_close(shop_id, t(marked_at)).unwrap();
        self.store.record_period(&close, period_id, None, t(marked_at), "test", "hash").unwrap();
        let period = self.store.periods_of(&close.close_id).unwrap().remove(0);
        let report = Report { details: rows, ..Default::default() };
        let detail_report = "Reconciliation/STD_RECON_003.xml";
        self.store.store_report(&close.close_id, shop_id, &period, detail_report, &fetched(report)).unwrap();
        if let Some(s) = summary {
            let sr = Report { summaries: vec![s], ..Default::default() };
            let summary_report = "Reconciliation/Shop.xml";
            self.store.store_report(&close.close_id, shop_id, &period, summary_report, &fetched(sr)).unwrap();
        }
        close.close_seq
    }

    /// Every stored classification row, whole, sorted.
    fn all_items(&self) -> Vec<String> {
        read_rows(&self.store, "SELECT CAST(recon_items AS VARCHAR) FROM recon_items ORDER BY 1", [], |r| r.get(0))
    }

    /// (category, ers or invoice reference, item period, detail) of one close, sorted.
    fn results(&self, close_seq: i64) -> Vec<(String, String, String, String)> {
        let sql = "SELECT category, coalesce(ers_reference, invoice_reference, seqr_key), item_period_id, \
                   coalesce(detail, '') FROM recon_results WHERE close_seq = ? ORDER BY 1, 2, 4";
        read_rows(&self.store, sql, [close_seq], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
    }

    fn categories(&self, close_seq: i64) -> Vec<(String, String)> {
        self.results(close_seq).into_iter().map(|(c, k, _, _)| (c, k)).collect()
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

const MARK: &str = "2026-11-21T21:00:00Z";

/// A shop id written in a test.
fn shop(id: &'static str) -> ShopId {
    ShopId::from_static(id)
}

/// Two shops whose tills and SEQR reports share ersReferences (a till's typo
/// can name another shop's payment), closed twice. Classified in one
/// statement, as a run closing many shops does, each shop's result is row
/// for row what it is when classified alone, and neither pairs, ranks or
/// carries over the other's rows; checked together, each gets its own failures.
#[test]
fn closes_classified_together_see_only_their_own_shop() {
    let mut r = Recon::new();
    r.shops.insert(shop("shop-2"), "SEK".into());
    r.posts(&[
        "shop-1,T1,anna,E1,,100.00,SEK,PAYMENT,,2026-11-21T10:00:00Z",
        "shop-1,T1,anna,E3,,30.00,SEK,PAYMENT,,2026-11-21T10:05:00Z",
        "shop-1,T1,anna,E3,,30.00,SEK,PAYMENT,,2026-11-21T10:05:00Z",
        "shop-2,T1,bo,E1,,100.00,SEK,PAYMENT,,2026-11-21T11:00:00Z",
        "shop-2,T1,bo,E2,,50.00,SEK,PAYMENT,,2026-11-21T11:01:00Z",
        "shop-2,T1,bo,E3,,30.00,SEK,PAYMENT,,2026-11-21T11:05:00Z",
        "shop-2,T1,bo,E3,,30.00,SEK,PAYMENT,,2026-11-21T11:06:00Z",
    ]);
    let shop_1_seqr = vec![seqr("E1", "T1", "100"), seqr("E2", "T1", "55"), seqr("E3", "T1", "30")];
    let s1 = r.fetched_close(&shop("shop-1"), "P1", MARK, shop_1_seqr, None);
    let s2 = r.fetched_close(&shop("shop-2"), "Q1", MARK, vec![seqr("E2", "T1", "55"), seqr("E3", "T1", "30")], None);
    let together_then_alone = |r: &Recon, s1: i64, s2: i64| {
        reconcile_closes(
            &r.store,
            &[CloseKey::new(&shop("shop-1"), s1), CloseKey::new(&shop("shop-2"), s2)],
            &r.settings,
        )
        .unwrap();
        let together = r.all_items();
        reconcile(&r.store, &shop("shop-1"), s1, &r.settings).unwrap();
        reconcile(&r.store, &shop("shop-2"), s2, &r.settings).unwrap();
        assert_eq!(together, r.all_items(), "classified together as alone");
    };
    together_then_alone(&r, s1, s2);
    let of_shop = |r: &Recon, shop: &str| -> Vec<(String, String)> {
        let sql = "SELECT category, ers_reference FROM recon_results WHERE shop_id = ? AND close_seq = 1 ORDER BY 1, 2";
        read_rows(&r.store, sql, [shop], |row| Ok((row.get(0)?, row.get(1)?)))
    };
    let first_of_shop_1 =
        pairs(&[("DUPLICATE_LOCAL", "E3"), ("MATCHED", "E1"), ("MATCHED", "E3"), ("MISSING_LOCALLY", "E2")]);
    assert_eq!(of_shop(&r, "shop-1"), first_of_shop_1);
    let first_of_shop_2 =
        pairs(&[("AMOUNT_MISMATCH", "E2"), ("DUPLICATE_LOCAL", "E3"), ("MATCHED", "E3"), ("MISSING_AT_SEQR", "E1")]);
    assert_eq!(of_shop(&r, "shop-2"), first_of_shop_2);
    // Checked together, each close gets its own failures: only that the test
    // stored no summary report, until one shop's result loses a row.
    let (shop_1, shop_2) = (shop("shop-1"), shop("shop-2"));
    let both = [CloseKey::new(&shop_1, s1), CloseKey::new(&shop_2, s2)];
    let checked = |r: &Recon| -> Vec<Vec<String>> {
        let failures = check_closes(&r.store, &both).unwrap();
        failures.into_iter().map(|f| f.into_iter().map(|f| f.check).collect()).collect()
    };
    assert_eq!(checked(&r), vec![vec!["period_reported"], vec!["period_reported"]]);
    r.store.tamper_for_test("DELETE FROM recon_items WHERE shop_id = 'shop-2' AND ers_reference = 'E2'").unwrap();
    let lost =
        ["local_amounts_tie", "local_posts_accounted", "period_reported", "seqr_amounts_tie", "seqr_rows_accounted"];
    assert_eq!(checked(&r), vec![vec!["period_reported"].as_slice(), lost.as_slice()]);
    reconcile(&r.store, &shop("shop-2"), s2, &r.settings).unwrap();

    // The next close: each shop's missing side arrives, and only its own open item settles.
    r.posts(&["shop-1,T1,anna,E2,,55.00,SEK,PAYMENT,,2026-11-22T09:00:00Z"]);
    let s1 = r.fetched_close(&shop("shop-1"), "P2", "2026-11-22T21:00:00Z", vec![], None);
    let s2 = r.fetched_close(&shop("shop-2"), "Q2", "2026-11-22T21:00:00Z", vec![seqr("E1", "T1", "100")], None);
    together_then_alone(&r, s1, s2);
    let second = pairs(&[
        ("AMOUNT_MISMATCH", "E2"),
        ("DUPLICATE_LOCAL", "E3"),
        ("DUPLICATE_LOCAL", "E3"),
        ("LATE_MATCHED", "E1"),
        ("LATE_MATCHED", "E2"),
    ]);
    assert_eq!(r.categories(2), second, "what stays open stays open in its own shop");
    let late = r.results(2).into_iter().filter(|(c, ..)| c == "LATE_MATCHED").map(|(_, k, p, _)| (k, p));
    assert_eq!(late.collect::<Vec<_>>(), pairs(&[("E1", "Q1"), ("E2", "P1")]), "each settles in its own shop's period");
}

#[test]
fn same_reference_amount_and_terminal_is_matched() {
    let mut r = Recon::new();
    r.posts(&["shop-1,T1,anna,E1,,100.00,SEK,PAYMENT,SEQR payment,2026-11-21T14:22:51+01:00"]);
    let (seq, _) = r.close("P1", MARK, vec![seqr("E1", "T1", "100.00000")], None);
    assert_eq!(r.categories(seq), pairs(&[("MATCHED", "E1")]));
}

#[test]
fn same_reference_different_amount_is_an_amount_mismatch() {
    let mut r = Recon::new();
    r.posts(&["shop-1,T1,anna,E2,,50.00,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z"]);
    let (seq, _) = r.close("P1", MARK, vec![seqr("E2", "T1", "55")], None);
    let res = r.results(seq);
    assert_eq!((res[0].0.as_str(), res[0].3.as_str()), ("AMOUNT_MISMATCH", "POS posted 50.00, SEQR has 55.00"));
}

#[test]
fn same_reference_and_amount_on_another_terminal_is_a_terminal_mismatch() {
    let mut r = Recon::new();
    r.posts(&["shop-1,T2,anna,E3,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z"]);
    let (seq, _) = r.close("P1", MARK, vec![seqr("E3", "T1", "10")], None);
    assert_eq!(r.categories(seq), pairs(&[("TERMINAL_MISMATCH", "E3")]));
}

#[test]
fn a_post_before_the_mark_that_seqr_lacks_is_missing_at_seqr_and_one_after_waits() {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,,E4,,20,SEK,PAYMENT,SEQR payment,2026-11-21T20:59:59Z",
        "shop-1,T1,,E5,,20,SEK,PAYMENT,SEQR payment,2026-11-21T21:00:01Z",
    ]);
    let (seq, _) = r.close("P1", MARK, vec![], None);
    assert_eq!(r.categories(seq), pairs(&[("MISSING_AT_SEQR", "E4")]));
}

#[test]
fn a_seqr_row_without_a_post_is_missing_locally_and_links_an_unpolled_invoice() {
    let mut r = Recon::new();
    r.invoices(&[
        "shop-1,T1,R9,30.00,SEK,2026-11-21T14:20:00Z,ISSUED,2026-11-21T14:20:05Z",
        "shop-1,T1,R10,30.00,SEK,2026-11-21T09:00:00Z,CANCELED,2026-11-21T09:00:30Z",
    ]);
    let (seq, _) = r.close(
        "P1",
        MARK,
        vec![seqr("2026112114225170101000311", "T1", "30"), seqr("2026112118000070101000312", "T1", "30")],
        None,
    );
    let res = r.results(seq);
    let by_key: BTreeMap<_, _> = res.iter().map(|(c, k, _, d)| (k.as_str(), (c.as_str(), d.as_str()))).collect();
    assert_eq!(by_key["2026112114225170101000311"], ("MISSING_LOCALLY", "possibly invoice R9 left unpolled"));
    assert_eq!(by_key["2026112118000070101000312"].0, "MISSING_LOCALLY");
    assert!(!by_key["2026112118000070101000312"].1.contains("R9"), "more than 10 minutes apart: no link");
    assert_eq!(by_key["R9"].0, "UNPOLLED_REVERSED");
    assert!(!by_key.contains_key("R10"), "a canceled invoice is not unpolled");
}

#[test]
fn a_reference_posted_twice_flags_every_copy_beyond_the_first() {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,,E1,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,E1,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:05Z",
        "shop-1,T1,,E1,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:09Z",
    ]);
    let (seq, _) = r.close("P1", MARK, vec![seqr("E1", "T1", "100")], None);
    assert_eq!(r.categories(seq), pairs(&[("DUPLICATE_LOCAL", "E1"), ("DUPLICATE_LOCAL", "E1"), ("MATCHED", "E1")]));
}

#[test]
fn an_invoice_never_polled_without_post_or_cancel_is_unpolled_reversed() {
    let mut r = Recon::new();
    r.invoices(&[
        "shop-1,T1,R1,12.50,SEK,2026-11-21T12:00:00Z,,",
        "shop-1,T1,R2,12.50,SEK,2026-11-21T12:00:00Z,PAID,2026-11-21T12:00:04Z",
        "shop-1,T1,R3,12.50,SEK,2026-11-21T12:00:00Z,ISSUED,2026-11-21T12:00:30Z",
    ]);
    r.posts(&["shop-1,T1,,E3,R3,12.50,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:31Z"]);
    let (seq, _) = r.close("P1", MARK, vec![seqr("E3", "T1", "12.5")], None);
    assert_eq!(r.categories(seq), pairs(&[("MATCHED", "E3"), ("UNPOLLED_REVERSED", "R1")]));
}

#[test]
fn a_summary_that_disagrees_with_its_details_is_a_summary_mismatch() {
    let mut r = Recon::new();
    r.posts(&["shop-1,T1,,E1,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z"]);
    let ok = SummaryRow { terminal_id: None, count: 1, total: dec("100") };
    let (seq, _) = r.close("P1", MARK, vec![seqr("E1", "T1", "100")], Some(ok));
    assert_eq!(r.categories(seq), pairs(&[("MATCHED", "E1")]));
    let bad = SummaryRow { terminal_id: None, count: 1, total: dec("90") };
    let (seq, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], Some(bad));
    assert_eq!(r.categories(seq), pairs(&[("SUMMARY_MISMATCH", "M:P2")]));

    // The shop-level check has no terminal: it counts in the total row only.
    let files = write_reports(&r.store, &r.dir.path().join("out"), &shop("shop-1"), seq, "P2").unwrap();
    let summary = std::fs::read_to_string(files.summary).unwrap();
    assert_eq!(
        summary.lines().collect::<Vec<_>>()[1..],
        ["shop-1,,P2,,,0,0.00,0,0.00,0,1,0.00,0,0.00,0.00"],
        "{summary}"
    );
}

#[test]
fn open_items_carry_over_and_resolve_as_late_matched() {
    let mut r = Recon::new();
    r.posts(&[
        // Posted before mark 1, reported by SEQR only in period 2.
        "shop-1,T1,,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T20:59:00Z",
        // Paid in period 1, but the POS wrote its post after the close.
        "shop-1,T1,,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-21T21:05:00Z",
        // A mismatch that stays open.
        "shop-1,T1,,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
        // Matched at once, and settled for good.
        "shop-1,T1,,E4,R4,40,SEK,PAYMENT,SEQR payment,2026-11-21T13:00:00Z",
    ]);
    let (c1, _) =
        r.close("P1", MARK, vec![seqr("E2", "T1", "20"), seqr("E3", "T1", "31"), seqr("E4", "T1", "40")], None);
    assert_eq!(
        r.categories(c1),
        pairs(&[("AMOUNT_MISMATCH", "E3"), ("MATCHED", "E4"), ("MISSING_AT_SEQR", "E1"), ("MISSING_LOCALLY", "E2")])
    );

    // SEQR reports E4 again (a report fetched for two scopes): it was settled in close 1.
    let (c2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![seqr("E1", "T1", "10"), seqr("E4", "T1", "40")], None);
    let res = r.results(c2);
    let got: Vec<(&str, &str, &str)> = res.iter().map(|(c, k, p, _)| (c.as_str(), k.as_str(), p.as_str())).collect();
    assert_eq!(
        got,
        vec![("AMOUNT_MISMATCH", "E3", "P1"), ("LATE_MATCHED", "E1", "P1"), ("LATE_MATCHED", "E2", "P1")],
        "open items keep their original period"
    );
    assert!(res[1].3.starts_with("was MISSING_AT_SEQR in period P1"), "{}", res[1].3);

    // A third close: only the still-open mismatch remains.
    let (c3, _) = r.close("P3", "2026-11-23T21:00:00Z", vec![], None);
    assert_eq!(r.categories(c3), pairs(&[("AMOUNT_MISMATCH", "E3")]));

    // Reconciling close 2 again gives the same answer (idempotent).
    reconcile(&r.store, &shop("shop-1"), c2, &r.settings).unwrap();
    assert_eq!(r.results(c2), res);
}

#[test]
fn loading_the_same_file_twice_changes_nothing() {
    let mut r = Recon::new();
    let p = r.write(POSTS_HEADER, &["shop-1,T1,,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z"]);
    assert!(matches!(ingest_file(&r.store, &p, &r.shops).unwrap(), Ingested::Loaded { rows: 1, .. }));
    assert_eq!(ingest_file(&r.store, &p, &r.shops).unwrap(), Ingested::AlreadyLoaded { feed: Feed::Posts });
    let n: i64 = read_one(&r.store, "SELECT count(*) FROM pos_posts", [], |x| x.get(0)).unwrap();
    assert_eq!(n, 1);
    let (file, line): (String, i64) =
        read_one(&r.store, "SELECT f.file_name, p.line FROM pos_posts p JOIN pos_files f USING (file_id)", [], |x| {
            Ok((x.get(0)?, x.get(1)?))
        })
        .unwrap();
    assert_eq!((file.as_str(), line), ("feed-1.csv", 2), "every row keeps its source file and line");
}

#[test]
fn a_file_with_bad_rows_is_refused_whole_with_every_problem_listed() {
    let r = Recon::new();
    let inbox = r.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let bad = [
        POSTS_HEADER,
        "shop-1,T1,,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,E2,,ten,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,E3,,10,SEK,PAYMENT,SEQR payment,yesterday",
        "shop-1,T1,,E4,,10,SEK,GIFT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,E6,,10,EUR,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,,E7,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z,extra",
    ];
    let mut content = bad.join("\n").into_bytes();
    content.extend_from_slice(b"\nshop-1,T1,caf\xe9,E9,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z");
    std::fs::write(inbox.join("posts.csv"), content).unwrap();
    let outcome = ingest_inbox(&r.store, &inbox, &r.shops).unwrap();
    assert!(outcome.loaded.is_empty());
    let (moved, rejected): &(PathBuf, Rejected) = &outcome.rejected[0];
    let problems: Vec<String> =
        rejected.problems.iter().map(|p| p.rsplit_once("posts.csv:").unwrap().1.to_string()).collect();
    assert_eq!(problems.len(), 7, "{problems:#?}");
    assert!(problems[0].starts_with("3: amount: \"ten\" is not a decimal amount"), "{problems:#?}");
    assert!(problems[1].starts_with("4: posted_at: \"yesterday\" is not an RFC 3339 time"), "{problems:#?}");
    assert!(problems[2].starts_with("5: kind: \"GIFT\" is not PAYMENT or REFUND"), "{problems:#?}");
    assert!(problems[3].starts_with("6: ers_reference: is empty"), "{problems:#?}");
    assert!(problems[4].starts_with("7: currency: \"EUR\" is not shop shop-1's currency SEK"), "{problems:#?}");
    assert!(problems[5].starts_with("8: -: expected 10 columns, found 11"), "{problems:#?}");
    assert!(problems[6].starts_with("9: the line is not valid CSV") && problems[6].contains("utf-8"), "{problems:#?}");
    assert_eq!(moved, &inbox.join("rejected/posts.csv"));
    let errors = std::fs::read_to_string(inbox.join("rejected/posts.csv.errors.txt")).unwrap();
    let listed = errors
        .lines()
        .filter(|l| l.split("posts.csv:").nth(1).is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())));
    assert_eq!(listed.count(), 7, "{errors}");
    let n: i64 = read_one(&r.store, "SELECT count(*) FROM pos_posts", [], |x| x.get(0)).unwrap();
    assert_eq!(n, 0, "nothing of a refused file is loaded");
    let files: i64 = read_one(&r.store, "SELECT count(*) FROM pos_files", [], |x| x.get(0)).unwrap();
    assert_eq!(files, 0);
}

#[test]
fn lines_are_counted_past_blank_lines_quoted_line_breaks_and_refused_lines() {
    let r = Recon::new();
    let inbox = r.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let good = "shop-1,T1,,E{n},,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z";
    let row = |n: u32| good.replace("{n}", &n.to_string());
    // Line 3 blank, line 4 spaces only, line 6's description runs onto line 7
    // (the reader counts them as one line, 6), then line 7 (its count) is row E3.
    let content = format!(
        "{POSTS_HEADER}\n{}\n\n   \n{}\nshop-1,T1,,E9,,10,SEK,PAYMENT,\"two\nlines\",2026-11-21T10:00:00Z\n{}\n",
        row(1),
        row(2),
        row(3)
    );
    std::fs::write(inbox.join("good.csv"), content).unwrap();
    ingest_inbox(&r.store, &inbox, &r.shops).unwrap();
    let lines: Vec<(String, i64)> =
        read_rows(&r.store, "SELECT ers_reference, line FROM pos_posts ORDER BY line", [], |x| {
            Ok((x.get(0)?, x.get(1)?))
        });
    let want = [("E1", 2), ("E2", 5), ("E9", 6), ("E3", 7)];
    assert_eq!(lines, want.map(|(e, l)| (e.to_string(), l)).to_vec());

    // A refused line before a bad value: both named at their own lines.
    let content = format!("{POSTS_HEADER}\n{}\n{},extra\n\n{}\n", row(1), row(2), row(3).replace(",10,", ",ten,"));
    std::fs::write(inbox.join("bad.csv"), content).unwrap();
    let outcome = ingest_inbox(&r.store, &inbox, &r.shops).unwrap();
    let problems: Vec<&str> =
        outcome.rejected[0].1.problems.iter().map(|p| p.rsplit_once("bad.csv:").unwrap().1).collect();
    assert_eq!(problems.len(), 2, "{problems:#?}");
    assert!(problems[0].starts_with("3: -: expected 10 columns, found 11"), "{problems:#?}");
    assert!(problems[1].starts_with("5: amount: \"ten\" is not a decimal amount"), "{problems:#?}");
}

#[test]
fn an_invoice_journal_is_checked_row_by_row_and_loads_times_in_utc() {
    let mut r = Recon::new();
    let bad = r.write(
        INVOICES_HEADER,
        &[
            "shop-1,T1,R1,10,SEK,2026-11-21T10:00:00Z,ISSUED,",
            "shop-1,T1,R2,10,SEK,noon,ISSUED,2026-11-21T10:00:01Z",
            "shop-1,T1,R3,10,SEK,2026-11-21T10:00:00Z,LOST,2026-11-21T10:00:01Z",
            "shop-1,T1,R4,10,SEK,2026-11-21T10:00:00Z,PAID,later",
            "shop-1,T1, ,ten,SEK,2026-11-21T10:00:00Z,ISSUED,",
        ],
    );
    let e = ingest_file(&r.store, &bad, &r.shops).unwrap_err().downcast::<Rejected>().unwrap();
    let problems: Vec<&str> = e.problems.iter().map(|p| p.rsplit_once(".csv:").unwrap().1).collect();
    assert_eq!(problems.len(), 5, "{problems:#?}");
    assert!(problems[0].starts_with("3: sent_at: \"noon\" is not an RFC 3339 time"), "{problems:#?}");
    assert!(problems[1].starts_with("4: last_status: \"LOST\" is not a SEQR invoice status"), "{problems:#?}");
    assert!(problems[2].starts_with("5: last_polled_at: \"later\" is not an RFC 3339 time"), "{problems:#?}");
    assert!(problems[3].starts_with("6: invoice_reference: is empty"), "{problems:#?}");
    assert!(problems[4].starts_with("6: amount: \"ten\" is not a decimal amount"), "{problems:#?}");

    r.invoices(&[
        "shop-1,T1,R1,10.5,SEK,2026-11-21T11:00:00+01:00,,",
        "shop-1,T1,R2,7,SEK,2026-11-21T10:00:00Z,PAID,2026-11-21T11:00:02+01:00",
    ]);
    // invoice_reference, sent_at, last_status, last_polled_at, amount
    type Row = (String, String, Option<String>, Option<String>, rust_decimal::Decimal);
    let sql =
        "SELECT invoice_reference, CAST(sent_at AS VARCHAR), last_status, CAST(last_polled_at AS VARCHAR), amount \
               FROM pos_invoices ORDER BY invoice_reference";
    let invoices: Vec<Row> =
        read_rows(&r.store, sql, [], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?)));
    assert_eq!(
        invoices,
        vec![
            ("R1".into(), "2026-11-21 10:00:00".into(), None, None, dec("10.5")),
            (
                "R2".into(),
                "2026-11-21 10:00:00".into(),
                Some("PAID".into()),
                Some("2026-11-21 10:00:02".into()),
                dec("7")
            ),
        ]
    );
}

#[test]
fn good_inbox_files_are_archived() {
    let r = Recon::new();
    let inbox = r.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("a.csv"),
        format!("{POSTS_HEADER}\nshop-1,T1,,E1,,10,SEK,PAYMENT,\"SEQR payment, with comma\",2026-11-21T10:00:00Z\n"),
    )
    .unwrap();
    let outcome = ingest_inbox(&r.store, &inbox, &r.shops).unwrap();
    assert_eq!(outcome.loaded.len(), 1);
    assert!(inbox.join("archive/a.csv").exists() && !inbox.join("a.csv").exists());
    let d: String = read_one(&r.store, "SELECT description FROM pos_posts", [], |x| x.get(0)).unwrap();
    assert_eq!(d, "SEQR payment, with comma");
}

#[test]
fn exported_csvs_match_the_golden_files_and_defuse_formulas() {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,=HYPERLINK(\"http://x\"),E1,R1,100.00,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,@anna,E2,,-20.5,SEK,REFUND,SEQR refund,2026-11-21T11:00:00Z",
        "shop-1,T2,bob,E3,,7.25,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
    ]);
    let (seq, period) =
        r.close("P1", MARK, vec![seqr("E1", "T1", "100"), seqr("E2", "T1", "-20.50"), seqr("E9", "T2", "5")], None);
    // The config's names, as `run` records them; T2 has none.
    r.store
        .tamper_for_test(
            "INSERT INTO shops VALUES ('shop-1', 'Södermalm', 'SEK', 'Europe/Stockholm', 'shop', 'r', now()); \
             INSERT INTO terminals (terminal_id, shop_id, name) VALUES ('T1', 'shop-1', 'Till 1 by the door');",
        )
        .unwrap();
    let out = r.dir.path().join("reports");
    let files = write_reports(&r.store, &out, &shop("shop-1"), seq, &period).unwrap();
    assert_eq!(files.dir, out.join("shop-1").join("P1"));
    for (name, path) in [
        ("summary.csv", &files.summary),
        ("exceptions.csv", &files.exceptions),
        ("transactions.csv", &files.transactions),
    ] {
        let got = std::fs::read_to_string(path).unwrap();
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden").join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &got).unwrap();
        }
        let want = std::fs::read_to_string(&golden).unwrap_or_default();
        assert_eq!(got, want, "{name} differs from {}; rerun with UPDATE_GOLDEN=1 after checking", golden.display());
    }
    let tx = std::fs::read_to_string(&files.transactions).unwrap();
    assert!(tx.contains("'=HYPERLINK") && tx.contains("'@anna") && tx.contains("-20.50000"), "{tx}");

    // A MATCHED row is stored without its keys and invoice reference; the view gives them back.
    let stored: (Option<String>, Option<String>, Option<String>, i64, i64) = read_one(&r.store,
            "SELECT local_key, seqr_key, invoice_reference, local_file_id, local_line FROM recon_items WHERE ers_reference = 'E1'",
            [],
            |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?)),
        )
        .unwrap();
    assert_eq!(stored, (None, None, None, 1, 2));
    let viewed: (String, String, String) = read_one(
        &r.store,
        "SELECT local_key, seqr_key, invoice_reference FROM recon_results WHERE ers_reference = 'E1'",
        [],
        |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?)),
    )
    .unwrap();
    assert_eq!(viewed, ("P:1:2".to_string(), "S:E1".to_string(), "R1".to_string()));
}

#[test]
fn copy_writes_the_same_bytes_as_the_row_by_row_writer_in_every_style() {
    // The close's CSVs are written by DuckDB's COPY; the row-by-row writer (used
    // for `query --format csv`) is the reference its rules were taken from.
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,#hash,E1,,100.005,SEK,PAYMENT,x,2026-11-21T10:00:00.123Z",
        "shop-1,T1,\"line\nbreak\",E2,,-0.00001,SEK,REFUND,x,2026-11-21T10:00:01.000456Z",
        "shop-1,T2,\"-comma, and \"\"quote\"\"\",E3,,7.25,SEK,PAYMENT,x,2026-11-21T10:00:02+01:00",
    ]);
    let (seq, _) = r.close(
        "P1",
        MARK,
        vec![seqr("E1", "T1", "100"), seqr("E2", "T1", "-0.00002"), seqr("E9", "T2", "5.995")],
        None,
    );
    let shop_1 = shop("shop-1");
    let close = [CloseKey::new(&shop_1, seq)];
    let styles = [
        CsvStyle::default(),
        CsvStyle { bom: true, decimal_comma: false },
        CsvStyle { bom: true, decimal_comma: true },
    ];
    for file in CloseFile::ALL {
        for style in styles {
            let mut by_rows = Vec::new();
            write_close_csv(&r.store, file, &close, style, &mut by_rows).unwrap();
            let path = r.dir.path().join("copied.csv");
            copy_close_csv(&r.store, file, &close, style, &path).unwrap();
            let copied = std::fs::read(&path).unwrap();
            if file == CloseFile::Transactions && style == CsvStyle::default() {
                let text = String::from_utf8_lossy(&copied);
                for cell in [
                    "#hash",
                    "\"line\nbreak\"",
                    "\"'-comma, and \"\"quote\"\"\"",
                    "10:00:00.123Z",
                    "10:00:01.000456Z",
                    "09:00:02Z",
                    "100.00500",
                    "0.01",
                ] {
                    assert!(text.contains(cell), "{cell} in {text}");
                }
            }
            assert_eq!(String::from_utf8_lossy(&copied), String::from_utf8_lossy(&by_rows), "{style:?}, {file:?}");
        }
    }
}

#[test]
fn query_command_binds_a_parameter_containing_a_quote() {
    let r = Recon::new();
    let db = r.dir.path().join("recon.duckdb");
    drop(r.store);
    let cfg = r.dir.path().join("c.toml");
    std::fs::write(
        &cfg,
        format!(
            "[seqr]\nendpoint = \"http://127.0.0.1:1/soap\"\nclient_id = \"t\"\n[store]\ndatabase = {:?}\n",
            db.display().to_string()
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_seqr-recon"))
        .args([
            "--config",
            cfg.to_str().unwrap(),
            "query",
            "--sql",
            "SELECT $who AS who, length($who) AS n",
            "--param",
            "who=O'Brien'; DROP TABLE pos_posts; --",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "who,n\nO'Brien'; DROP TABLE pos_posts; --,34\n");
    let store = Store::open(&db).unwrap();
    assert!(store.read_for_test("SELECT * FROM pos_posts", [], |_| Ok(())).is_ok(), "the table is still there");
}

/// SEQR detail row on T1 whose ersReference carries `hhmmss` on 2026-11-21.
fn seqr_at(hhmmss: &str, n: u32, amount: &str) -> DetailRow {
    seqr(&format!("20261121{hhmmss}{n:011}"), "T1", amount)
}

#[test]
fn probable_matches_follow_the_tolerances_and_never_become_matched() {
    let mut r = Recon::new();
    // The till keyed a wrong reference (X1) for SEQR's 20261121120005…; Y1 is a
    // near miss on amount; Z1 is on another terminal.
    r.posts(&[
        "shop-1,T1,anna,X1,,10.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
        "shop-1,T1,anna,Y1,,10.50,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:03Z",
        "shop-1,T2,anna,Z1,,10.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:05Z",
    ]);
    let seqr_ref = "2026112112000500000000001";
    let (seq, _) = r.close("P1", MARK, vec![seqr_at("120005", 1, "10.00")], None);
    let off = r.categories(seq);
    assert_eq!(
        off,
        pairs(&[
            ("MISSING_AT_SEQR", "X1"),
            ("MISSING_AT_SEQR", "Y1"),
            ("MISSING_AT_SEQR", "Z1"),
            ("MISSING_LOCALLY", seqr_ref)
        ]),
        "off by default"
    );

    // Window on, exact amounts: X1 is proposed, with SEQR's key and a score.
    r.settings.probable_time_window_seconds = 60;
    reconcile(&r.store, &shop("shop-1"), seq, &r.settings).unwrap();
    let res = r.results(seq);
    assert_eq!(
        res.iter().map(|(c, k, _, _)| (c.clone(), k.clone())).collect::<Vec<_>>(),
        pairs(&[("MISSING_AT_SEQR", "Y1"), ("MISSING_AT_SEQR", "Z1"), ("PROBABLE_MATCH", seqr_ref)])
    );
    let probable = &res[2].3;
    assert!(
        probable.contains("(ersReference X1)") && probable.contains("amounts 0.00 apart, times 5 s apart; score 0.959"),
        "{probable}"
    );
    let (local_key, score): (String, String) =
        read_one(&r.store, "SELECT local_key, CAST(score AS VARCHAR) FROM v_probable_matches", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!((local_key.as_str(), score.as_str()), ("P:1:2", "0.959"));

    // A window too narrow for the 5 s gap proposes nothing.
    r.settings.probable_time_window_seconds = 4;
    reconcile(&r.store, &shop("shop-1"), seq, &r.settings).unwrap();
    assert_eq!(r.categories(seq), off);

    // With an amount tolerance of 1.00, Y1 becomes a candidate too, but X1 scores higher.
    r.settings.probable_time_window_seconds = 60;
    r.settings.probable_amount_tolerance_minor = 100;
    reconcile(&r.store, &shop("shop-1"), seq, &r.settings).unwrap();
    assert!(r.results(seq).iter().any(|(c, _, _, d)| c == "PROBABLE_MATCH" && d.contains("(ersReference X1)")));

    // Rejected, the pair is never proposed again; the next best (Y1) is.
    worklist::resolve(&r.store, &shop("shop-1"), seqr_ref, Resolution::Rejected, "not the same sale", "eva").unwrap();
    reconcile(&r.store, &shop("shop-1"), seq, &r.settings).unwrap();
    let res = r.results(seq);
    assert!(res.iter().any(|(c, k, _, _)| c == "MISSING_AT_SEQR" && k == "X1"), "{res:?}");
    let probable: Vec<_> = res.iter().filter(|(c, _, _, _)| c == "PROBABLE_MATCH").collect();
    assert_eq!(probable.len(), 1);
    assert!(probable[0].3.contains("(ersReference Y1)") && probable[0].3.contains("score 0.736"), "{probable:?}");

    // Confirmed, both sides leave the open list; nothing was ever MATCHED.
    worklist::resolve(
        &r.store,
        &shop("shop-1"),
        seqr_ref,
        Resolution::Confirmed,
        "same sale, reference mistyped",
        "eva",
    )
    .unwrap();
    let (seq2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], None);
    assert_eq!(r.categories(seq2), pairs(&[("MISSING_AT_SEQR", "X1"), ("MISSING_AT_SEQR", "Z1")]));
    let matched: i64 =
        read_one(&r.store, "SELECT count(*) FROM recon_results WHERE category = 'MATCHED'", [], |r| r.get(0)).unwrap();
    assert_eq!(matched, 0);

    // The analyst's open list says what to do about each.
    let sql = seqr_recon::store::queries::ANALYST.iter().find(|(n, _)| *n == "open_exceptions_by_age").unwrap().1;
    let open: Vec<(String, String, String)> =
        read_rows(&r.store, sql, [], |row| Ok((row.get("category")?, row.get("ers_reference")?, row.get("action")?)));
    assert_eq!(
        open.iter().map(|(c, e, _)| format!("{c} {e}")).collect::<Vec<_>>(),
        ["MISSING_AT_SEQR X1", "MISSING_AT_SEQR Z1"]
    );
    assert!(open[0].2.starts_with("The till recorded a SEQR payment that SEQR does not have"), "{open:?}");
}

/// The failed checks of `close_seq` after `tamper` ran, inside a transaction that is rolled back.
fn failed_checks(r: &Recon, close_seq: i64, tamper: &str) -> Vec<String> {
    let tx = r.store.transaction().unwrap();
    tx.tamper_for_test(tamper).unwrap();
    let mut names: Vec<String> =
        self_check(&tx, &shop("shop-1"), close_seq).unwrap().into_iter().map(|f| f.check).collect();
    names.dedup();
    names
}

#[test]
fn self_checks_catch_every_invariant_violation() {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,anna,E1,,10.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
        "shop-1,T1,anna,E2,,20.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
    ]);
    let rows = vec![seqr("E1", "T1", "10"), seqr("E2", "T1", "20"), seqr("E9", "T1", "5")];
    let wrong_summary = SummaryRow { terminal_id: None, count: 3, total: dec("40") };
    let (seq, _) = r.close("P1", MARK, rows, Some(wrong_summary));
    assert!(failed_checks(&r, seq, "").is_empty(), "a sound close passes");
    let cases = [
        ("DELETE FROM seqr_rows WHERE ers_reference = 'E2'", "report_rows_stored"),
        ("DELETE FROM recon_items WHERE ers_reference = 'E9'", "seqr_rows_accounted"),
        ("DELETE FROM recon_items WHERE ers_reference = 'E1'", "local_posts_accounted"),
        // A SEQR row merged into another at the wrong amount, a post carried at the wrong amount.
        ("UPDATE recon_items SET seqr_amount = 4 WHERE ers_reference = 'E9'", "seqr_amounts_tie"),
        ("UPDATE recon_items SET local_amount = 21 WHERE ers_reference = 'E2'", "local_amounts_tie"),
        // A SEQR row carried twice.
        ("INSERT INTO recon_items SELECT * FROM recon_items WHERE ers_reference = 'E9'", "seqr_amounts_tie"),
        ("DELETE FROM recon_items WHERE category = 'SUMMARY_MISMATCH'", "summary_ties_to_details"),
        ("DELETE FROM seqr_reports WHERE report_id = 'Reconciliation/Shop.xml'", "period_reported"),
    ];
    for (tamper, check) in cases {
        let failed = failed_checks(&r, seq, tamper);
        let expected: Vec<String> = match check {
            // Losing E1's result loses its SEQR side and both amounts too.
            "local_posts_accounted" => {
                ["local_amounts_tie", "local_posts_accounted", "seqr_amounts_tie", "seqr_rows_accounted"]
                    .map(String::from)
                    .into()
            }
            // A lost row loses its amount.
            "seqr_rows_accounted" => ["seqr_amounts_tie", "seqr_rows_accounted"].map(String::from).into(),
            _ => vec![check.to_string()],
        };
        assert_eq!(failed, expected, "after {tamper}");
    }

    // A period marked before the previous one of the same scope overlaps it.
    let empty_summary = SummaryRow { terminal_id: None, count: 0, total: dec("0") };
    let (seq2, _) = r.close("P0", "2026-11-20T21:00:00Z", vec![], Some(empty_summary));
    assert_eq!(failed_checks(&r, seq2, ""), vec!["periods_do_not_overlap"]);
    // A close without any period lost it.
    let empty = r.store.begin_close(&shop("shop-1"), t("2026-11-24T21:00:00Z")).unwrap();
    assert!(failed_checks(&r, empty.close_seq, "").contains(&"no_period_missing".to_string()));
    // So does the next close: the lost one lies between the shop's previous classification and it.
    let empty_summary = SummaryRow { terminal_id: None, count: 0, total: dec("0") };
    let (seq4, _) = r.close("P3", "2026-11-25T21:00:00Z", vec![], Some(empty_summary));
    assert_eq!(failed_checks(&r, seq4, ""), vec!["no_period_missing"]);
}

/// (category, ersReference, seqr_amount, detail, action) of one close's exceptions.
fn actions(r: &Recon, close_seq: i64) -> Vec<(String, String, Option<rust_decimal::Decimal>, String, String)> {
    let sql = "SELECT r.category, r.ers_reference, r.seqr_amount, coalesce(r.detail, ''), c.action \
               FROM recon_results r JOIN categories c USING (category) \
               WHERE r.close_seq = ? AND r.category <> 'MATCHED' ORDER BY 1, 2";
    read_rows(&r.store, sql, [close_seq], |x| Ok((x.get(0)?, x.get(1)?, x.get(2)?, x.get(3)?, x.get(4)?)))
}

#[test]
fn a_refund_seconds_before_the_mark_is_in_transit_in_refund_words_and_never_refunded_again() {
    let r = Recon::new();
    // SEQR gave 12.50 back 20 s before the 21:00:00 mark; the till's refund post is not in yet.
    let refund = "2026112120594000000000009";
    let (seq, _) = r.close("P1", MARK, vec![seqr(refund, "T1", "-12.50")], None);
    let got = actions(&r, seq);
    assert_eq!(got.len(), 1, "{got:?}");
    let (category, _, amount, detail, action) = &got[0];
    assert_eq!((category.as_str(), *amount), ("IN_TRANSIT", Some(dec("-12.50"))));
    assert_eq!(detail, "SEQR made this refund 20 s before the close; the till's post has not arrived yet");
    // What the accountant does: nothing now; nobody is refunded (again).
    assert!(action.contains("made this refund") && action.contains("do nothing now"), "{action}");
    assert!(!action.contains("refund the customer"), "{action}");
    // The till's refund never comes: the next close says SEQR refunded and the books lack it.
    let (seq2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], None);
    let got = actions(&r, seq2);
    assert_eq!(
        got.iter().map(|(c, e, ..)| (c.as_str(), e.as_str())).collect::<Vec<_>>(),
        [("REFUND_MISSING_LOCALLY", refund)]
    );
    assert!(got[0].4.contains("Do not refund again"), "{}", got[0].4);
}

#[test]
fn a_payment_seconds_before_the_mark_with_no_post_yet_is_in_transit_not_a_refund() {
    let mut r = Recon::new();
    // SEQR took three payments before the 21:00:00 mark: 30 s, 90 s and 10 min before. No post yet.
    let just_before = "2026112120593000000000001";
    let also_before = "2026112120583000000000002";
    let long_before = "2026112120500000000000003";
    let rows = vec![seqr(just_before, "T1", "40"), seqr(also_before, "T1", "15"), seqr(long_before, "T1", "25")];
    let (seq, _) = r.close("P1", MARK, rows, None);
    let got = actions(&r, seq);
    assert_eq!(
        got.iter().map(|(c, e, a, _, _)| (c.as_str(), e.as_str(), *a)).collect::<Vec<_>>(),
        [
            ("IN_TRANSIT", also_before, Some(dec("15"))),
            ("IN_TRANSIT", just_before, Some(dec("40"))),
            ("MISSING_LOCALLY", long_before, Some(dec("25"))),
        ]
    );
    let transit = &got[1];
    assert_eq!(transit.3, "SEQR took this payment 30 s before the close; the till's post has not arrived yet");
    // What the accountant does: nothing, no refund (the MISSING_LOCALLY one alone says refund).
    assert!(transit.4.contains("do nothing now") && !transit.4.contains("refund the customer"), "{}", transit.4);
    assert!(got[2].4.contains("refund the customer"));

    // The post of one arrives just after the mark: the next close matches it;
    // the other never comes and is missing now.
    r.posts(&[&format!("shop-1,T1,anna,{just_before},,40,SEK,PAYMENT,SEQR payment,2026-11-21T21:00:04Z")]);
    let (seq2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], None);
    let cats = r.categories(seq2);
    assert!(cats.contains(&("LATE_MATCHED".into(), just_before.into())), "{cats:?}");
    assert!(cats.contains(&("MISSING_LOCALLY".into(), also_before.into())), "{cats:?}");
    let detail = r.results(seq2).into_iter().find(|x| x.1 == just_before).unwrap().3;
    assert!(detail.starts_with("was IN_TRANSIT in period P1"), "{detail}");
}

#[test]
fn summaries_of_consecutive_periods_count_each_row_once_and_show_what_was_carried_over() {
    let mut r = Recon::new();
    r.posts(&[
        // Posted before mark 1; SEQR reports it only in period 2.
        "shop-1,T1,,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T20:59:00Z",
        // A mismatch that stays open.
        "shop-1,T1,,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
    ]);
    let (c1, _) = r.close("P1", MARK, vec![seqr("E2", "T1", "20"), seqr("E3", "T1", "31")], None);
    // Paid in period 1, posted after its close.
    r.posts(&["shop-1,T1,,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-21T21:05:00Z"]);
    let (c2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![seqr("E1", "T1", "10")], None);
    let total = |seq: i64, label: &str| -> String {
        let files = write_reports(&r.store, &r.dir.path().join("out"), &shop("shop-1"), seq, label).unwrap();
        std::fs::read_to_string(files.summary).unwrap().lines().last().unwrap().to_string()
    };
    // shop_id,shop_name,period_id,terminal_id,terminal_name, then seqr_count,seqr_total,local_count,
    // local_total,matched,exceptions,difference,carried_over_count,carried_over_seqr_total,carried_over_local_total
    assert_eq!(total(c1, "P1"), "shop-1,,P1,,,2,51.00,2,40.00,0,3,-11.00,0,0.00,0.00");
    // E1's post and E2's SEQR row belong to period 1, E3 is still open: carried over, not period 2's own.
    assert_eq!(total(c2, "P2"), "shop-1,,P2,,,1,10.00,1,20.00,2,1,10.00,3,51.00,40.00");
    // Summing the periods' own totals gives every SEQR row and every post exactly once.
    let own = |col: usize| -> rust_decimal::Decimal {
        [total(c1, "P1"), total(c2, "P2")].iter().map(|l| dec(l.split(',').nth(col).unwrap())).sum()
    };
    let (seqr_all, posts_all): (rust_decimal::Decimal, rust_decimal::Decimal) = read_one(
        &r.store,
        "SELECT (SELECT sum(amount) FROM seqr_rows), (SELECT sum(amount) FROM pos_posts)",
        [],
        |x| Ok((x.get(0)?, x.get(1)?)),
    )
    .unwrap();
    assert_eq!((own(6), own(8)), (seqr_all, posts_all));
}

/// The till's and SEQR's totals of a close's results: (local, SEQR).
fn booked(r: &Recon, close_seq: i64) -> (rust_decimal::Decimal, rust_decimal::Decimal) {
    read_one(
        &r.store,
        "SELECT coalesce(sum(local_amount), 0), coalesce(sum(seqr_amount), 0) FROM recon_results WHERE close_seq = ?",
        [close_seq],
        |x| Ok((x.get(0)?, x.get(1)?)),
    )
    .unwrap()
}

#[test]
fn a_refund_the_till_booked_under_the_payments_reference_matches_seqrs_refund_row() {
    let mut r = Recon::new();
    let payment = "2026112112000000000000001";
    let seqr_refund = "2026112112050000000000002";
    r.posts(&[
        &format!("shop-1,T1,anna,{payment},,100.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:02Z"),
        // The till books the refund under the payment's reference, two seconds after SEQR made it.
        &format!("shop-1,T1,anna,{payment},,-30.00,SEK,REFUND,SEQR refund,2026-11-21T12:05:02Z"),
        // And another refund SEQR never made (cash handed back under the payment's reference).
        &format!("shop-1,T1,anna,{payment},,-5.00,SEK,REFUND,SEQR refund,2026-11-21T13:00:00Z"),
    ]);
    let summary = SummaryRow { terminal_id: None, count: 2, total: dec("70") };
    let rows = vec![seqr(payment, "T1", "100"), seqr(seqr_refund, "T1", "-30")];
    let (seq, _) = r.close("P1", MARK, rows, Some(summary));
    // Not "remove the extra copy" (DUPLICATE_LOCAL) and not "refund the customer" (MISSING_LOCALLY):
    // the refund post matches SEQR's refund row, and the detail says how.
    let linked = r.results(seq).into_iter().find(|x| x.1 == seqr_refund).unwrap();
    assert_eq!(linked.0, "MATCHED");
    let how = format!("a refund the till booked under payment {payment}'s reference; SEQR's refund is {seqr_refund}");
    assert_eq!(linked.3, how);
    let got = actions(&r, seq);
    assert_eq!(got.len(), 1, "{got:?}");
    let (cat, ers, amount, detail, action) = &got[0];
    assert_eq!((cat.as_str(), ers.as_str(), *amount), ("REFUND_UNMATCHED", payment, None));
    assert!(detail.starts_with(&format!("the till booked a refund of 5.00 under payment {payment}'s reference")));
    assert!(action.contains("check in SEQR whether the customer was refunded"), "{action}");
    // The books: the payment and the matched refund tie (70 on both sides); only the
    // unmatched 5 differs, and nothing tells the accountant to move money.
    assert_eq!(booked(&r, seq), (dec("65"), dec("70")));
    assert!(got.iter().all(|g| !g.4.contains("refund the customer")), "{got:?}");
    assert_eq!(self_check(&r.store, &shop("shop-1"), seq).unwrap(), vec![]);
}

#[test]
fn a_payment_and_its_refund_under_one_seqr_reference_both_count() {
    let mut r = Recon::new();
    let shared = "2026112112000000000000001";
    r.posts(&[&format!("shop-1,T1,anna,{shared},,100.00,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:02Z")]);
    // SEQR lists the payment and its refund together, and repeats the payment (two scopes).
    let rows = vec![seqr(shared, "T1", "100"), seqr(shared, "T1", "-30"), seqr(shared, "T1", "100")];
    let summary = SummaryRow { terminal_id: None, count: 3, total: dec("170") };
    let (seq, _) = r.close("P1", MARK, rows, Some(summary));
    let got = actions(&r, seq);
    // The refund row is kept (not folded into +100) and is SEQR money given back: record it, never refund again.
    assert_eq!(got.len(), 1, "{got:?}");
    let (cat, ers, amount, _, action) = &got[0];
    assert_eq!((cat.as_str(), ers.as_str(), *amount), ("REFUND_MISSING_LOCALLY", shared, Some(dec("-30"))));
    assert!(action.contains("Do not refund again") && action.contains("record the refund"), "{action}");
    assert_eq!(booked(&r, seq), (dec("100"), dec("70")), "the repeated +100 counts once");
    assert_eq!(self_check(&r.store, &shop("shop-1"), seq).unwrap(), vec![]);

    // The till's refund post arrives the next day under the same reference: it matches row 2.
    r.posts(&[&format!("shop-1,T1,anna,{shared},,-30.00,SEK,REFUND,SEQR refund,2026-11-21T12:10:00Z")]);
    let empty = SummaryRow { terminal_id: None, count: 0, total: dec("0") };
    let (seq2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], Some(empty));
    assert_eq!(r.categories(seq2), pairs(&[("LATE_MATCHED", shared)]));
    assert_eq!(booked(&r, seq2), (dec("-30"), dec("-30")));
    assert_eq!(self_check(&r.store, &shop("shop-1"), seq2).unwrap(), vec![]);
}

#[test]
fn the_other_side_of_a_hand_resolved_item_arriving_later_is_late_matched_naming_the_resolution() {
    let mut r = Recon::new();
    // A post SEQR does not have yet, and a SEQR payment with no post yet.
    r.posts(&["shop-1,T1,anna,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z"]);
    let (c1, _) = r.close("P1", MARK, vec![seqr("E2", "T1", "20")], None);
    assert_eq!(r.categories(c1), pairs(&[("MISSING_AT_SEQR", "E1"), ("MISSING_LOCALLY", "E2")]));
    // The accountant resolves both by hand.
    worklist::resolve(&r.store, &shop("shop-1"), "E1", Resolution::WriteOff, "customer paid cash instead", "eva")
        .unwrap();
    worklist::resolve(
        &r.store,
        &shop("shop-1"),
        "E2",
        Resolution::Correction,
        "booked by hand from the receipt",
        "eva",
    )
    .unwrap();
    let (c2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], None);
    assert_eq!(r.categories(c2), vec![], "resolved items alone are not shown again");

    // The other sides arrive: SEQR reports E1 late, the till's post for E2 comes in.
    r.posts(&["shop-1,T1,anna,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-22T12:00:00Z"]);
    let (c3, _) = r.close("P3", "2026-11-23T21:00:00Z", vec![seqr("E1", "T1", "10")], None);
    // Not MISSING_LOCALLY ("refund the customer") nor MISSING_AT_SEQR ("ask the customer to pay again").
    let res = r.results(c3);
    assert_eq!(
        res.iter().map(|(c, e, p, _)| (c.as_str(), e.as_str(), p.as_str())).collect::<Vec<_>>(),
        [("LATE_MATCHED", "E1", "P1"), ("LATE_MATCHED", "E2", "P1")]
    );
    assert_eq!(
        res[0].3,
        "was MISSING_AT_SEQR in period P1; matched now; the other side had been resolved by hand: write-off by eva \
         (customer paid cash instead)"
    );
    assert!(
        res[1].3.ends_with("resolved by hand: correction by eva (booked by hand from the receipt)"),
        "{}",
        res[1].3
    );
    assert_eq!(booked(&r, c3), (dec("30"), dec("30")), "both sides now on the books, nothing to move");
    let (c4, _) = r.close("P4", "2026-11-24T21:00:00Z", vec![], None);
    assert_eq!(r.categories(c4), vec![], "settled for good");
    assert_eq!(shown_before(&r), 2);
}

/// The keys in `open_items` (with the close that matched them, if the latest
/// did), after asserting that the table holds exactly what its definition
/// says: the items shown and neither matched before the latest close nor
/// resolved by hand, found from the whole history.
fn open_keys(r: &Recon) -> Vec<(String, Option<i64>)> {
    let whole_history = "SELECT shop_id, item_key, reference, close_seq, settled_close_seq FROM item_firsts f \
        WHERE (settled_close_seq IS NULL \
               OR settled_close_seq >= (SELECT max(close_seq) FROM close_cursors c WHERE c.shop_id = f.shop_id)) \
          AND item_key NOT IN (SELECT item_key FROM exception_resolutions)";
    let kept = "SELECT shop_id, item_key, reference, close_seq, settled_close_seq FROM open_items";
    for (a, b) in [(kept, whole_history), (whole_history, kept)] {
        let extra: Vec<String> =
            read_rows(&r.store, &format!("SELECT item_key FROM ({a} EXCEPT ALL {b})"), [], |x| x.get(0));
        assert_eq!(extra, Vec::<String>::new(), "in\n{a}\nbut not in\n{b}");
    }
    read_rows(&r.store, "SELECT item_key, settled_close_seq FROM open_items ORDER BY 1", [], |x| {
        Ok((x.get(0)?, x.get(1)?))
    })
}

/// How many stored rows carry an item an earlier close showed, after asserting
/// that every row carries exactly what `item_firsts` says of its keys: the
/// earliest earlier close that showed any of them (`first_close_seq`), and
/// its post (`post_first_close_seq`). The to-do list and the summary read
/// these instead of `item_firsts`.
fn shown_before(r: &Recon) -> usize {
    let stored = "SELECT close_seq, local_key, seqr_key, invoice_key, first_close_seq, post_first_close_seq \
        FROM recon_items";
    let whole_history = "SELECT i.close_seq, i.local_key, i.seqr_key, i.invoice_key, \
        (SELECT min(f.close_seq) FROM item_firsts f WHERE f.shop_id = i.shop_id AND f.close_seq < i.close_seq \
           AND f.item_key IN (i.local_key, i.seqr_key, i.invoice_key)), \
        (SELECT min(f.close_seq) FROM item_firsts f WHERE f.shop_id = i.shop_id AND f.close_seq < i.close_seq \
           AND f.item_key = i.local_key) \
        FROM recon_items i";
    for (a, b) in [(stored, whole_history), (whole_history, stored)] {
        let extra: Vec<String> =
            read_rows(&r.store, &format!("SELECT CAST(x AS VARCHAR) FROM ({a} EXCEPT ALL {b}) x"), [], |x| x.get(0));
        assert_eq!(extra, Vec::<String>::new(), "in\n{a}\nbut not in\n{b}");
    }
    let n: i64 = read_one(&r.store, "SELECT count(first_close_seq) FROM recon_items", [], |x| x.get(0)).unwrap();
    n as usize
}

/// Migration 21 gives every row classified before it what the classification
/// now stores: the to-do lists and the summaries read the same after it.
#[test]
fn items_classified_before_migration_21_keep_when_they_were_first_shown() {
    let mut r = Recon::new();
    // Close 1 shows a post SEQR lacks (E1), a copy of a matched post (E3), a payment with no post
    // (E2) and an invoice never polled (R1); close 2 shows them again; close 3 matches E1 and E2.
    r.invoices(&["shop-1,T1,R1,12.50,SEK,2026-11-21T12:00:00Z,,"]);
    r.posts(&[
        "shop-1,T1,anna,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
        "shop-1,T1,anna,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T13:00:00Z",
        "shop-1,T1,anna,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T13:00:00Z",
    ]);
    let (c1, _) = r.close("P1", MARK, vec![seqr("E2", "T1", "20"), seqr("E3", "T1", "30")], None);
    let open =
        [("DUPLICATE_LOCAL", "E3"), ("MISSING_AT_SEQR", "E1"), ("MISSING_LOCALLY", "E2"), ("UNPOLLED_REVERSED", "R1")];
    let mut shown = pairs(&open);
    shown.insert(1, ("MATCHED".to_string(), "E3".to_string()));
    assert_eq!(r.categories(c1), shown);
    let (c2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![], None);
    assert_eq!(r.categories(c2), pairs(&open));
    r.posts(&["shop-1,T1,anna,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-22T12:00:00Z"]);
    let (c3, _) = r.close("P3", "2026-11-23T21:00:00Z", vec![seqr("E1", "T1", "10")], None);
    assert_eq!(
        r.categories(c3),
        pairs(&[
            ("DUPLICATE_LOCAL", "E3"),
            ("LATE_MATCHED", "E1"),
            ("LATE_MATCHED", "E2"),
            ("UNPOLLED_REVERSED", "R1")
        ])
    );
    assert_eq!(shown_before(&r), 8, "closes 2 and 3 each carry four items close 1 showed");

    // Each close's to-do list (reference, close first shown in, its mark) and summary.
    let closes = [c1, c2, c3];
    let read = |r: &Recon| -> Vec<String> {
        let mut seen = Vec::new();
        for (i, close) in closes.iter().enumerate() {
            let lists = r.store.todo_lists(&[CloseKey::new(&shop("shop-1"), *close)], 100).unwrap();
            for item in &lists[&shop("shop-1")].items {
                let mark = item.first_seen_at.map(|t| t.to_rfc3339()).unwrap_or_default();
                seen.push(format!("{close} {:?} {} {mark}", item.reference, item.first_close_seq));
            }
            let files = write_reports(&r.store, &r.dir.path().join("out"), &shop("shop-1"), *close, &format!("P{i}"));
            seen.push(std::fs::read_to_string(files.unwrap().summary).unwrap());
        }
        seen
    };
    let (items, lists) = (r.all_items(), read(&r));
    // Close 2's four items and close 3's two exceptions were first shown by close 1, at its mark.
    let carried =
        lists.iter().filter(|l| !l.starts_with(&format!("{c1} ")) && l.ends_with(" 1 2026-11-21T21:00:00+00:00"));
    assert_eq!(carried.count(), 6, "{lists:#?}");
    // Close 3's own: E1's SEQR row and E2's post; carried over: E1's post, E2's SEQR row, the copy.
    assert!(lists.last().unwrap().ends_with(",,,1,10.00,1,20.00,2,2,10.00,3,20.00,40.00\n"), "{lists:#?}");

    // The database as version 20 left it, opened by this version.
    r.store
        .tamper_for_test(
            "ALTER TABLE recon_items DROP COLUMN first_close_seq; \
             ALTER TABLE recon_items DROP COLUMN post_first_close_seq; \
             DROP MACRO TABLE kept_references_of; DROP MACRO TABLE kept_posts_of; \
             DROP MACRO TABLE kept_seqr_rows_of; DROP MACRO TABLE kept_settled_items_of; \
             DROP MACRO TABLE keeping; DROP MACRO TABLE stale_kept; \
             DROP TABLE kept_references; DROP TABLE kept_posts; DROP TABLE kept_seqr_rows; \
             DROP TABLE kept_settled_items; DROP MACRO TABLE night_ends_of; DROP TABLE late_references; \
             DELETE FROM schema_migrations WHERE version >= 21",
        )
        .unwrap();
    drop(std::mem::replace(&mut r.store, Store::open_in_memory().unwrap()));
    r.store = Store::open(&r.dir.path().join("recon.duckdb")).unwrap();
    assert_eq!(shown_before(&r), 8);
    assert_eq!(r.all_items(), items);
    assert_eq!(read(&r), lists);
}

#[test]
fn open_items_are_those_shown_and_neither_matched_nor_resolved_by_hand() {
    let mut r = Recon::new();
    let open = |keys: &[(&str, Option<i64>)]| keys.iter().map(|(k, s)| (k.to_string(), *s)).collect::<Vec<_>>();
    r.posts(&[
        "shop-1,T1,anna,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
        "shop-1,T1,anna,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T12:30:00Z",
    ]);
    let (c1, _) = r.close("P1", MARK, vec![seqr("E2", "T1", "20")], None);
    assert_eq!(open_keys(&r), open(&[("P:1:2", None), ("P:1:3", None), ("S:E2", None)]));

    // Resolved by hand, an item is no longer open; reopened, it is again.
    worklist::resolve(&r.store, &shop("shop-1"), "E1", Resolution::WriteOff, "paid cash", "eva").unwrap();
    worklist::resolve(&r.store, &shop("shop-1"), "E3", Resolution::WriteOff, "paid cash", "eva").unwrap();
    assert_eq!(open_keys(&r), open(&[("S:E2", None)]));
    worklist::reopen(&r.store, &shop("shop-1"), "E3", "the customer paid by SEQR after all", "eva").unwrap();
    assert_eq!(open_keys(&r), open(&[("P:1:3", None), ("S:E2", None)]));

    // E2's post arrives and E3 reaches SEQR: matched by close 2, they stay marked with it for its self-check.
    r.posts(&["shop-1,T1,anna,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-22T12:00:00Z"]);
    let summary = SummaryRow { terminal_id: None, count: 1, total: dec("30") };
    let (c2, _) = r.close("P2", "2026-11-22T21:00:00Z", vec![seqr("E3", "T1", "30")], Some(summary));
    assert_eq!(r.categories(c2), pairs(&[("LATE_MATCHED", "E2"), ("LATE_MATCHED", "E3")]));
    assert_eq!(open_keys(&r), open(&[("P:1:3", Some(c2)), ("S:E2", Some(c2))]));
    assert_eq!(self_check(&r.store, &shop("shop-1"), c2).unwrap(), vec![]);
    // Classified again, close 2 finds the same; classified again, close 1 finds them open.
    reconcile(&r.store, &shop("shop-1"), c2, &r.settings).unwrap();
    assert_eq!(open_keys(&r), open(&[("P:1:3", Some(c2)), ("S:E2", Some(c2))]));
    reconcile(&r.store, &shop("shop-1"), c1, &r.settings).unwrap();
    assert_eq!(r.categories(c1), pairs(&[("MISSING_AT_SEQR", "E3"), ("MISSING_LOCALLY", "E2")]));
    assert_eq!(open_keys(&r), open(&[("P:1:3", None), ("S:E2", None)]));
    reconcile(&r.store, &shop("shop-1"), c2, &r.settings).unwrap();
    assert_eq!(open_keys(&r), open(&[("P:1:3", Some(c2)), ("S:E2", Some(c2))]));
    // The next close leaves what close 2 matched behind for good.
    let (c3, _) = r.close("P3", "2026-11-23T21:00:00Z", vec![], None);
    assert_eq!(r.categories(c3), vec![]);
    assert_eq!(open_keys(&r), vec![]);
    assert_eq!(shown_before(&r), 2, "close 2 matched E2 and E3, which close 1 showed");
}

#[test]
fn a_missing_payment_names_the_reservation_it_committed_at_its_final_amount() {
    let mut r = Recon::new();
    r.invoices(&[
        // Reserved at 500; the till saw RESERVED, then lost the commit.
        "shop-1,T1,R1,500.00,SEK,2026-11-21T12:00:00Z,RESERVED,2026-11-21T12:00:05Z",
        // An unrelated invoice of another amount, closer in time.
        "shop-1,T1,R2,80.00,SEK,2026-11-21T12:01:00Z,PAID,2026-11-21T12:01:05Z",
    ]);
    let committed = "2026112112010000000000001";
    let (seq, _) = r.close("P1", MARK, vec![seqr(committed, "T1", "312.40")], None);
    let got = actions(&r, seq);
    assert_eq!(got.len(), 1, "{got:?}");
    let (cat, ers, amount, detail, action) = &got[0];
    assert_eq!((cat.as_str(), ers.as_str(), *amount), ("MISSING_LOCALLY", committed, Some(dec("312.40"))));
    assert_eq!(detail, "possibly invoice R1 (reserved 500.00, committed at 312.40) left unpolled");
    // The accountant looks for that sale: the amount to record is SEQR's 312.40, not the 500 reserved.
    assert!(action.starts_with("SEQR took this payment but the till has no record of it"), "{action}");
}

#[test]
fn a_till_re_exporting_a_growing_file_loads_only_its_new_lines_and_may_not_rewrite_old_ones() {
    let r = Recon::new();
    let export = |r: &Recon, n: usize, rows: &[&str]| r.export(n, "till-2026-11-21.csv", POSTS_HEADER, rows);
    let a = "shop-1,T1,anna,E1,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z";
    let b = "shop-1,T1,anna,E2,,20,SEK,PAYMENT,SEQR payment,2026-11-21T11:00:00Z";
    let c = "shop-1,T1,anna,E3,,30,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z";
    let first = export(&r, 1, &[a, b]);
    assert!(matches!(ingest_file(&r.store, &first, &r.shops).unwrap(), Ingested::Loaded { rows: 2, .. }));
    // An hour later the till exports the same file again, one sale longer.
    let grown = export(&r, 2, &[a, b, c]);
    assert_eq!(
        ingest_file(&r.store, &grown, &r.shops).unwrap(),
        Ingested::Appended { feed: Feed::Posts, rows: 1, sent_through: 3 }
    );
    // A copy that rewrote a line it had sent, and dropped another, is refused whole.
    let rewritten = export(&r, 3, &[a, &b.replace(",20,", ",25,")]);
    let e = ingest_file(&r.store, &rewritten, &r.shops).unwrap_err();
    let rejected = e.downcast_ref::<Rejected>().unwrap();
    assert_eq!(rejected.problems.len(), 2, "{rejected}");
    assert!(rejected.problems[0].contains("till-2026-11-21.csv:3: changed since an earlier file"), "{rejected}");
    assert!(rejected.problems[1].contains(":4: gone since an earlier file"), "{rejected}");
    // The books: each sale once, nothing for the accountant to remove.
    let (seq, _) =
        r.close("P1", MARK, vec![seqr("E1", "T1", "10"), seqr("E2", "T1", "20"), seqr("E3", "T1", "30")], None);
    assert_eq!(r.categories(seq), pairs(&[("MATCHED", "E1"), ("MATCHED", "E2"), ("MATCHED", "E3")]));
}

#[test]
fn an_invoice_journal_re_exported_may_grow_but_not_rewrite_its_lines() {
    let r = Recon::new();
    let export = |n: usize, rows: &[&str]| r.export(n, "invoices-2026-11-21.csv", INVOICES_HEADER, rows);
    let a = "shop-1,T1,R1,12.50,SEK,2026-11-21T12:00:00Z,PAID,2026-11-21T12:00:04Z";
    let b = "shop-1,T1,R2,30.00,SEK,2026-11-21T13:00:00Z,,";
    let c = "shop-1,T1,R3,7.00,SEK,2026-11-21T14:00:00Z,ISSUED,2026-11-21T14:00:05Z";
    assert!(matches!(ingest_file(&r.store, &export(1, &[a, b]), &r.shops).unwrap(), Ingested::Loaded { rows: 2, .. }));
    assert_eq!(
        ingest_file(&r.store, &export(2, &[a, b, c]), &r.shops).unwrap(),
        Ingested::Appended { feed: Feed::Invoices, rows: 1, sent_through: 3 }
    );
    // The journal filled in the status of an invoice it had sent without one, and lost the last.
    let rewritten = export(3, &[a, &b.replace(",,", ",PAID,2026-11-21T13:00:09Z")]);
    let e = ingest_file(&r.store, &rewritten, &r.shops).unwrap_err();
    let rejected = e.downcast_ref::<Rejected>().unwrap();
    assert_eq!(rejected.problems.len(), 2, "{rejected}");
    assert!(rejected.problems[0].contains("invoices-2026-11-21.csv:3: changed since an earlier file"), "{rejected}");
    assert!(rejected.problems[1].contains(":4: gone since an earlier file"), "{rejected}");
}

/// A shop-1 config with the given `[reports]` lines and shop `locale`.
fn report_config(dir: &Path, reports: &str, locale: &str) -> seqr_recon::config::Config {
    let text = format!(
        "[seqr]\nendpoint = \"http://127.0.0.1:1/soap\"\nclient_id = \"t\"\n[store]\ndatabase = \"db.duckdb\"\n\
         [reports]\ndir = {:?}\n{reports}\n[[shop]]\nid = \"shop-1\"\nname = \"Södermalm\"\ncurrency = \"SEK\"\n\
         timezone = \"Europe/Stockholm\"\nclose_at = \"0 0 22 * * *\"\nlevel = \"shop\"\nreseller_id = \"r\"\n\
         reseller_user_id = \"9900\"\npassword_env = \"X\"\nlocale = \"{locale}\"\n",
        dir.join("reports")
    );
    seqr_recon::config::Config::parse(&text, "t.toml").unwrap()
}

#[test]
fn the_workbook_keeps_references_as_text_amounts_as_numbers_and_times_as_local_date_times() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let mut r = Recon::new();
    let paid = "2026112109001170101000311";
    let missing = "2026112110302270101000312";
    r.posts(&[&format!(
        "shop-1,T1,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",{paid},R1,100.00,SEK,PAYMENT,SEQR payment,2026-11-21T09:00:11Z"
    )]);
    let period = "2026112121000012301000044";
    let (seq, _) = r.close(period, MARK, vec![seqr(paid, "T1", "100"), seqr(missing, "T1", "12.50")], None);
    let cfg = report_config(r.dir.path(), "", "sv-SE");
    let files = seqr_recon::export::write_close_reports(&r.store, &cfg.reports, &cfg.shops[0], seq, period, u64::MAX)
        .unwrap()
        .files;
    let path = files.workbook.expect("xlsx is a default format");

    let mut book: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(book.sheet_names(), ["To do", "All exceptions", "Summary", "Transactions"]);
    let tx = book.worksheet_range("Transactions").unwrap();
    // Each sheet says whose close it is, when, and in what currency; then headers in words.
    let title = tx.rows().next().unwrap()[0].to_string();
    assert!(
        title.starts_with("Transactions · Södermalm (shop-1) · until ")
            && title.ends_with(&format!("period {period} · amounts in SEK")),
        "{title}"
    );
    let header: Vec<String> = tx.rows().nth(1).unwrap().iter().map(std::string::ToString::to_string).collect();
    let col =
        |name: &str| header.iter().position(|h| h.starts_with(name)).unwrap_or_else(|| panic!("{name}: {header:?}"));
    assert_eq!(header[col("Till time")], "Till time (Europe/Stockholm)");
    let row = tx.rows().find(|row| row[col("ersReference")] == Data::String(paid.into())).expect("the paid row");
    assert_eq!(row[col("ersReference")], Data::String(paid.into()), "a 25-digit reference is text, digit for digit");
    assert_eq!(row[col("Period")], Data::String(period.into()));
    assert_eq!(row[col("Till amount")], Data::Float(100.0), "amounts are numbers");
    assert_eq!(row[col("Cashier")], Data::String("=HYPERLINK(\"http://x\",\"y\")".into()), "a plain string");
    match &row[col("Till time")] {
        // 09:00:11 UTC is 10:00:11 in Stockholm in November.
        Data::DateTime(d) => assert_eq!(d.as_datetime().unwrap().to_string(), "2026-11-21 10:00:11"),
        other => panic!("the till's time is a date-time cell, not {other:?}"),
    }
    let formulas = book.worksheet_formula("Transactions").unwrap();
    assert!(formulas.used_cells().all(|(_, _, f)| f.is_empty()), "no cell is a formula");

    // The To do sheet is the email's list, with a column for the accountant's notes.
    let todo = book.worksheet_range("To do").unwrap();
    let header: Vec<String> = todo.rows().nth(1).unwrap().iter().map(std::string::ToString::to_string).collect();
    assert_eq!(header.first().map(String::as_str), Some("#"));
    assert_eq!(header.last().map(String::as_str), Some("Notes"));
    let to_do = header.iter().position(|h| h == "To do").expect("a To do column");
    let missing_row = todo.rows().nth(2).unwrap();
    assert_eq!(missing_row[2], Data::String("MISSING_LOCALLY".into()));
    assert_eq!(missing_row[1], Data::Float(12.5), "the amount at risk");
    assert!(
        missing_row[to_do]
            .to_string()
            .contains("record the sale in the books; if there was no sale, ask the back office to refund the customer"),
        "{missing_row:?}"
    );
    let all = book.worksheet_range("All exceptions").unwrap();
    assert_eq!(all.rows().nth(2).unwrap()[2], Data::String("open".into()), "the state");

    // The Summary's total is labelled and below the filtered rows, so sorting never moves it.
    let summary = book.worksheet_range("Summary").unwrap();
    let total = summary.rows().next_back().unwrap();
    assert!(total.iter().any(|c| *c == Data::Float(-12.5)), "the difference is a number: {total:?}");
    assert!(total.iter().any(|c| *c == Data::String("Total, all terminals".into())), "{total:?}");
    let names = book.defined_names().to_vec();
    let filter =
        names.iter().find(|(n, v)| n == "_xlnm._FilterDatabase" && v.starts_with("Summary!")).expect("a filter");
    assert_eq!(filter.1, "Summary!$A$2:$O$3", "the header and the one terminal's row, not the total");
    // Printed: the title and header rows on every page, one page wide.
    assert!(names.iter().any(|(n, v)| n == "_xlnm.Print_Titles" && v == "'To do'!$1:$2"), "{names:?}");
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
    let mut sheet = String::new();
    std::io::Read::read_to_string(&mut zip.by_name("xl/worksheets/sheet1.xml").unwrap(), &mut sheet).unwrap();
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>") && sheet.contains("fitToHeight=\"0\""), "{sheet}");
    assert!(sheet.contains("orientation=\"landscape\""), "{sheet}");

    // A day too big to mail: the workbook (mailed whole) points at transactions.csv instead.
    let files =
        seqr_recon::export::write_close_reports(&r.store, &cfg.reports, &cfg.shops[0], seq, period, 0).unwrap().files;
    let mut book: Xlsx<_> = open_workbook(files.workbook.unwrap()).unwrap();
    let tx = book.worksheet_range("Transactions").unwrap();
    assert_eq!(tx.height(), 2);
    assert!(tx.rows().nth(1).unwrap()[0].to_string().contains("transactions.csv"));
    assert_eq!(book.worksheet_range("All exceptions").unwrap().height(), 3, "the exceptions are all there");
}

#[test]
fn csv_for_a_spreadsheet_has_a_bom_and_in_a_decimal_comma_locale_semicolons() {
    let mut r = Recon::new();
    r.posts(&["shop-1,T2,bob,E3,,7.25,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z"]);
    let (seq, period) = r.close("P1", MARK, vec![], None);
    let plain = report_config(r.dir.path(), "formats = [\"csv\"]", "sv-SE");
    let files =
        seqr_recon::export::write_close_reports(&r.store, &plain.reports, &plain.shops[0], seq, &period, u64::MAX)
            .unwrap()
            .files;
    let scripts = std::fs::read_to_string(&files.exceptions).unwrap();
    assert!(
        scripts.starts_with("category,shop_id,") && scripts.contains(",7.25000,"),
        "RFC 4180 by default: {scripts}"
    );
    assert!(files.workbook.is_none(), "formats = [\"csv\"] writes no workbook");

    let swedish = report_config(r.dir.path(), "formats = [\"csv\"]\ncsv_excel = true", "sv-SE");
    let files =
        seqr_recon::export::write_close_reports(&r.store, &swedish.reports, &swedish.shops[0], seq, &period, u64::MAX)
            .unwrap()
            .files;
    let excel = std::fs::read_to_string(&files.exceptions).unwrap();
    assert!(excel.starts_with("\u{feff}category;shop_id;"), "{excel}");
    assert!(excel.contains(";7,25000;") && excel.contains(";7,25;"), "decimal commas: {excel}");

    let english = report_config(r.dir.path(), "formats = [\"csv\"]\ncsv_excel = true", "en-GB");
    let files =
        seqr_recon::export::write_close_reports(&r.store, &english.reports, &english.shops[0], seq, &period, u64::MAX)
            .unwrap()
            .files;
    let excel = std::fs::read_to_string(&files.exceptions).unwrap();
    assert!(excel.starts_with("\u{feff}category,shop_id,") && excel.contains(",7.25000,"), "{excel}");
}

#[test]
fn a_month_later_a_copy_of_a_settled_post_is_a_duplicate_and_late_sides_still_match() {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,anna,20261121100000700000001,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        // Written after the first close's mark: it waits, unread by nothing, for the close SEQR reports it in.
        "shop-1,T1,anna,20261121210500700000004,,40,SEK,PAYMENT,SEQR payment,2026-11-21T21:05:00Z",
    ]);
    let (c1, _) = r.close(
        "P01",
        MARK,
        vec![
            seqr("20261121100000700000001", "T1", "10"),
            seqr("20261121110000700000002", "T1", "20"),
            seqr("20261121120000700000005", "T1", "50"),
        ],
        None,
    );
    assert_eq!(
        r.categories(c1),
        pairs(&[
            ("MATCHED", "20261121100000700000001"),
            ("MISSING_LOCALLY", "20261121110000700000002"),
            ("MISSING_LOCALLY", "20261121120000700000005")
        ])
    );
    worklist::resolve(
        &r.store,
        &shop("shop-1"),
        "20261121120000700000005",
        Resolution::Correction,
        "booked by hand",
        "eva",
    )
    .unwrap();

    // A month of nights, each with a sale of its own that matches.
    let day = |n: i64| t(MARK) + chrono::Duration::days(n);
    let mut last = c1;
    for n in 1..=30 {
        let sale_at = day(n) - chrono::Duration::hours(2);
        let ers = format!("{}7{:08}", sale_at.format("%Y%m%d%H%M%S"), 100 + n);
        r.posts(&[&format!("shop-1,T1,anna,{ers},,{n},SEK,PAYMENT,SEQR payment,{}", sale_at.to_rfc3339())]);
        let mut rows = vec![seqr(&ers, "T1", &n.to_string())];
        if n == 1 {
            rows.push(seqr("20261121210500700000004", "T1", "40"));
        }
        let (c, _) = r.close(&format!("P{:02}", n + 1), &day(n).to_rfc3339(), rows, None);
        let open = if n == 1 { vec![("MATCHED", "20261121210500700000004")] } else { vec![] };
        let mut want = pairs(&[("MATCHED", ers.as_str())]);
        want.extend(pairs(&open));
        want.extend(pairs(&[("MISSING_LOCALLY", "20261121110000700000002")]));
        want.sort();
        assert_eq!(r.categories(c), want, "night {n}");
        last = c;
    }

    // The till re-exports the first sale, and the two lost posts turn up.
    r.posts(&[
        "shop-1,T1,anna,20261121100000700000001,,10,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,anna,20261121110000700000002,,20,SEK,PAYMENT,SEQR payment,2026-11-21T11:00:00Z",
        "shop-1,T1,anna,20261121120000700000005,,50,SEK,PAYMENT,SEQR payment,2026-11-21T12:00:00Z",
    ]);
    let empty = SummaryRow { terminal_id: None, count: 0, total: dec("0") };
    let (c, _) = r.close("P32", &day(31).to_rfc3339(), vec![], Some(empty));
    assert_eq!(c, last + 1);
    let res = r.results(c);
    let got: Vec<_> = res.iter().map(|(c, k, p, _)| (c.as_str(), k.as_str(), p.as_str())).collect();
    assert_eq!(
        got,
        [
            ("DUPLICATE_LOCAL", "20261121100000700000001", "P32"),
            ("LATE_MATCHED", "20261121110000700000002", "P01"),
            ("LATE_MATCHED", "20261121120000700000005", "P01"),
        ]
    );
    assert_eq!(res[0].3, "copy 2 of ersReference 20261121100000700000001; the first is file:line 1:2");
    assert!(res[2].3.ends_with("resolved by hand: correction by eva (booked by hand)"), "{}", res[2].3);
    assert_eq!(self_check(&r.store, &shop("shop-1"), c).unwrap(), vec![]);

    // The copy stays until someone deals with it; everything else is settled for good.
    let (next, _) = r.close("P33", &day(32).to_rfc3339(), vec![], None);
    assert_eq!(r.categories(next), pairs(&[("DUPLICATE_LOCAL", "20261121100000700000001")]));
    // Reconciling the latest close again gives the same answer, from the rows the close before it
    // kept under the copy's and the lost posts' references, and from the tables themselves.
    let before = r.results(next);
    let kept = "SELECT count(*) FROM kept_references k JOIN kept_posts p USING (shop_id, close_seq) \
                WHERE p.ers_reference = k.reference AND k.close_seq = ? AND k.reference = '20261121100000700000001'";
    assert_eq!(
        read_one(&r.store, kept, [c], |row| row.get::<_, i64>(0)).unwrap(),
        2,
        "the payment and its copy were kept"
    );
    reconcile(&r.store, &shop("shop-1"), next, &r.settings).unwrap();
    assert_eq!(r.results(next), before);
    // Without what was kept, each reference is looked up in its own night's files and closes, and
    // where the rows that came under it later were noted: the three posts of night 31, and what
    // the close of night 31 settled under the two lost posts' references.
    let late = "SELECT count(*) FILTER (WHERE file_id IS NOT NULL), count(*) FILTER (WHERE file_id IS NULL) \
                FROM late_references WHERE close_seq = ?";
    assert_eq!(
        read_one(&r.store, late, [c], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?))).unwrap(),
        (3, 2)
    );
    r.store.tamper_for_test("DELETE FROM kept_references").unwrap();
    reconcile(&r.store, &shop("shop-1"), next, &r.settings).unwrap();
    assert_eq!(r.results(next), before);
    // Close 1's two lost posts, 31 closes on; the copy, one close on.
    assert_eq!(shown_before(&r), 30 + 2 + 1);
}

/// Closes 1 and 2 of a shop, the first matching a payment and leaving a post
/// open, then (optionally) archived, then close 3 bringing a copy of the
/// payment's post, its refund and the refund's post. Returns close 3's result.
fn third_close_after(archive: bool) -> (Recon, Vec<(String, String, String, String)>) {
    let mut r = Recon::new();
    r.posts(&[
        "shop-1,T1,anna,20261121100000700000001,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,anna,20261121110000700000003,,30,SEK,PAYMENT,SEQR payment,2026-11-21T11:00:00Z",
    ]);
    let summary = |n: u64, total: &str| Some(SummaryRow { terminal_id: None, count: n, total: dec(total) });
    r.close("P1", MARK, vec![seqr("20261121100000700000001", "T1", "100")], summary(1, "100"));
    r.close("P2", "2026-11-22T21:00:00Z", vec![], summary(0, "0"));
    r.store.tamper_for_test("UPDATE closes SET state = 'exported'").unwrap();
    if archive {
        let far = t("2030-01-01T00:00:00Z");
        let archived = r.store.archive(&[&shop("shop-1")], far).unwrap();
        assert_eq!(archived.len(), 1, "every close but the latest: {archived:?}");
        assert_eq!(archived[0].label_period_id.as_deref(), Some("P1"));
    }
    r.posts(&[
        // The till re-exports the payment, and books its refund under its own reference.
        "shop-1,T1,anna,20261121100000700000001,,100,SEK,PAYMENT,SEQR payment,2026-11-21T10:00:00Z",
        "shop-1,T1,anna,20261121100000700000001,,-40,SEK,REFUND,SEQR refund,2026-11-23T09:00:00Z",
    ]);
    let (c3, _) =
        r.close("P3", "2026-11-23T21:00:00Z", vec![seqr("20261121100000700000001", "T1", "-40")], summary(1, "-40"));
    assert_eq!(self_check(&r.store, &shop("shop-1"), c3).unwrap(), vec![]);
    let res = r.results(c3);
    (r, res)
}

#[test]
fn an_archived_close_leaves_what_later_closes_need_and_they_decide_the_same() {
    let (kept, whole) = third_close_after(false);
    let (archived, after) = third_close_after(true);
    let got: Vec<_> = after.iter().map(|(c, k, p, _)| (c.as_str(), k.as_str(), p.as_str())).collect();
    assert_eq!(
        got,
        [
            ("DUPLICATE_LOCAL", "20261121100000700000001", "P3"),
            ("MATCHED", "20261121100000700000001", "P3"),
            ("MISSING_AT_SEQR", "20261121110000700000003", "P1"),
        ]
    );
    assert_eq!(after[0].3, "copy 2 of ersReference 20261121100000700000001; the first is file:line 1:2");
    assert_eq!(after, whole, "archiving changes nothing a later close decides");

    // What archiving moved out: close 1's result, its raw reports and the matched post and row;
    // the open post stays.
    let count = |r: &Recon, sql: &str| -> i64 { read_one(&r.store, sql, [], |x| x.get(0)).unwrap() };
    assert_eq!(count(&archived, "SELECT count(*) FROM recon_items WHERE close_seq = 1"), 0);
    assert!(count(&kept, "SELECT count(*) FROM recon_items WHERE close_seq = 1") > 0);
    assert_eq!(count(&archived, "SELECT count(*) FROM pos_posts WHERE file_id = 1"), 1, "the open post stays");
    assert_eq!(count(&kept, "SELECT count(*) FROM pos_posts WHERE file_id = 1"), 2);
    assert_eq!(count(&archived, "SELECT count(*) FROM seqr_reports WHERE period_id = 'P1'"), 0);
    assert_eq!(count(&archived, "SELECT count(*) FROM closes WHERE archived_at IS NOT NULL"), 1);
    assert_eq!(count(&archived, "SELECT count(*) FROM periods"), 3, "every close keeps its periods");
}
