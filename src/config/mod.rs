//! `seqr-recon.toml`: the product's configuration, read and checked once on
//! load: its tables and keys (`settings.rs`, the configuration reference),
//! their defaults (`defaults.rs`) and the checks a file must pass
//! (`validation.rs`).
//!
//! Secrets never sit in the file: every `*_env` key names an environment
//! variable that holds the secret, and a literal `password` is refused.

use std::path::{Path, PathBuf};

use secrecy::SecretString;

use crate::seqr::client::{ReportPolling, RetryPolicy};
use crate::seqr::{ClientContext, Principal, SeqrClient};

mod defaults;
mod settings;
mod validation;

pub use settings::*;

/// A configuration error: which file, which key, what was expected.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {key}: {what}")]
pub struct ConfigError {
    /// The config file.
    pub file: String,
    /// The key (or line) that is wrong.
    pub key: String,
    /// What is wrong and what to do.
    pub what: String,
}

/// A secret the config names is not in the environment.
#[derive(Debug, thiserror::Error)]
#[error("environment variable {variable} (the password for {whose}) is not set; export it before running")]
pub struct SecretMissing {
    /// The variable the config names.
    pub variable: String,
    /// Whose password it holds.
    pub whose: String,
}

/// `--shop` names a shop the config does not have.
#[derive(Debug, thiserror::Error)]
#[error("--shop {id}: no such shop in {file}; known: {known}")]
pub struct UnknownShop {
    /// The id given.
    pub id: String,
    /// The config file.
    pub file: String,
    /// The shops the config has.
    pub known: String,
}

impl Config {
    /// Reads and checks a config file. Relative paths in it are taken from
    /// the file's own folder, so a command run from anywhere finds the same
    /// database, inbox, reports and outbox.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            key: "-".into(),
            what: format!("cannot read the config file: {e}; pass --config FILE"),
        })?;
        let mut cfg = Self::parse(&text, &file)?;
        cfg.resolve_paths(path.parent().unwrap_or(Path::new("")));
        Ok(cfg)
    }

    /// Makes every relative path of the config relative to `base`.
    fn resolve_paths(&mut self, base: &Path) {
        let lake = self.lake.as_mut().map(|l| &mut l.dir);
        let paths = [&mut self.store.database, &mut self.pos.inbox, &mut self.reports.dir, &mut self.email.outbox];
        for p in paths.into_iter().chain(lake) {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        }
    }

    /// Parses and checks config text; `file` names it in errors. Paths stay as written.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let mut cfg: Config = toml::from_str(text).map_err(|e| ConfigError {
            file: file.into(),
            key: e.span().map_or_else(|| "-".into(), |s| validation::key_at(text, s.start)),
            what: e.message().to_string(),
        })?;
        cfg.path = PathBuf::from(file);
        cfg.snapshot = text.to_string();
        cfg.check(file)?;
        Ok(cfg)
    }

    /// The POS inbox, which must be a folder that exists: with a mistyped
    /// path no file would ever arrive, and every SEQR sale would look lost.
    pub fn require_inbox(&self) -> Result<&Path, ConfigError> {
        let inbox = &self.pos.inbox;
        if inbox.is_dir() {
            return Ok(inbox);
        }
        Err(ConfigError {
            file: self.path.display().to_string(),
            key: "[pos] inbox".into(),
            what: format!(
                "{} is not a folder that exists; create it (mkdir -p) or fix the path to where the tills write \
                 their files",
                inbox.display()
            ),
        })
    }

    /// The shop with this id.
    pub fn shop(&self, id: &str) -> Option<&Shop> {
        self.shops.iter().find(|s| s.id == id)
    }

    /// The shop named on the command line, or an error listing the known ones.
    pub fn require_shop(&self, id: &str) -> Result<&Shop, UnknownShop> {
        self.shop(id).ok_or_else(|| {
            let known: Vec<&str> = self.shops.iter().map(|s| s.id.as_str()).collect();
            UnknownShop { id: id.to_string(), file: self.path.display().to_string(), known: known.join(", ") }
        })
    }
}

