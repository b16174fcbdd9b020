//! POS files as real tills write them: mixed line endings, links, and
//! thousands of damaged files. Each is loaded exactly or refused whole with
//! its file and line; none stops the inbox.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use seqr_recon::domain::ShopId;
use seqr_recon::store::ingest::{ingest_file, ingest_inbox, Ingested, Rejected, ShopCurrencies};
use seqr_recon::store::Store;

use crate::helpers::{read_one, read_rows};

const POSTS_HEADER: &str =
    "shop_id,terminal_id,cashier_id,ers_reference,invoice_reference,amount,currency,kind,description,posted_at";

fn shops() -> ShopCurrencies {
    [(ShopId::from_static("shop-1"), "SEK".to_string())].into()
}

/// A valid post file of `n` sales: some descriptions quoted, one spanning two lines.
fn valid_posts(n: usize) -> String {
    let mut s = format!("{POSTS_HEADER}\n");
    for i in 0..n {
        let description = match i % 4 {
            0 => "\"coffee, large\"".to_string(),
            1 => "\"two\nlines\"".to_string(),
            _ => "SEQR payment".to_string(),
        };
        s.push_str(&format!(
            "shop-1,T{},c{i},2026112410{i:05},INV-{i},{}.{:02},SEK,PAYMENT,{description},2026-11-24T10:{:02}:00+01:00\n",
            i % 3,
            10 + i,
            i % 100,
            i % 60
        ));
    }
    s
}

/// The posts of `file_name` in the database, in line order: (line, ers_reference, amount).
fn loaded(store: &Store, file_name: &str) -> Vec<(i64, String, String)> {
    read_rows(
        store,
        "SELECT line, ers_reference, CAST(amount AS VARCHAR) FROM pos_posts \
         WHERE file_id = (SELECT file_id FROM pos_files WHERE file_name = ?) ORDER BY line",
        [file_name],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
}

#[test]
fn a_file_with_mixed_line_endings_is_read_line_for_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
    let row = |n: u32, description: &str| format!("shop-1,T1,,{n},,10,SEK,PAYMENT,{description},2026-11-24T10:00:00Z");
    // \r\n, \n, a blank \r\n line, a lone \r, a quoted \r\n (part of the value), no final break.
    let content = format!(
        "{POSTS_HEADER}\n{}\r\n{}\n\r\n{}\r{}\n{}",
        row(1, "a"),
        row(2, "b"),
        row(3, "c"),
        row(4, "\"two\r\nlines\""),
        row(5, "e")
    );
    let path = dir.path().join("posts-mixed.csv");
    std::fs::write(&path, &content).unwrap();

    let result = ingest_file(&store, &path, &shops()).unwrap();
    assert_eq!(result, Ingested::Loaded { feed: seqr_recon::store::ingest::Feed::Posts, rows: 5 });
    let got = loaded(&store, "posts-mixed.csv");
    let refs: Vec<&str> = got.iter().map(|(_, e, _)| e.as_str()).collect();
    assert_eq!(refs, ["1", "2", "3", "4", "5"]);
    // Lines as an editor shows them; the quoted line break is the value's.
    let lines: Vec<i64> = got.iter().map(|(l, _, _)| *l).collect();
    assert_eq!(lines, [2, 3, 5, 6, 7]);
    let description: String =
        read_one(&store, "SELECT description FROM pos_posts WHERE ers_reference = '4'", [], |r| r.get(0)).unwrap();
    assert_eq!(description, "two\r\nlines");
}

