//! The simulator's own configuration: who SEQR knows, and how it behaves.

use std::path::Path;

use serde::Deserialize;

/// `sim.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimConfig {
    /// Seconds after payment within which the POS must poll getPaymentStatus, or the payment is reversed.
    #[serde(default = "default_ack_window_seconds")]
    pub ack_window_seconds: f64,
    /// Simulated seconds per real second; 1000 makes the 20-second rule take 20 ms.
    #[serde(default = "default_time_scale")]
    pub time_scale: f64,
    /// executeReport answers REPORT_NOT_READY this many times after a mark.
    #[serde(default = "default_report_not_ready_calls")]
    pub report_not_ready_calls: u32,
    /// … and for this many simulated seconds after the mark.
    #[serde(default)]
    pub report_not_ready_seconds: f64,
    /// Write report documents with the quirks of SEQR's published samples: a
    /// summary report's root opens and closes with different names. The SOAP
    /// envelope around them is always well formed (see `Faults::mismatched_envelope`).
    #[serde(default = "default_quirks")]
    pub quirks: bool,
    #[serde(default, rename = "reseller")]
    /// The resellers SEQR knows.
    pub resellers: Vec<SimReseller>,
}

/// A merchant (reseller) and its back-office user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimReseller {
    /// The reseller id.
    pub id: String,
    #[serde(default = "default_user_id")]
    /// The reseller user number.
    pub user_id: String,
    /// The reseller user's password, as SEQR holds it.
    pub password: String,
    #[serde(default = "default_currency")]
    /// The reseller's currency.
    pub currency: String,
    #[serde(default, rename = "terminal")]
    /// Its terminals.
    pub terminals: Vec<SimTerminal>,
}

/// A terminal that exists before the simulator starts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimTerminal {
    /// The terminal id.
    pub id: String,
    /// Its password (a simulator's own, for tests).
    pub password: String,
    #[serde(default)]
    /// Its name.
    pub name: String,
}

fn default_ack_window_seconds() -> f64 {
    20.0
}
fn default_time_scale() -> f64 {
    1.0
}
fn default_report_not_ready_calls() -> u32 {
    1
}
fn default_quirks() -> bool {
    true
}
fn default_user_id() -> String {
    "9900".into()
}
fn default_currency() -> String {
    "SEK".into()
}

impl Default for SimConfig {
    fn default() -> Self {
        toml::from_str("").expect("empty simulator config")
    }
}

impl SimConfig {
    /// `config/sim.toml` as shipped, built into the binary: what `sim serve`
    /// uses when no config is given and that file is not found.
    pub fn built_in() -> SimConfig {
        toml::from_str(include_str!("../../config/sim.toml")).expect("the shipped config/sim.toml is valid")
    }

    /// Reads a simulator config file.
    pub fn load(path: &Path) -> anyhow::Result<SimConfig> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the simulator config: {e}", path.display()))?;
        let cfg: SimConfig = toml::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        if cfg.time_scale <= 0.0 {
            anyhow::bail!("{}: time_scale must be greater than 0", path.display());
        }
        Ok(cfg)
    }
}

#[cfg(test)]
mod built_in_tests {
    #[test]
    fn the_built_in_simulator_config_has_the_shipped_resellers() {
        let cfg = super::SimConfig::built_in();
        assert_eq!(cfg.resellers[0].id, "acme-se");
        assert!(!cfg.resellers[0].terminals.is_empty());
    }
}
