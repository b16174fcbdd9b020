//! `seqr-recon user add --name NAME --shops A,B`: the `[[web.user]]` lines
//! for a worklist user, with the argon2 hash of a password read from
//! standard input (or `SEQR_RECON_NEW_PASSWORD`). The password itself is
//! never printed or kept.

use std::io::BufRead;

use super::ExitCode;
use crate::exit::UsageError;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum UserCommand {
    /// Print a [[web.user]] entry to paste into the config.
    Add {
        /// The name to sign in with.
        #[arg(long)]
        name: String,
        /// The shops the user sees, comma-separated (`*`: every shop).
        #[arg(long, value_delimiter = ',', required = true)]
        shops: Vec<String>,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let UserCommand::Add { name, shops } = args.command;
    let password = match std::env::var("SEQR_RECON_NEW_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            eprintln!("The password for {name} (one line on standard input):");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < 12 {
        return Err(UsageError("use a password of at least 12 characters".into()).into());
    }
    let hash = crate::web::hash_password(&password)?;
    let shops: Vec<String> = shops.iter().map(|s| format!("{s:?}")).collect();
    println!("[[web.user]]\nname = {name:?}\npassword_hash = {hash:?}\nshops = [{}]", shops.join(", "));
    Ok(ExitCode::Success)
}
