//! Every table, view and column an analyst reads says what it holds in the
//! database itself (`COMMENT ON`, shown by `duckdb_columns()`), and the
//! tables section of docs/analyst.md is those comments. The test fails when a
//! comment is missing or the page is stale;
//! `UPDATE_ANALYST_DOC=1 cargo test --test it analyst_doc` writes the section again.

use std::fmt::Write;

use crate::helpers::rows;

const PAGE: &str = "docs/analyst.md";
const BEGIN: &str = "<!-- The tables: written from the database's comments by `UPDATE_ANALYST_DOC=1 cargo test --test it analyst_doc`. -->";
const END: &str = "<!-- End of the tables. -->";

/// Read first: what most questions need.
const FIRST: &[&str] = &["items_current", "recon_results", "categories", "item_events", "closes", "periods"];

#[test]
fn analyst_doc_is_the_comments_of_the_database_and_every_column_has_one() {
    let dir = tempfile::tempdir().unwrap();
    drop(seqr_recon::store::Store::open(&dir.path().join("db.duckdb")).unwrap());
    let db = duckdb::Connection::open(dir.path().join("db.duckdb")).unwrap();
    let objects: Vec<(String, String, Option<String>)> = rows(
        &db,
        "SELECT table_name, 'table', comment FROM duckdb_tables() WHERE NOT internal AND schema_name = 'main'
         UNION ALL
         SELECT view_name, 'view', comment FROM duckdb_views() WHERE NOT internal AND schema_name = 'main'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    );
    let columns: Vec<(String, String, String, Option<String>)> = rows(
        &db,
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns()
         WHERE NOT internal AND schema_name = 'main' ORDER BY table_name, column_index",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    );
    let uncommented: Vec<String> = objects
        .iter()
        .filter(|o| o.2.as_deref().unwrap_or("").is_empty())
        .map(|o| o.0.clone())
        .chain(columns.iter().filter(|c| c.3.as_deref().unwrap_or("").is_empty()).map(|c| format!("{}.{}", c.0, c.1)))
        .collect();
    assert!(uncommented.is_empty(), "COMMENT ON these in a migration: {uncommented:?}");

    let mut ordered: Vec<&(String, String, Option<String>)> = objects.iter().collect();
    ordered.sort_by_key(|o| (FIRST.iter().position(|f| *f == o.0).unwrap_or(FIRST.len()), o.0.clone()));
    let mut section = String::new();
    for (name, kind, comment) in ordered {
        let _ = write!(
            section,
            "\n### `{name}` ({kind})\n\n{}.\n\n| column | type | meaning |\n| --- | --- | --- |\n",
            capitalized(comment.as_deref().unwrap_or(""))
        );
        for (_, column, ty, comment) in columns.iter().filter(|c| c.0 == *name) {
            let _ = writeln!(section, "| {column} | {ty} | {} |", comment.as_deref().unwrap_or("").replace('|', "\\|"));
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(PAGE);
    let page = std::fs::read_to_string(&path).unwrap();
    let (Some(start), Some(end)) = (page.find(BEGIN), page.find(END)) else {
        panic!("{PAGE} has no section between\n{BEGIN}\nand\n{END}");
    };
    let wanted = format!("{}{BEGIN}\n{section}\n{}", &page[..start], &page[end..]);
    if std::env::var_os("UPDATE_ANALYST_DOC").is_some() {
        std::fs::write(&path, &wanted).unwrap();
    }
    assert!(wanted == page, "{PAGE} is stale; rerun with UPDATE_ANALYST_DOC=1 after checking the comments");
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
