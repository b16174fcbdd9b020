//! Command-line interface: one file per subcommand.

mod archive;
mod certify;
mod demo;
mod exception;
mod ingest;
mod lake;
mod query;
mod reconcile;
mod refund;
mod resend;
mod run;
mod schedule;
mod serve;
mod sim;
mod status;
mod terminal;
mod user;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::config::Config;

pub use crate::exit::ExitCode;

#[derive(Debug, Clone, Copy, ValueEnum)]
/// How log lines are written to stderr.
pub enum LogFormat {
    /// Readable lines.
    Human,
    /// One JSON object per line, for log collectors.
    Json,
}

/// Reconciles SEQR mobile payments against what the points of sale recorded.
#[derive(Debug, Parser)]
#[command(name = "seqr-recon", version, about)]
pub struct Cli {
    /// The configuration file.
    #[arg(long, global = true, default_value = "config/seqr-recon.toml", env = "SEQR_RECON_CONFIG")]
    pub config: PathBuf,
    /// Log format: human lines or JSON for log shippers.
    #[arg(long, global = true, value_enum, default_value = "human")]
    pub log_format: LogFormat,
    #[command(subcommand)]
    /// The subcommand to run.
    pub command: Command,
}

#[derive(Debug, Subcommand)]
/// The subcommands.
pub enum Command {
    /// The close, now: ingest the inbox, mark, fetch, reconcile, write CSVs, email.
    Run(run::Args),
    /// The daemon: each shop's close at its close_at, in its time zone, until SIGINT/SIGTERM.
    Schedule(schedule::Args),
    /// Per shop: last close, state, exceptions, next close, anything stuck.
    Status(status::Args),
    /// Send a period's report email again.
    Resend(resend::Args),
    /// Move closes older than `[store] retain_days` out of the database now (each batch of closes does it too).
    Archive(archive::Args),
    /// A trading day end to end against a simulator on a free port (what `make demo` runs).
    Demo(demo::Args),
    /// SEQR terminals: register, assign a SEQR id, unregister, list.
    Terminal(terminal::Args),
    /// Refund part or all of a payment through SEQR.
    Refund(refund::Args),
    /// What accountants do about exceptions: list, acknowledge, snooze, resolve, reopen, history.
    Exception(exception::Args),
    /// The accountants' worklist in the browser (`[web]`).
    Serve(serve::Args),
    /// Users of the worklist: print a `[[web.user]]` entry with a password's hash.
    User(user::Args),
    /// Recompute a close from its stored raw reports; --dry-run shows what would change.
    Reconcile(reconcile::Args),
    /// Run SEQR's certification procedure against the configured endpoint.
    Certify(certify::Args),
    /// Load POS CSV files (transaction posts or invoice journal); the inbox when no file is named.
    Ingest(ingest::Args),
    /// Run an analyst query from queries/NAME.sql, or --sql.
    Query(query::Args),
    /// The Parquet lake of `[lake] dir`: publish closes again, or compare it with the database.
    Lake(lake::Args),
    /// The SEQR simulator.
    Sim(sim::Args),
}

/// Runs one command and returns its exit code; errors are printed here.
pub fn run(cli: Cli) -> ExitCode {
    init_logging(cli.log_format);
    let result = match cli.command {
        Command::Run(a) => run::run(&cli.config, a),
        Command::Schedule(a) => schedule::run(&cli.config, a),
        Command::Status(a) => status::run(&cli.config, a),
        Command::Resend(a) => resend::run(&cli.config, a),
        Command::Archive(a) => archive::run(&cli.config, a),
        Command::Demo(a) => demo::run(a),
        Command::Terminal(a) => terminal::run(&cli.config, a),
        Command::Refund(a) => refund::run(&cli.config, a),
        Command::Exception(a) => exception::run(&cli.config, a),
        Command::Serve(a) => serve::run(&cli.config, a),
        Command::User(a) => user::run(a),
        Command::Reconcile(a) => reconcile::run(&cli.config, a),
        Command::Certify(a) => certify::run(&cli.config, a),
        Command::Ingest(a) => ingest::run(&cli.config, a),
        Command::Query(a) => query::run(&cli.config, a),
        Command::Lake(a) => lake::run(&cli.config, a),
        Command::Sim(a) => sim::run(a),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            crate::exit::exit_code_of(&e)
        }
    }
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SEQR_RECON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Colours only on a terminal: a log redirected to a file (cron) stays plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).with_ansi(ansi);
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// Loads the config, naming the file in every error.
pub(crate) fn load_config(path: &std::path::Path) -> anyhow::Result<Config> {
    Ok(Config::load(path)?)
}

/// A runtime for the async parts (SEQR, the simulator).
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
