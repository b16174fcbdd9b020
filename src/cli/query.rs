//! `seqr-recon query NAME [--param k=v]... | --sql "..."`.

use std::io::IsTerminal;
use std::path::Path;

use duckdb::types::Value;

use super::{load_config, ExitCode};
use crate::exit::UsageError;
use crate::export::{cell_text, write_query_csv};
use crate::store::{queries, Store};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A query shipped in queries/ (`--list` shows them) or the path of a .sql file.
    #[arg(required_unless_present_any = ["sql", "list"], conflicts_with = "sql")]
    pub name: Option<String>,
    /// List the shipped queries: what each answers and the parameters it takes.
    #[arg(long, conflicts_with_all = ["name", "sql"])]
    pub list: bool,
    /// SQL text to run instead of a named query.
    #[arg(long)]
    pub sql: Option<String>,
    /// A named parameter: `--param shop_id=stockholm-1` binds `$shop_id` (never spliced into the SQL).
    #[arg(long = "param", value_parser = parse_param)]
    pub params: Vec<(String, String)>,
    /// Output: an aligned table (default on a terminal) or CSV (default otherwise).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
}

fn parse_param(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))
}

/// The SQL of a named query: shipped ones by name, or a file path. An
/// unknown name is a usage error that suggests the nearest shipped one.
pub fn query_text(name: &str) -> anyhow::Result<String> {
    if let Some((_, sql)) = queries::ANALYST.iter().find(|(n, _)| *n == name) {
        return Ok(sql.to_string());
    }
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e == "sql") && path.exists() {
        return Ok(std::fs::read_to_string(path)?);
    }
    let names: Vec<&str> = queries::ANALYST.iter().map(|(n, _)| *n).collect();
    let nearest = names.iter().min_by_key(|n| edit_distance(n, name)).filter(|n| edit_distance(n, name) <= 4);
    let hint = nearest.map(|n| format!("did you mean {n}? ")).unwrap_or_default();
    Err(UsageError(format!(
        "no query named {name:?}; {hint}shipped queries are {} (`seqr-recon query --list` says what each answers), \
         or give the path of a .sql file",
        names.join(", ")
    ))
    .into())
}

/// The `$name` parameters a query's SQL takes, in order of first use.
pub fn parameters(sql: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        let name: String =
            rest[at + 1..].chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect::<String>();
        if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') && !found.contains(&name) {
            found.push(name.clone());
        }
        rest = &rest[at + 1 + name.len()..];
    }
    found
}

/// What a shipped query answers: its opening comment.
fn description(sql: &str) -> String {
    let lines: Vec<&str> = sql.lines().map_while(|l| l.strip_prefix("--")).map(str::trim).collect();
    lines.join(" ")
}

