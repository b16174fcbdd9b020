//! The Parquet lake: two instances, each with its own shop, database and
//! SEQR, publish to one lake root, and DuckDB reading the Parquet files sees
//! every row once, with the totals each database holds.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::close::{text, Floor, ShopSpec, SHOP};
use crate::helpers::{read_one, read_rows, rows};
use crate::smtp::SmtpSink;

const SHOP_2: ShopSpec<'static> = ShopSpec { id: "shop-2", level: "shop", password_env: SHOP.password_env };

/// Points the floor's configuration at `lake`.
fn with_lake(floor: &Floor, lake: &Path) {
    let mut config = std::fs::read_to_string(&floor.config).unwrap();
    config.push_str(&format!("\n[lake]\ndir = \"{}\"\n", lake.display()));
    std::fs::write(&floor.config, config).unwrap();
}

/// Two closes of `shop`: matched sales, a wrong amount, a post SEQR never saw.
async fn two_closes(floor: &Floor, shop: &str) {
    let (a, b) = (floor.sale("100.00").await, floor.sale("25.50").await);
    floor.posts_of(shop, "posts-1.csv", &[(a, "100.00"), (b, "25.00")]);
    let out = floor.cli(&["run"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let c = floor.sale("7.25").await;
    floor.posts_of(shop, "posts-2.csv", &[(c, "7.25"), (format!("{shop}-never-at-seqr"), "3.00")]);
    let out = floor.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));
}

/// One string per row of `sql`'s single text column, sorted.
fn keys(conn: &duckdb::Connection, sql: &str) -> Vec<String> {
    let mut keys: Vec<String> = rows(conn, sql, [], |r| r.get(0));
    keys.sort();
    keys
}

/// The lake's `table`, as DuckDB reads it.
fn lake_table(lake: &Path, table: &str) -> String {
    format!(
        "read_parquet('{}/{table}/**/*.parquet', hive_partitioning = true, hive_types = {{'shop_id': VARCHAR}})",
        lake.display()
    )
}

/// Each table's rows as keys (with the amounts), from the lake and from the two databases.
const ROW_KEYS: &[(&str, &str, &str)] = &[
    (
        "transactions",
        "shop_id || '|' || close_seq || '|' || category || '|' || coalesce(local_key, '') || '|' || \
         coalesce(seqr_key, '') || '|' || coalesce(invoice_key, '') || '|' || coalesce(CAST(local_amount AS VARCHAR), '') \
         || '|' || coalesce(CAST(seqr_amount AS VARCHAR), '')",
        "recon_results",
    ),
    (
        "pos_posts",
        "shop_id || '|' || file_id || '|' || line || '|' || ers_reference || '|' || CAST(amount AS VARCHAR)",
        "pos_posts",
    ),
    (
        "seqr_rows",
        "shop_id || '|' || period_id || '|' || report_id || '|' || row_no || '|' || CAST(amount AS VARCHAR)",
        "seqr_rows",
    ),
    ("closes", "shop_id || '|' || close_id || '|' || state", "closes"),
];

/// Every table's keys in the lake.
fn lake_keys(lake: &Path) -> BTreeMap<&'static str, Vec<String>> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    ROW_KEYS
        .iter()
        .map(|(table, key, _)| (*table, keys(&conn, &format!("SELECT {key} FROM {}", lake_table(lake, table)))))
        .collect()
}

/// Every table's keys in the two databases together.
fn database_keys(floors: &[&Floor]) -> BTreeMap<&'static str, Vec<String>> {
    let mut all: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for floor in floors {
        let store = floor.store();
        for (table, key, source) in ROW_KEYS {
            all.entry(table)
                .or_default()
                .extend(read_rows(&store, &format!("SELECT {key} FROM {source}"), [], |r| r.get::<_, String>(0)));
        }
    }
    all.values_mut().for_each(|v| v.sort());
    all
}