#[test]
fn a_link_in_the_inbox_is_refused_by_name_and_its_target_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
    let inbox = dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    let outside = dir.path().join("secret.csv");
    let secret = format!("{POSTS_HEADER}\nshop-1,T1,,99,,10,SEK,PAYMENT,salary list,2026-11-24T10:00:00Z\n");
    std::fs::write(&outside, &secret).unwrap();
    std::os::unix::fs::symlink(&outside, inbox.join("linked.csv")).unwrap();
    std::fs::create_dir(inbox.join("folder.csv")).unwrap();
    std::fs::write(inbox.join("good.csv"), valid_posts(2)).unwrap();

    let outcome = ingest_inbox(&store, &inbox, &shops()).unwrap();
    assert_eq!(outcome.loaded.len(), 1, "the good file still loads");
    let refused: Vec<(String, &Rejected)> =
        outcome.rejected.iter().map(|(p, r)| (p.file_name().unwrap().to_string_lossy().into_owned(), r)).collect();
    assert_eq!(refused.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["folder.csv", "linked.csv"]);
    assert!(refused[1].1.problems[0].contains("linked.csv: a symbolic link"), "{:?}", refused[1].1.problems);
    assert!(refused[0].1.problems[0].contains("folder.csv: a folder"), "{:?}", refused[0].1.problems);
    // The link itself moved, not its target; the target is untouched and unread.
    assert!(std::fs::symlink_metadata(inbox.join("rejected/linked.csv")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), secret);
    let errors = std::fs::read_to_string(inbox.join("rejected/linked.csv.errors.txt")).unwrap();
    assert!(!errors.contains("salary"), "{errors}");
    let refusals: Vec<(String, String, Option<i64>)> =
        read_rows(&store, "SELECT file_name, shop_id, row_count FROM pos_file_refusals ORDER BY file_name", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        });
    // Each is named in every shop's next report, with its rows unknown.
    assert_eq!(refusals, [("folder.csv".into(), "shop-1".into(), None), ("linked.csv".into(), "shop-1".into(), None)]);
    let posts: Vec<String> = read_rows(&store, "SELECT description FROM pos_posts", [], |r| r.get(0));
    assert!(!posts.iter().any(|d| d.contains("salary")), "{posts:?}");
}

/// One random change a till, a disk or a person makes to a file.
fn mutate(file: &mut Vec<u8>, rng: &mut StdRng) {
    let at = rng.random_range(0..=file.len());
    match rng.random_range(0..9) {
        0 if at < file.len() => file[at] = rng.random(),
        1 => {
            let end = (at + rng.random_range(1..40)).min(file.len());
            file.drain(at..end);
        }
        2 => drop(file.splice(at..at, *b"\r\n")),
        3 => drop(file.splice(at..at, *b"\r")),
        4 => drop(file.splice(at..at, *b"\"")),
        5 => drop(file.splice(at..at, "\u{feff}".bytes())),
        6 => drop(file.splice(at..at, std::iter::repeat_n(b'x', rng.random_range(1..70_000)))),
        7 => {
            // Every line ending from here on becomes \r\n, as a second exporter writes them.
            let tail: Vec<u8> =
                file[at..].iter().flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] }).collect();
            file.truncate(at);
            file.extend(tail);
        }
        _ => drop(file.splice(at..at, *b"\n")),
    }
}

/// What an independent CSV reader (the `csv` crate, any line ending) finds:
/// each non-blank record's ers_reference and amount, trimmed.
fn expected_rows(content: &[u8]) -> Option<Vec<(String, String)>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).from_reader(content);
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.ok()?;
        if record.len() == 1 && record[0].trim().is_empty() {
            continue;
        }
        // Trimmed of spaces, as the product trims.
        out.push((record.get(3)?.trim_matches(' ').to_string(), record.get(5)?.trim_matches(' ').to_string()));
    }
    Some(out)
}

/// A decimal as written (`+10.`, `.5`, `-0.50`) in its shortest form, as the database's is compared.
fn amount(written: &str) -> String {
    let (sign, digits) = match written.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", written.trim_start_matches('+')),
    };
    let digits = digits.trim_end_matches('.');
    let digits = if digits.starts_with('.') { format!("0{digits}") } else { digits.to_string() };
    let value: rust_decimal::Decimal = format!("{sign}{digits}").parse().unwrap();
    let shown = value.normalize().to_string();
    if shown.contains('.') {
        shown.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        shown
    }
}

