//! `seqr-recon ingest [FILE...]`.

use std::path::{Path, PathBuf};

use super::{load_config, ExitCode};
use crate::store::ingest::{ingest_file, ingest_inbox, shop_currencies, Ingested, Rejected};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files to load where they are (they are not moved). Without any, the inbox is loaded
    /// and its files are moved to archive/ or rejected/.
    pub files: Vec<PathBuf>,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    if args.files.is_empty() {
        cfg.require_inbox()?;
    }
    let store = Store::open_configured(&cfg.store)?;
    store.sync_config(&cfg)?;
    let shops = shop_currencies(&cfg);
    let mut refused = 0;
    if args.files.is_empty() {
        let outcome = ingest_inbox(&store, &cfg.pos.inbox, &shops)?;
        for (path, result) in &outcome.loaded {
            println!("{}", describe(path, result));
        }
        for (path, rejected) in &outcome.rejected {
            eprintln!("{rejected}");
            eprintln!("moved to {} (errors beside it in .errors.txt)", path.display());
        }
        refused = outcome.rejected.len();
    } else {
        for file in &args.files {
            match ingest_file(&store, file, &shops) {
                Ok(result) => println!("{}", describe(file, &result)),
                Err(e) => match e.downcast::<Rejected>() {
                    Ok(r) => {
                        eprintln!("{r}");
                        refused += 1;
                    }
                    Err(e) => return Err(e),
                },
            }
        }
    }
    Ok(if refused > 0 { ExitCode::BadInput } else { ExitCode::Success })
}

/// One line on what loading a file did.
pub(crate) fn describe(path: &Path, result: &Ingested) -> String {
    match result {
        Ingested::Loaded { feed, rows } => format!("{}: loaded {rows} {} rows", path.display(), feed.as_str()),
        Ingested::Appended { feed, rows, sent_through } => format!(
            "{}: re-exported with {rows} new {} rows; lines 2–{sent_through} came with the earlier file of this name \
             and were not loaded again",
            path.display(),
            feed.as_str()
        ),
        Ingested::AlreadyLoaded { feed } => {
            format!("{}: already loaded ({} feed, same SHA-256); nothing changed", path.display(), feed.as_str())
        }
    }
}
