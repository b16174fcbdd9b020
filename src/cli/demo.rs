//! `seqr-recon demo`: what `make demo` runs.

use std::path::PathBuf;

use super::{runtime, ExitCode};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Working folder (wiped first): database, inbox, reports, .eml files. A folder that
    /// holds anything but an earlier demo is refused, unless --force.
    #[arg(long, default_value = "data/demo")]
    pub dir: PathBuf,
    /// Wipe --dir even when it is not an earlier demo's folder.
    #[arg(long)]
    pub force: bool,
    /// Sales per terminal.
    #[arg(long, default_value_t = 60)]
    pub sales_per_terminal: usize,
    /// Shops to play (default: `stockholm-1`, shop-level with 3 terminals, and `oslo-1`,
    /// terminal-level with 2); with --shops N, N shops alternating the two levels.
    #[arg(long)]
    pub shops: Option<usize>,
    /// Terminals per shop, with --shops.
    #[arg(long, default_value_t = 2)]
    pub terminals_per_shop: usize,
    #[arg(long, default_value_t = 7)]
    pub seed: u64,
    /// Simulated seconds per real second; SEQR's relative timings (20-second rule, 1-second polls) are kept.
    #[arg(long, default_value_t = 50.0)]
    pub time_scale: f64,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let shops = match args.shops {
        Some(n) => crate::demo::many_shops(n, args.terminals_per_shop),
        None => crate::demo::default_shops(),
    };
    crate::demo::clear_dir(&args.dir, args.force)?;
    crate::demo::set_demo_passwords(&shops);
    let out = runtime()?.block_on(crate::demo::run(
        &args.dir,
        &shops,
        args.sales_per_terminal,
        args.seed,
        args.time_scale,
    ))?;
    println!(
        "\nSEQR reconciliation demo: {} sales in {} shops, 2 closes each, {:.1} s\n",
        out.sales,
        shops.len(),
        out.seconds
    );
    print!("{}", crate::demo::score::render(&out.scores));
    println!("\nCSV reports:");
    for d in &out.report_dirs {
        println!("  {}", d.display());
    }
    println!("Emails (.eml): {}", out.outbox.display());
    println!("Lake (Parquet, every close): {}/lake", args.dir.display());
    println!("Database: {}/seqr-recon.duckdb   Ground truth: {}/truth.csv", args.dir.display(), args.dir.display());
    let perfect = out.scores.values().all(|s| s.false_alarms == 0 && s.true_positives == s.injected);
    Ok(if perfect { ExitCode::Success } else { ExitCode::Failure })
}