#[test]
fn thousands_of_damaged_files_are_each_loaded_exactly_or_refused_whole_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
    let valid = valid_posts(24).into_bytes();
    let mut rng = StdRng::seed_from_u64(33);
    let (mut loaded_files, mut refused_files) = (0, 0);
    for i in 0..1500 {
        let mut content = valid.clone();
        for _ in 0..rng.random_range(1..4) {
            mutate(&mut content, &mut rng);
        }
        let name = format!("mutant-{i}.csv");
        let path = dir.path().join(&name);
        std::fs::write(&path, &content).unwrap();
        let shown = path.display().to_string();
        match ingest_file(&store, &path, &shops()) {
            Ok(Ingested::Loaded { rows, .. }) => {
                loaded_files += 1;
                let got: Vec<(String, String)> = loaded(&store, &name)
                    .into_iter()
                    .map(|(_, e, a)| (e, a.trim_end_matches('0').trim_end_matches('.').to_string()))
                    .collect();
                let want = expected_rows(&content).unwrap_or_else(|| {
                    panic!("{name} loaded {rows} rows, but is not CSV: {:?}", String::from_utf8_lossy(&content))
                });
                let want: Vec<(String, String)> = want.into_iter().map(|(e, a)| (e, amount(&a))).collect();
                assert_eq!(got, want, "{name} was not loaded exactly: {:?}", String::from_utf8_lossy(&content));
            }
            Ok(Ingested::AlreadyLoaded { .. }) => {}
            Ok(other) => panic!("{name}: {other:?}"),
            Err(e) => {
                let rejected = e
                    .downcast_ref::<Rejected>()
                    .unwrap_or_else(|| panic!("{name} failed without being refused: {e:#}"));
                refused_files += 1;
                for problem in &rejected.problems {
                    let rest = problem
                        .strip_prefix(&format!("{shown}:"))
                        .unwrap_or_else(|| panic!("{name}: a problem that does not start with the file: {problem}"));
                    let line = rest.split(':').next().unwrap_or_default();
                    assert!(
                        line.parse::<u64>().is_ok(),
                        "{name}: a problem without its line: {problem}\n{:?}",
                        String::from_utf8_lossy(&content)
                    );
                }
                let kept: i64 =
                    read_one(&store, "SELECT count(*) FROM pos_files WHERE file_name = ?", [&name], |r| r.get(0))
                        .unwrap();
                assert_eq!(kept, 0, "{name} was refused but recorded");
            }
        }
    }
    // Both outcomes are exercised, so neither assertion above is idle.
    assert!(loaded_files > 100 && refused_files > 100, "loaded {loaded_files}, refused {refused_files}");
}

#[test]
fn an_impossible_offset_a_short_row_and_an_overlong_field_are_each_named_once_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("db.duckdb")).unwrap();
    let path = dir.path().join("posts.csv");
    let long_cashier = "c".repeat(40_000);
    let rows = [
        "shop-1,T1,,101,,10,SEK,PAYMENT,x,2026-11-24T10:00:00+99:00".to_string(),
        "shop-1,T1,,102,,10,SEK".to_string(),
        format!("shop-1,T1,{long_cashier},103,,10,SEK,PAYMENT,x,2026-11-24T10:00:00Z"),
        format!("shop-1,T1,,104,,10,SEK,PAYMENT,{},2026-11-24T10:00:00Z", "d".repeat(1001)),
        "shop-1,T1,,105,,10,SEK,PAYMENT,x,2026-11-24T10:00:00+14:00".to_string(),
    ];
    std::fs::write(&path, format!("{POSTS_HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let e = ingest_file(&store, &path, &shops()).unwrap_err();
    let problems: Vec<&str> =
        e.downcast_ref::<Rejected>().unwrap().problems.iter().map(|p| p.rsplit_once(".csv:").unwrap().1).collect();
    assert_eq!(problems.len(), 4, "{problems:#?}");
    assert!(
        problems[0].starts_with("2: posted_at: \"2026-11-24T10:00:00+99:00\" is not an RFC 3339 time"),
        "{problems:#?}"
    );
    assert_eq!(problems[1], "3: -: expected 10 columns, found 7", "reported once, with the line's own count");
    assert!(
        problems[2].starts_with("4: cashier_id: is 40000 characters long; it may hold at most 100"),
        "{problems:#?}"
    );
    assert!(
        problems[3].starts_with("5: description: is 1001 characters long; it may hold at most 1000"),
        "{problems:#?}"
    );
    assert!(problems.iter().all(|p| p.len() < 300), "no value is quoted back whole: {problems:#?}");
}
