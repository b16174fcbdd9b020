//! `seqr-recon demo`: what `make demo` runs.

use std::path::PathBuf;

use super::{runtime, ExitCode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Working folder (wiped first): database, inbox, reports, .eml files.
    #[arg(long, default_value = "data/demo")]
    pub dir: PathBuf,
    /// Sales per terminal (5 terminals in 2 shops).
    #[arg(long, default_value_t = 60)]
    pub sales_per_terminal: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated seconds per real second; SEQR's relative timings (20-second rule, 1-second polls) are kept.
    #[arg(long, default_value_t = 50.0)]
    pub time_scale: f64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    crate::demo::set_demo_passwords();
    let out = runtime()?.block_on(crate::demo::run(&args.dir, args.sales_per_terminal, args.seed, args.time_scale))?;
    println!("\nSEQR reconciliation demo: {} sales in 2 shops, 2 closes, {:.1} s\n", out.sales, out.seconds);
    print!("{}", crate::verify::render(&out.scores));
    println!("\nCSV reports:");
    for d in &out.report_dirs {
        println!("  {}", d.display());
    }
    println!("Emails (.eml): {}", out.outbox.display());
    println!("Database: {}/seqr-recon.duckdb   Ground truth: {}/truth.csv", args.dir.display(), args.dir.display());
    let perfect = out.scores.values().all(|s| s.false_alarms == 0 && s.true_positives == s.injected);
    Ok(if perfect { ExitCode::Success } else { ExitCode::Failure })
}