/// Per shop and business date (of each close's slot, in the shop's zone): items classified and their totals.
fn database_totals(floor: &Floor) -> BTreeMap<(String, String), (i64, String, String)> {
    let store = floor.store();
    let sql = "SELECT r.shop_id, c.slot, count(*), CAST(sum(r.local_amount) AS VARCHAR), CAST(sum(r.seqr_amount) AS VARCHAR) \
               FROM recon_results r JOIN closes c ON c.shop_id = r.shop_id AND c.close_seq = r.close_seq GROUP BY ALL";
    let items: Vec<(String, chrono::DateTime<chrono::Utc>, i64, String, String)> =
        read_rows(&store, sql, [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)));
    let mut totals: BTreeMap<(String, String), (i64, String, String)> = BTreeMap::new();
    for (shop, slot, n, local, seqr) in items {
        let date = seqr_recon::lake::business_date(slot, chrono_tz::Europe::Stockholm).to_string();
        let entry = totals.entry((shop, date)).or_insert((0, "0".into(), "0".into()));
        let add = |a: &str, b: &str| (dec(a) + dec(b)).to_string();
        *entry = (entry.0 + n, add(&entry.1, &local), add(&entry.2, &seqr));
    }
    totals
}

fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

/// The lake's transactions per shop and business date, as DuckDB reads the files.
fn lake_totals(lake: &Path) -> BTreeMap<(String, String), (i64, String, String)> {
    let conn = duckdb::Connection::open_in_memory().unwrap();
    let sql = format!(
        "SELECT shop_id, CAST(business_date AS VARCHAR), count(*), CAST(sum(local_amount) AS VARCHAR), \
         CAST(sum(seqr_amount) AS VARCHAR) FROM {} GROUP BY ALL",
        lake_table(lake, "transactions")
    );
    rows(&conn, &sql, [], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?, r.get(4)?)))).into_iter().collect()
}

