//! `seqr-recon exception resolve --shop ID --reference R --how HOW --why TEXT`.

use std::path::Path;

use super::{load_config, ExitCode};
use crate::backoffice::{current_user, resolve_exception};
use crate::domain::Resolution;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: ExceptionCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ExceptionCommand {
    /// Close the open exceptions of an ersReference or invoice reference; they stay in the history.
    Resolve {
        #[arg(long)]
        shop: String,
        /// The ersReference or invoice reference, as in exceptions.csv.
        #[arg(long)]
        reference: String,
        /// refund, correction, write-off, confirmed (a PROBABLE_MATCH is the same sale) or rejected
        /// (it is not: never propose the pair again).
        #[arg(long)]
        how: Resolution,
        #[arg(long)]
        why: String,
        /// Who resolves it (default: the user running the command).
        #[arg(long)]
        by: Option<String>,
    },
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = load_config(config)?;
    let store = Store::open_configured(&cfg.store)?;
    match args.command {
        ExceptionCommand::Resolve { shop, reference, how, why, by } => {
            let n = resolve_exception(&store, &shop, &reference, how, &why, &by.unwrap_or_else(current_user))?;
            if how == Resolution::Rejected {
                println!(
                    "{n} probable match(es) of {reference} rejected: the items stay open under their own category."
                );
            } else {
                println!(
                    "{n} open exception(s) of {reference} resolved ({how}); they leave the open list and stay in the history."
                );
            }
        }
    }
    Ok(ExitCode::Success)
}
