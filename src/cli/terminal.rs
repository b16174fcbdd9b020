//! `seqr-recon terminal register|assign-seqr-id|unregister|list`.

use std::path::Path;
use std::sync::Arc;

use secrecy::ExposeSecret;

use super::{load_config, runtime, ExitCode};
use crate::backoffice;
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: TerminalCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum TerminalCommand {
    /// Register a new point of sale with SEQR (RESELLERUSER principal); prints its id and password once.
    Register {
        #[arg(long)]
        shop: String,
        /// The POS's own id, e.g. POS-2.
        #[arg(long)]
        external_id: String,
        #[arg(long)]
        name: String,
    },
    /// Assign the SEQR sticker's id to a configured terminal.
    AssignSeqrId {
        #[arg(long)]
        terminal: String,
        #[arg(long)]
        seqr_id: String,
    },
    /// Unregister a configured terminal from SEQR.
    Unregister {
        #[arg(long)]
        terminal: String,
    },
    /// Terminals known to the database.
    List,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let cfg = Arc::new(load_config(config)?);
    let store = Store::open_configured(&cfg.store)?;
    store.sync_config(&cfg)?;
    let client = cfg.seqr.client();
    let rt = runtime()?;
    match args.command {
        TerminalCommand::Register { shop, external_id, name } => {
            let shop = cfg.require_shop(&shop)?;
            let r = rt.block_on(backoffice::register_terminal(&cfg, &store, &client, shop, &external_id, &name))?;
            println!("Registered terminal {} ({name}) for shop {}.", r.terminal_id, shop.id);
            println!("Its password is shown now and never again; it is not stored anywhere by seqr-recon.");
            println!("Put it in the environment of the POS and of seqr-recon, e.g. in /etc/seqr-recon/env:\n");
            println!("  {}={}\n", r.password_env, r.password.expose_secret());
            println!("and add to the shop in {}:\n", config.display());
            println!(
                "  [[shop.terminal]]\n  id = \"{}\"\n  name = \"{name}\"\n  password_env = \"{}\"",
                r.terminal_id, r.password_env
            );
        }
        TerminalCommand::AssignSeqrId { terminal, seqr_id } => {
            rt.block_on(backoffice::assign_seqr_id(&cfg, &store, &client, &terminal, &seqr_id))?;
            println!("SEQR id {seqr_id} assigned to terminal {terminal}.");
        }
        TerminalCommand::Unregister { terminal } => {
            rt.block_on(backoffice::unregister_terminal(&cfg, &store, &client, &terminal))?;
            println!("Terminal {terminal} unregistered; remove it from the config once its last period is closed.");
        }
        TerminalCommand::List => {
            print!("{}", super::query::table(&store, crate::store::queries::LIST_TERMINALS, &[])?);
        }
    }
    Ok(ExitCode::Success)
}
