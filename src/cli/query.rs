//! `seqr-recon query NAME [--param k=v]... | --sql "..."`.

use std::io::IsTerminal;
use std::path::Path;

use duckdb::types::Value;

use super::{load_config, ExitCode};
use crate::export::{cell_text, write_query_csv};
use crate::store::{queries, Store};

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A query shipped in queries/ (daily_totals, open_exceptions_by_age, exceptions_per_cashier,
    /// unpolled_per_terminal_week) or the path of a .sql file.
    #[arg(required_unless_present = "sql", conflicts_with = "sql")]
    pub name: Option<String>,
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

/// The SQL of a named query: shipped ones by name, or a file path.
pub fn query_text(name: &str) -> anyhow::Result<String> {
    if let Some((_, sql)) = queries::ANALYST.iter().find(|(n, _)| *n == name) {
        return Ok(sql.to_string());
    }
    let path = Path::new(name);
    if path.extension().is_some_and(|e| e == "sql") && path.exists() {
        return Ok(std::fs::read_to_string(path)?);
    }
    let names: Vec<&str> = queries::ANALYST.iter().map(|(n, _)| *n).collect();
    anyhow::bail!("no query named {name:?}; shipped queries are {}, or give a path to a .sql file", names.join(", "))
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_read_only(&cfg.store)?;
    let sql = match (&args.sql, &args.name) {
        (Some(sql), _) => sql.clone(),
        (None, Some(name)) => query_text(name)?,
        (None, None) => unreachable!("clap requires one"),
    };
    let params: Vec<(&str, &dyn duckdb::ToSql)> =
        args.params.iter().map(|(k, v)| (k.as_str(), v as &dyn duckdb::ToSql)).collect();
    let format = args.format.unwrap_or(if std::io::stdout().is_terminal() { Format::Table } else { Format::Csv });
    match format {
        Format::Csv => {
            write_query_csv(&store, &sql, &params, std::io::stdout().lock())?;
        }
        Format::Table => print!("{}", table(&store, &sql, &params)?),
    }
    Ok(ExitCode::Success)
}

/// The result as an aligned text table, numbers right-aligned.
pub fn table(store: &Store, sql: &str, params: &[crate::store::Param<'_>]) -> anyhow::Result<String> {
    let mut cells: Vec<Vec<(String, bool)>> = Vec::new();
    let columns = store.for_each_row(sql, params, |columns, values| {
        let row = values.iter().zip(columns).map(|(v, c)| {
            let numeric = matches!(
                v,
                Value::Decimal(_)
                    | Value::BigInt(_)
                    | Value::Int(_)
                    | Value::HugeInt(_)
                    | Value::Double(_)
                    | Value::UBigInt(_)
            );
            (cell_text(v, c).unwrap_or_default(), numeric)
        });
        cells.push(row.collect());
        Ok(())
    })?;
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| cells.iter().map(|r| r[i].0.chars().count()).chain([c.chars().count()]).max().unwrap_or(0))
        .collect();
    let mut s = String::new();
    let line = |s: &mut String, vals: Vec<(String, bool)>| {
        let parts: Vec<String> = vals
            .iter()
            .zip(&widths)
            .map(|((v, num), w)| if *num { format!("{v:>w$}") } else { format!("{v:<w$}") })
            .collect();
        s.push_str(parts.join("  ").trim_end());
        s.push('\n');
    };
    line(&mut s, columns.iter().map(|c| (c.clone(), false)).collect());
    line(&mut s, widths.iter().map(|w| ("-".repeat(*w), false)).collect());
    let n = cells.len();
    for r in cells {
        line(&mut s, r);
    }
    s.push_str(&format!("({n} row{})\n", if n == 1 { "" } else { "s" }));
    Ok(s)
}