impl Shop {
    /// Whether the shop's locale writes numbers with a decimal comma (and
    /// so separates CSV fields with `;`), as Swedish, Norwegian, Danish,
    /// Finnish, German and most of continental Europe do.
    pub fn decimal_comma(&self) -> bool {
        let language = self.locale.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
        const COMMA: &[&str] = &[
            "sv", "nb", "nn", "no", "da", "fi", "de", "fr", "es", "it", "nl", "pt", "pl", "cs", "is", "et", "lv", "lt",
        ];
        COMMA.contains(&language.as_str())
    }

    /// The shop's time zone.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.tz
    }

    /// When the shop closes, in its time zone.
    pub fn schedule(&self) -> &cron::Schedule {
        self.schedule.as_ref().expect("close_at is parsed when the config is loaded")
    }

    /// The reseller user's password, from the environment.
    pub fn password(&self) -> Result<SecretString, SecretMissing> {
        secret_from_env(&self.password_env, &format!("shop {}", self.id))
    }

    /// The shop's RESELLERUSER context for SEQR calls.
    pub fn reseller_context(&self, client_id: &str) -> anyhow::Result<ClientContext> {
        Ok(ClientContext {
            client_id: client_id.to_string(),
            principal: Principal::ResellerUser {
                reseller_id: self.reseller_id.clone(),
                user_id: self.reseller_user_id.clone(),
            },
            password: self.password()?,
            who: format!("shop {}", self.id),
        })
    }
}

impl SeqrSettings {
    /// The client these settings describe: endpoint, timeout, retries, trace, size limit.
    pub fn client(&self) -> SeqrClient {
        let retry = RetryPolicy { max_attempts: self.retry_attempts.max(1), ..RetryPolicy::default() };
        let timeout = std::time::Duration::from_secs(self.timeout_seconds);
        let mut client = SeqrClient::new(self.endpoint.as_str(), timeout, retry);
        client.trace = self.trace;
        client.max_response_bytes = self.max_response_bytes;
        client
    }

    /// How the close waits for SEQR's reports.
    pub fn polling(&self) -> ReportPolling {
        ReportPolling {
            first_wait: std::time::Duration::from_secs_f64(self.report_first_wait_seconds),
            interval: std::time::Duration::from_secs_f64(self.report_poll_interval_seconds),
            max_attempts: self.report_max_attempts,
        }
    }
}

impl TerminalSettings {
    /// The terminal's password, from the environment.
    pub fn password(&self) -> Result<SecretString, SecretMissing> {
        secret_from_env(&self.password_env, &format!("terminal {}", self.id))
    }
}