/// Levenshtein distance, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// `query --list`: each shipped query, its parameters and what it answers.
fn list() -> String {
    let mut out = String::new();
    for (name, sql) in queries::ANALYST {
        let usage: Vec<String> =
            std::iter::once(name.to_string()).chain(parameters(sql).iter().map(|p| format!("--param {p}=…"))).collect();
        out.push_str(&format!("{}\n    {}\n", usage.join(" "), description(sql)));
    }
    out
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    if args.list {
        print!("{}", list());
        return Ok(ExitCode::Success);
    }
    let sql = match (&args.sql, &args.name) {
        (Some(sql), _) => sql.clone(),
        (None, Some(name)) => query_text(name)?,
        (None, None) => unreachable!("clap requires one"),
    };
    // Every parameter the query takes is given, and no other: found before the database is opened.
    let wanted = parameters(&sql);
    let missing: Vec<&String> = wanted.iter().filter(|w| !args.params.iter().any(|(k, _)| k == *w)).collect();
    let unknown: Vec<&String> = args.params.iter().map(|(k, _)| k).filter(|k| !wanted.contains(k)).collect();
    if !missing.is_empty() || !unknown.is_empty() {
        let show = |names: &[&String]| names.iter().map(|n| format!("--param {n}=…")).collect::<Vec<_>>().join(" ");
        let mut what = Vec::new();
        if !missing.is_empty() {
            what.push(format!("it needs {}", show(&missing)));
        }
        if !unknown.is_empty() {
            what.push(format!("it takes no {}", show(&unknown)));
        }
        return Err(UsageError(format!(
            "the query {}: {} (`seqr-recon query --list` shows each query's parameters)",
            args.name.as_deref().unwrap_or("given with --sql"),
            what.join("; ")
        ))
        .into());
    }
    let cfg = load_config(config)?;
    let store = Store::open_read_only(&cfg.store)?;
    let params: Vec<(&str, &dyn duckdb::ToSql)> =
        args.params.iter().map(|(k, v)| (k.as_str(), v as &dyn duckdb::ToSql)).collect();
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Csv });
    match format {
        Format::Csv => {
            write_query_csv(&store, &sql, &params, std::io::stdout().lock()).map_err(without_icu)?;
        }
        Format::Table => print!("{}", table(&store, &sql, &params).map_err(without_icu)?),
    }
    Ok(ExitCode::Success)
}

/// DuckDB's answer to a query that needs its ICU extension, which this
/// program does not carry, said plainly with what to use instead.
fn without_icu(e: anyhow::Error) -> anyhow::Error {
    if !format!("{e:#}").contains("extension 'icu") {
        return e;
    }
    UsageError(
        "the query needs DuckDB's ICU extension (current_date, today(), time zones, arithmetic on now()), which \
         seqr-recon does not carry. Every time in the database is UTC: use utc_now() for now, shop_time(shop_id, t) \
         for the shop's clock, shop_date(shop_id, t) and shop_today(shop_id) for its days; INTERVAL arithmetic works \
         on all of them (utc_now() - INTERVAL 3 DAY)."
            .into(),
    )
    .into()
}

/// The result as an aligned text table, numbers right-aligned, with its row count.
pub fn table(store: &Store, sql: &str, params: &[crate::store::Param<'_>]) -> anyhow::Result<String> {
    use comfy_table::{Cell, CellAlignment, Table};
    let mut table = Table::new();
    table.load_style(comfy_table::presets::ASCII_BORDERS_ONLY_CONDENSED);
    let mut n = 0;
    let columns = store.analyst_rows(sql, params, |columns, values| {
        let cells = values.iter().zip(columns).map(|(v, c)| {
            let numeric = matches!(
                v,
                Value::Decimal(_)
                    | Value::BigInt(_)
                    | Value::Int(_)
                    | Value::HugeInt(_)
                    | Value::Double(_)
                    | Value::UBigInt(_)
            );
            let cell = Cell::new(cell_text(v, c).unwrap_or_default());
            if numeric {
                cell.set_alignment(CellAlignment::Right)
            } else {
                cell
            }
        });
        table.add_row(cells);
        n += 1;
        Ok(())
    })?;
    table.set_header(columns);
    Ok(format!("{table}\n({n} row{})\n", if n == 1 { "" } else { "s" }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_names_its_parameters_and_a_near_miss_gets_a_suggestion() {
        assert_eq!(parameters("SELECT 1 WHERE a = $from AND b <= $to AND c = $from"), ["from", "to"]);
        assert_eq!(parameters("SELECT '$' || x"), Vec::<String>::new());
        let e = query_text("daily_total").unwrap_err();
        assert!(e.to_string().contains("did you mean daily_totals?"), "{e}");
        assert_eq!(crate::exit::exit_code_of(&e), ExitCode::Usage);
        let listed = list();
        assert!(listed.contains("daily_totals --param from=… --param to=…"), "{listed}");
        assert!(listed.contains("open_exceptions_by_age\n    Open exceptions, oldest first"), "{listed}");
    }
}