/// Every file under `dir`, relative to it.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn two_instances_publish_their_shops_to_one_lake_and_each_row_is_there_once() {
    let smtp = SmtpSink::start();
    let lake_dir = tempfile::tempdir().unwrap();
    let lake = lake_dir.path().join("lake");
    let a = Floor::new(smtp.port, &[SHOP], "").await;
    let b = Floor::new(smtp.port, &[SHOP_2], "").await;
    with_lake(&a, &lake);
    with_lake(&b, &lake);
    two_closes(&a, "shop-1").await;
    two_closes(&b, "shop-2").await;

    // The union of the two instances' files holds each database row once.
    let in_databases = database_keys(&[&a, &b]);
    assert_eq!(in_databases["closes"].len(), 4);
    assert!(in_databases["pos_posts"].len() == 8 && in_databases["seqr_rows"].len() == 6, "{in_databases:#?}");
    assert_eq!(lake_keys(&lake), in_databases);
    // Per shop and business date, the lake's totals are the database's.
    let mut expected = database_totals(&a);
    expected.extend(database_totals(&b));
    assert_eq!(lake_totals(&lake), expected);
    for floor in [&a, &b] {
        let out = floor.cli(&["lake", "check"], &[]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(!String::from_utf8_lossy(&out.stdout).contains("DIFFERS"), "{}", text(&out));
    }

    // Publishing again (a backfill; a recomputed close) replaces files and adds no row.
    let before = files(&lake);
    let out = a.cli(&["lake", "export"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("shop-1: 2 close(s)"), "{}", text(&out));
    let latest: String =
        read_one(&b.store(), "SELECT label_period_id FROM closes ORDER BY close_seq DESC LIMIT 1", [], |r| r.get(0))
            .unwrap();
    let out = b.cli(&["reconcile", "--period", &latest], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(files(&lake), before, "the same files, no second copy and nothing left in _staging");
    assert_eq!(lake_keys(&lake), in_databases);

    // A third instance claiming shop-2 is refused before SEQR is asked anything.
    let other = b.dir.path().join("other.toml");
    let config = std::fs::read_to_string(&b.config).unwrap().replace("recon.duckdb", "other.duckdb");
    std::fs::write(&other, config).unwrap();
    let marks = b.bench.calls("markTransactionPeriod");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_seqr-recon"));
    let out = cmd
        .arg("--config")
        .arg(&other)
        .args(["run", "--ad-hoc"])
        .env(SHOP.password_env, crate::helpers::RESELLER_PASSWORD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("[[shop]] id = \"shop-2\"") && stderr.contains("another seqr-recon instance"), "{stderr}");
    assert!(
        stderr.contains("recon.duckdb") && stderr.contains("_owners/shop-2"),
        "names the owner and the file: {stderr}"
    );
    assert_eq!(b.bench.calls("markTransactionPeriod"), marks);

    // A file gone from the lake is a difference `lake check` names; `lake export` mends it.
    let gone = before.iter().find(|p| p.starts_with("seqr_rows/shop_id=shop-1")).unwrap();
    std::fs::remove_file(lake.join(gone)).unwrap();
    let out = a.cli(&["lake", "check"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let date = gone.parent().unwrap().file_name().unwrap().to_string_lossy().replace("business_date=", "");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().find(|l| l.starts_with(&format!("seqr_rows\tshop-1\t{date}\t"))).unwrap();
    assert!(line.contains("\tDIFFERS: "), "{line}");
    assert_eq!(stdout.matches("DIFFERS").count(), 1, "{stdout}");
    assert!(a.cli(&["lake", "export", "--shop", "shop-1"], &[]).status.success());
    assert!(a.cli(&["lake", "check"], &[]).status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_close_the_lake_refused_is_done_and_the_next_close_publishes_it() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let lake = f.dir.path().join("lake");
    with_lake(&f, &lake);
    // Shared storage that refuses writes: a file where the transactions folder goes.
    std::fs::create_dir_all(&lake).unwrap();
    std::fs::write(lake.join("transactions"), "not a folder").unwrap();
    let e1 = f.sale("40.00").await;
    f.posts("posts-1.csv", &[(e1, "40.00")]);
    let out = f.cli(&["run"], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is done and its report is sent or queued, but publishing it to the lake"), "{stderr}");
    let store = f.store();
    let state: String = read_one(&store, "SELECT state FROM closes", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "emailed", "the accountants got their report");
    drop(store);
    let alert = smtp.messages().into_iter().find(|m| m.to == ["ops@example.com"]).expect("ops are alerted");
    let alert = mail_parser::MessageParser::default().parse(&alert.data).unwrap();
    let alert = alert.body_text(0).unwrap();
    assert!(alert.contains("seqr-recon lake export --shop shop-1"), "the alert says what to run: {alert}");
    let staging = lake.join("_staging");
    assert_eq!(files(&staging), Vec::<PathBuf>::new(), "the failed publish leaves nothing in staging");

    // What a publish killed midway leaves: its own folder, named by its pid.
    let killed = staging.join("shop-1-000001.4242");
    std::fs::create_dir_all(killed.join("transactions")).unwrap();
    std::fs::write(killed.join("transactions").join("data_0.parquet"), "half written").unwrap();
    // Another close's folder whose name only starts like this one's is not ours to remove.
    let other = staging.join("shop-1-000001.x-000001.4242");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::remove_file(lake.join("transactions")).unwrap();
    let e2 = f.sale("5.00").await;
    f.posts("posts-2.csv", &[(e2, "5.00")]);
    let out = f.cli(&["run", "--ad-hoc"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    let published: Vec<String> =
        files(&lake.join("closes")).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(published, ["close-shop-1-000001.parquet", "close-shop-1-000002.parquet"]);
    assert!(!killed.exists(), "publishing the close again removes what a killed publish of it left");
    assert!(other.exists(), "staging of another close is left alone");
    assert!(f.cli(&["lake", "check"], &[]).status.success());
}

#[tokio::test(flavor = "multi_thread")]
async fn archived_closes_stay_in_the_lake_and_lake_check_still_agrees() {
    let smtp = SmtpSink::start();
    let f = Floor::new(smtp.port, &[SHOP], "").await;
    let lake = f.dir.path().join("lake");
    with_lake(&f, &lake);
    two_closes(&f, "shop-1").await;
    let before = lake_keys(&lake);
    let store = f.store();
    store.tamper_for_test("UPDATE closes SET slot = slot - INTERVAL 500 DAY WHERE close_seq = 1").unwrap();
    drop(store);

    let out = f.cli(&["archive"], &[]);
    assert!(text(&out).contains("archived 1 closes"), "{}", text(&out));
    assert_eq!(lake_keys(&lake), before, "the lake keeps every row of the archived close");
    let check = f.cli(&["lake", "check"], &[]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(!text(&check).contains("DIFFERS"), "{}", text(&check));
    // A backfill leaves the archived close as the lake has it.
    let out = f.cli(&["lake", "export"], &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(lake_keys(&lake), before);
}