/// Reads a secret from the variable `name`; the error says which variable and whose.
pub fn secret_from_env(name: &str, whose: &str) -> Result<SecretString, SecretMissing> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(SecretString::from(v)),
        _ => Err(SecretMissing { variable: name.to_string(), whose: whose.to_string() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shop_level_shop_sharing_its_reseller_with_another_shop_is_refused_with_the_fix() {
        let shop = |id: &str, level: &str| {
            format!(
                "[[shop]]\nid = \"{id}\"\nname = \"{id}\"\ncurrency = \"SEK\"\ntimezone = \"UTC\"\n\
                 close_at = \"0 0 22 * * *\"\nlevel = \"{level}\"\nreseller_id = \"r1\"\n\
                 reseller_user_id = \"9900\"\npassword_env = \"X\"\n[[shop.terminal]]\nid = \"t-{id}\"\n\
                 name = \"T\"\npassword_env = \"Y\"\n"
            )
        };
        let base = "[seqr]\nendpoint = \"http://x\"\nclient_id = \"x\"\n[store]\ndatabase = \"d\"\n";
        let e = Config::parse(&format!("{base}{}{}", shop("a", "shop"), shop("b", "terminal")), "t.toml").unwrap_err();
        assert_eq!(e.key, "shop[0] (a).reseller_id");
        assert!(e.what.contains("shares reseller r1 with shop b") && e.what.contains("level = \"terminal\""), "{e}");
        assert!(Config::parse(&format!("{base}{}{}", shop("a", "terminal"), shop("b", "terminal")), "t.toml").is_ok());
    }

    #[test]
    fn the_shipped_example_config_is_valid() {
        let cfg = Config::parse(include_str!("../../config/seqr-recon.toml"), "config/seqr-recon.toml").unwrap();
        assert_eq!(cfg.reconcile.unpolled_link_window_seconds, 600);
        assert_eq!(cfg.reconcile.probable_time_window_seconds, 0, "probable matching is off unless asked for");
        assert!(!cfg.shops.is_empty());
    }

    const MINIMAL: &str = r#"
[seqr]
endpoint = "http://127.0.0.1:8089/soap/merchant/cashregister-2"
client_id = "Acme BackOffice"
[store]
database = "data/x.duckdb"
[[shop]]
id = "stockholm-1"
name = "Stockholm Central"
currency = "SEK"
timezone = "Europe/Stockholm"
close_at = "0 0 22 * * *"
level = "shop"
reseller_id = "acme-se"
reseller_user_id = "9900"
password_env = "SEQR_PASSWORD_STOCKHOLM_1"
"#;

    #[test]
    fn minimal_config_loads_with_defaults() {
        let c = Config::parse(MINIMAL, "t.toml").unwrap();
        assert_eq!(c.seqr.report_max_attempts, 40);
        assert_eq!(c.shops[0].level, Level::Shop);
        assert_eq!(c.email.transport, Transport::File);
    }

    #[test]
    fn literal_password_is_refused_with_the_fix() {
        let text = MINIMAL.replace("password_env =", "password = \"hunter2\"\npassword_env =");
        let e = Config::parse(&text, "t.toml").unwrap_err().to_string();
        assert!(e.starts_with("t.toml: shop[0] (stockholm-1).password:"), "{e}");
        assert!(e.contains("password_env") && !e.contains("hunter2"), "{e}");
    }

    /// A shop id names a folder: one that could leave the reports folder, or
    /// is not one name, is refused at its key.
    #[test]
    fn a_shop_id_that_cannot_name_a_folder_is_refused_at_its_key() {
        for bad in ["../etc", "a b", "", "s/1", "ü"] {
            let text = MINIMAL.replace("id = \"stockholm-1\"", &format!("id = {bad:?}"));
            let e = Config::parse(&text, "t.toml").unwrap_err();
            assert!(e.key.starts_with("[[shop]] id (line"), "{bad:?}: {e}");
            assert!(e.what.contains("letters, digits, '-' and '_'"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn bad_timezone_and_cron_name_the_key() {
        let e = Config::parse(&MINIMAL.replace("Europe/Stockholm", "Mars/Base"), "t.toml").unwrap_err();
        assert_eq!(e.key, "shop[0] (stockholm-1).timezone");
        let e = Config::parse(&MINIMAL.replace("0 0 22 * * *", "at ten"), "t.toml").unwrap_err();
        assert_eq!(e.key, "shop[0] (stockholm-1).close_at");
    }

    #[test]
    fn unknown_keys_are_errors_with_a_line() {
        let e = Config::parse(&MINIMAL.replace("[store]", "[store]\ndatabse = 1"), "t.toml").unwrap_err();
        assert!(e.what.contains("databse"), "{e}");
        assert_eq!(e.key, "[store] databse (line 6)");
    }

    #[test]
    fn a_value_of_the_wrong_type_names_its_table_key_and_line() {
        let text =
            MINIMAL.replace("client_id = \"Acme BackOffice\"", "client_id = \"x\"\ntimeout_seconds = \"thirty\"");
        let e = Config::parse(&text, "t.toml").unwrap_err();
        assert_eq!(e.key, "[seqr] timeout_seconds (line 5)");
        assert!(e.what.contains("thirty"), "{e}");
        let e = Config::parse(&MINIMAL.replace("level = \"shop\"", "level = 7"), "t.toml").unwrap_err();
        assert_eq!(e.key, "[[shop]] level (line 13)");
    }

    #[test]
    fn a_close_at_that_never_fires_is_refused() {
        let e = Config::parse(&MINIMAL.replace("0 0 22 * * *", "0 0 22 30 2 *"), "t.toml").unwrap_err();
        assert_eq!(e.key, "shop[0] (stockholm-1).close_at");
        assert!(e.what.contains("never fires"), "{e}");
    }
}
