//! `seqr-recon sim serve`: the SEQR simulator as a server.

use std::net::SocketAddr;
use std::path::PathBuf;

use super::{runtime, ExitCode};
use crate::sim::{SimClock, SimConfig, Simulator};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: SimCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum SimCommand {
    /// Serve SEQR's SOAP API at http://ADDR/soap/merchant/cashregister-2 until Ctrl-C.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8089")]
        addr: SocketAddr,
        /// Simulator config (resellers, terminals, timings); see config/sim.toml. Without it,
        /// config/sim.toml when it exists, else the same settings built in.
        #[arg(long = "sim-config")]
        sim_config: Option<PathBuf>,
        /// State file: loaded at start when present, saved while running and at exit.
        #[arg(long)]
        state: Option<PathBuf>,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        SimCommand::Serve { addr, sim_config, state } => {
            let shipped = PathBuf::from("config/sim.toml");
            let (cfg, source) = match sim_config {
                Some(path) => (SimConfig::load(&path)?, path.display().to_string()),
                None if shipped.is_file() => (SimConfig::load(&shipped)?, shipped.display().to_string()),
                None => (SimConfig::built_in(), "the built-in default (config/sim.toml's resellers)".to_string()),
            };
            let rt = runtime()?;
            rt.block_on(async move {
                let clock = SimClock::new(chrono::Utc::now(), cfg.time_scale);
                let sim = Simulator::new(cfg, clock, state)?;
                let listener = tokio::net::TcpListener::bind(addr).await?;
                eprintln!(
                    "SEQR simulator listening on http://{}/soap/merchant/cashregister-2 with {source}",
                    listener.local_addr()?
                );
                crate::stop::listen()?;
                crate::sim::server::serve(listener, sim, crate::stop::asked()).await
            })?;
            Ok(ExitCode::Success)
        }
    }
}
