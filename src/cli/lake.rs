//! `seqr-recon lake export [--shop ID]... [--since DATE]` and `seqr-recon lake check [--shop ID]...`:
//! the Parquet lake of `[lake] dir`.

use std::path::Path;

use chrono::NaiveDate;

use super::{load_config, ExitCode};
use crate::close::lock_shop;
use crate::config::{Config, Shop};
use crate::lake::{Compared, Lake};
use crate::store::lake::Totals;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LakeCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LakeCommand {
    /// Publish exported closes to the lake again (a backfill; running it twice changes nothing).
    Export {
        /// Only these shops (all when none is named).
        #[arg(long = "shop")]
        shops: Vec<String>,
        /// Only closes of this business date (YYYY-MM-DD) or later.
        #[arg(long)]
        since: Option<NaiveDate>,
    },
    /// Compare, per table, shop and business date, the lake's rows and totals with the database's.
    Check {
        /// Only these shops (all when none is named).
        #[arg(long = "shop")]
        shops: Vec<String>,
    },
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let lake = Lake::from_config(&cfg).ok_or_else(|| crate::config::ConfigError {
        file: cfg.path.display().to_string(),
        key: "lake.dir".into(),
        what: "no lake is configured: add a [lake] section with dir = \"/shared/path/lake\"".into(),
    })?;
    match args.command {
        LakeCommand::Export { shops, since } => {
            let shops = chosen(&cfg, &shops)?;
            let store = Store::open_configured(&cfg.store)?;
            for shop in shops {
                // A close of the shop running now would publish beside us.
                let _lock = lock_shop(&cfg, &shop.id)?;
                let published = lake.export(&store, shop, since)?;
                let rows: u64 = published.iter().map(|p| p.rows).sum();
                println!(
                    "{}: {} close(s), {rows} row(s) published to {}",
                    shop.id,
                    published.len(),
                    lake.dir().display()
                );
            }
            Ok(ExitCode::Success)
        }
        LakeCommand::Check { shops } => {
            let shops = chosen(&cfg, &shops)?;
            let store = Store::open_read_only(&cfg.store)?;
            let compared = lake.check(&store, &shops)?;
            print!("{}", check_table(&compared));
            let differ = compared.iter().filter(|c| c.lake != c.database).count();
            if differ > 0 {
                eprintln!(
                    "{differ} of {} figures differ between the lake {} and the database: run `seqr-recon lake \
                     export` for the shops named, then check again",
                    compared.len(),
                    lake.dir().display()
                );
                return Ok(ExitCode::Failure);
            }
            Ok(ExitCode::Success)
        }
    }
}

/// The shops named, or every configured shop.
fn chosen<'c>(cfg: &'c Config, ids: &[String]) -> anyhow::Result<Vec<&'c Shop>> {
    if ids.is_empty() {
        return Ok(cfg.shops.iter().collect());
    }
    Ok(ids.iter().map(|id| cfg.require_shop(id)).collect::<Result<_, _>>()?)
}

/// Tab-separated: the lake's figures in the first six columns (what
/// `make lake-spark` compares Spark's with), then `same` or the database's.
pub fn check_table(compared: &[Compared]) -> String {
    let mut out = String::from("table\tshop_id\tbusiness_date\trows\tlocal_total\tseqr_total\tdatabase\n");
    for c in compared {
        let database =
            if c.lake == c.database { "same".to_string() } else { format!("DIFFERS: {}", figures(&c.database, ", ")) };
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{database}\n",
            c.table,
            c.shop_id,
            c.business_date,
            figures(&c.lake, "\t")
        ));
    }
    out
}

/// Rows, local total and SEQR total (`-` for a table without that amount).
fn figures(t: &Totals, separator: &str) -> String {
    let amount = |a: Option<rust_decimal::Decimal>| a.map_or("-".to_string(), |d| d.to_string());
    [t.rows.to_string(), amount(t.local_total), amount(t.seqr_total)].join(separator)
}
