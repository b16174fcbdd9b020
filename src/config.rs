//! `seqr-recon.toml`: the product's configuration. Field docs are the config reference.
//!
//! Secrets never sit in the file: every `*_env` key names an environment
//! variable that holds the secret, and a literal `password` is refused.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::exit::ExitCode;
use crate::secret::Secret;
use crate::seqr::{ClientContext, Principal};

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

impl ConfigError {
    /// A configuration error exits 3.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::BadConfig
    }
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

impl SecretMissing {
    /// A missing secret is the configuration's to fix: exit 3.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::BadConfig
    }
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

impl UnknownShop {
    /// A usage error: exit 2.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::Usage
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
/// `seqr-recon.toml`, checked on load. docs/operator.md's Configuration section shows every key.
pub struct Config {
    /// `[seqr]`: how to reach SEQR.
    pub seqr: SeqrSettings,
    /// `[store]`: the DuckDB database.
    pub store: StoreSettings,
    #[serde(default)]
    /// `[pos]`: where the tills drop their files.
    pub pos: PosSettings,
    #[serde(default)]
    /// `[reports]`: where the CSVs go.
    pub reports: ReportSettings,
    #[serde(default)]
    /// `[email]`: who gets the reports and alerts, and how mail leaves.
    pub email: EmailSettings,
    #[serde(default)]
    /// `[schedule]`: how the daemon runs the closes.
    pub schedule: ScheduleSettings,
    #[serde(default)]
    /// `[reconcile]`: the windows and tolerances of the classification.
    pub reconcile: ReconcileSettings,
    /// `[lake]`: where each close is published as Parquet for head office (off when absent).
    pub lake: Option<LakeSettings>,
    #[serde(default)]
    /// `[web]`: the accountants' worklist in the browser (`seqr-recon serve`).
    pub web: WebSettings,
    #[serde(rename = "shop", default)]
    /// `[[shop]]`: every shop this instance closes.
    pub shops: Vec<Shop>,
    /// The file this was read from (not a key).
    #[serde(skip)]
    pub path: PathBuf,
    /// The config text as loaded, for the provenance of each close (it holds
    /// no secret: literal passwords are refused).
    #[serde(skip)]
    pub snapshot: String,
}

/// `[seqr]`: where SEQR is and how patiently to talk to it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeqrSettings {
    /// The SOAP endpoint URL (`https://…/soap/merchant/cashregister-2`).
    #[serde(deserialize_with = "url")]
    pub endpoint: reqwest::Url,
    /// `clientId` in every request: the company and software.
    pub client_id: String,
    /// Seconds before one HTTP call is given up.
    #[serde(default = "d30")]
    pub timeout_seconds: u64,
    /// Seconds to wait after markTransactionPeriod before the first executeReport.
    #[serde(default = "d3f")]
    pub report_first_wait_seconds: f64,
    /// Seconds between executeReport calls while SEQR answers REPORT_NOT_READY.
    #[serde(default = "d3f")]
    pub report_poll_interval_seconds: f64,
    /// executeReport calls before a report counts as never ready.
    #[serde(default = "d40")]
    pub report_max_attempts: u32,
    /// Attempts for a call that fails transiently (codes 90/93/94, HTTP 5xx, refused connection).
    #[serde(default = "d5")]
    pub retry_attempts: u32,
    /// Log every SOAP request and response (passwords redacted) at debug level.
    #[serde(default)]
    pub trace: bool,
    /// A SEQR answer larger than this (bytes) is refused while it streams in.
    #[serde(default = "default_max_response")]
    pub max_response_bytes: u64,
}

/// `[store]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// The DuckDB database file.
    pub database: PathBuf,
    /// DuckDB's memory limit (DuckDB's own default is 80% of RAM); larger work
    /// spills to disk. The default is sized for a million-sale close on a
    /// small store server (docs/performance.md has what it costs).
    #[serde(default = "default_memory_limit")]
    pub memory_limit: String,
    /// Seconds to wait for another process (a second run, the daemon, the
    /// DuckDB CLI) to let go of the database before giving up.
    #[serde(default = "d60f")]
    pub lock_wait_seconds: f64,
    /// Days a close stays whole in the database. After each batch of closes
    /// (and with `seqr-recon archive`), older closes move out: into the
    /// Parquet lake first when `[lake]` is set, keeping in the database only
    /// what later closes need; their reports folders, the outbox's `sent/`
    /// and the inbox's `archive/` files older than that go too. 0 keeps everything.
    #[serde(default = "default_retain_days")]
    pub retain_days: u32,
}

/// `[pos]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosSettings {
    /// Where the POS drops its CSV feeds; `archive/` and `rejected/` are made inside it.
    #[serde(default = "default_inbox")]
    pub inbox: PathBuf,
}

impl Default for PosSettings {
    fn default() -> Self {
        PosSettings { inbox: default_inbox() }
    }
}

/// `[reports]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Output root: `{dir}/{shop_id}/{period_id}/*.csv` (and `report.xlsx`).
    #[serde(default = "default_reports")]
    pub dir: PathBuf,
    /// What each close writes and attaches: `csv` (the three RFC 4180 files
    /// scripts read) and `xlsx` (one workbook for people). Both by default.
    #[serde(default = "default_formats")]
    pub formats: Vec<ReportFormat>,
    /// Write the CSVs for a spreadsheet's double-click rather than for
    /// scripts: a UTF-8 byte order mark, and, when the shop's `locale` writes
    /// decimal commas, `;` between fields and decimal commas. Off by default.
    #[serde(default)]
    pub csv_excel: bool,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { dir: default_reports(), formats: default_formats(), csv_excel: false }
    }
}

/// `[lake]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LakeSettings {
    /// The lake's root, shared by every instance that publishes to it:
    /// `{dir}/{table}/shop_id=…/business_date=…/close-{close_id}.parquet`.
    pub dir: PathBuf,
}

/// `[web]`: `seqr-recon serve`, the worklist accountants act on.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// Where it listens. Loopback by default: put it behind a TLS reverse
    /// proxy to reach it from elsewhere (docs/operator.md).
    #[serde(default = "default_web_listen")]
    pub listen: std::net::SocketAddr,
    /// The address people open (`https://recon.example.com`): the report
    /// email links each item to its page, and an `https` address marks the
    /// sign-in cookie `Secure`. Without it, the email has no links.
    #[serde(default, deserialize_with = "optional_url")]
    pub base_url: Option<reqwest::Url>,
    /// Seconds a page waits for a close that holds the database before it
    /// says so and asks to try again; a close is never kept waiting by a page.
    #[serde(default = "default_web_wait")]
    pub wait_seconds: f64,
    /// Hours a sign-in lasts.
    #[serde(default = "default_sign_in_hours")]
    pub sign_in_hours: f64,
    /// `[[web.user]]`: who may sign in, and the shops each sees.
    #[serde(rename = "user", default)]
    pub users: Vec<WebUser>,
}

impl Default for WebSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// `[[web.user]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebUser {
    /// The name to sign in with; the audit trail records it.
    pub name: String,
    /// The argon2 hash of the password, as `seqr-recon user add` prints it
    /// (never the password itself).
    pub password_hash: String,
    /// The shop ids this user sees (`["*"]`: every shop).
    pub shops: Vec<String>,
}

impl WebUser {
    /// Whether this user may see `shop_id`.
    pub fn sees(&self, shop_id: &str) -> bool {
        self.shops.iter().any(|s| s == "*" || s == shop_id)
    }
}

/// A file format of the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// `summary.csv`, `exceptions.csv`, `transactions.csv`.
    Csv,
    /// `report.xlsx` with the sheets Summary, Exceptions and Transactions.
    Xlsx,
}

fn default_formats() -> Vec<ReportFormat> {
    vec![ReportFormat::Csv, ReportFormat::Xlsx]
}

/// How mail leaves: `.eml` files, or SMTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// Write `.eml` files into the outbox and stop there.
    File,
    /// Send through an SMTP server.
    Smtp,
}

/// SMTP connection security.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain SMTP (a relay on localhost).
    None,
    /// STARTTLS on the submission port.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// `[email]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailSettings {
    /// `file`: write `.eml` files into `outbox`; `smtp`: send.
    #[serde(default = "default_transport")]
    pub transport: Transport,
    /// Where `.eml` files go (file transport) and where unsent mail waits (both).
    #[serde(default = "default_outbox")]
    pub outbox: PathBuf,
    /// The sender, `Name <address>`.
    #[serde(default = "default_from")]
    pub from: String,
    /// Back-office recipients of each period's report.
    #[serde(default)]
    pub to: Vec<String>,
    /// Recipients of failure alerts.
    #[serde(default)]
    pub alert_to: Vec<String>,
    #[serde(default = "default_smtp_host")]
    /// The SMTP server's host name.
    pub smtp_host: String,
    #[serde(default = "default_smtp_port")]
    /// The SMTP server's port.
    pub smtp_port: u16,
    #[serde(default = "default_smtp_tls")]
    /// How the connection is secured.
    pub smtp_tls: SmtpTls,
    /// Environment variable holding the SMTP user (optional).
    pub smtp_user_env: Option<String>,
    /// Environment variable holding the SMTP password.
    pub smtp_password_env: Option<String>,
    /// `transactions.csv` is attached only below this size.
    #[serde(default = "default_attach_limit")]
    pub attach_transactions_max_bytes: u64,
    /// Seconds to wait before each new attempt when a send fails (then it stays queued).
    #[serde(default = "default_email_retry")]
    pub retry_seconds: Vec<f64>,
    /// Seconds to wait for each answer of the SMTP server. A message handed
    /// over whose answer does not come in time may have been delivered: it is
    /// not sent again by itself.
    #[serde(default = "default_smtp_timeout")]
    pub smtp_timeout_seconds: f64,
    /// The report email lists at most this many items to act on, largest
    /// amount at risk first; the workbook's To do sheet has them all.
    #[serde(default = "default_listed_items")]
    pub listed_items: usize,
    /// More new exceptions than this in one close is a flood (a till's file
    /// or SEQR's report gone wrong, rarely that many sales): the email says
    /// so and ops get one alert.
    #[serde(default = "default_flood_new_items")]
    pub flood_new_items: usize,
}

impl Default for EmailSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// `[schedule]`: the daemon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// On start, run a close whose slot passed while the daemon was down (once).
    #[serde(default = "yes")]
    pub catch_up: bool,
    /// Shops closed at the same time, at most. A close waiting on SEQR holds
    /// no thread and no database connection, so every shop can wait at once.
    #[serde(default = "default_concurrent_shops")]
    pub max_concurrent_shops: usize,
    /// Hours after a slot during which the daemon tries again, with back-off, a
    /// close that could not run (the database held by another process, SEQR
    /// unreachable); ops get one alert. A mark whose outcome is unknown is never retried.
    #[serde(default = "default_retry_for_hours")]
    pub retry_for_hours: f64,
    /// Seconds before the first such retry; each wait doubles, up to 10 minutes.
    #[serde(default = "default_retry_first_wait")]
    pub retry_first_wait_seconds: f64,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// `[reconcile]`: matching beyond equal ersReferences.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileSettings {
    /// Probable matches: amounts may differ by this many minor units (hundredths of the currency).
    #[serde(default)]
    pub probable_amount_tolerance_minor: u32,
    /// Probable matches: the post's time and SEQR's may be this many seconds
    /// apart. 0 (the default) turns the second pass off.
    #[serde(default)]
    pub probable_time_window_seconds: u32,
    /// A MISSING_LOCALLY row names an unpolled invoice of the same terminal and
    /// amount sent at most this many seconds from SEQR's time.
    #[serde(default = "d600")]
    pub unpolled_link_window_seconds: u32,
    /// A SEQR row with no post, paid at most this many seconds before its
    /// period's mark, is IN_TRANSIT (its post is usually written just after
    /// the mark) rather than MISSING_LOCALLY, until the next close.
    #[serde(default = "d120")]
    pub in_transit_window_seconds: u32,
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

/// Shop-level periods (one per shop) or terminal-level (one per terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// One period per shop: the reseller user marks it.
    Shop,
    /// One period per terminal: each terminal is marked on its own.
    Terminal,
}

impl Level {
    /// The word used in the config and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Shop => "shop",
            Level::Terminal => "terminal",
        }
    }
}

/// `[[shop]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    /// Our id for the shop; it names the reports folder.
    pub id: String,
    /// The shop's name, for people (emails, reports).
    pub name: String,
    /// ISO 4217 code; posts in another currency are refused.
    pub currency: String,
    /// IANA time zone of the shop (`Europe/Stockholm`).
    pub timezone: String,
    /// When the shop closes: cron syntax with seconds, in the shop's time zone.
    pub close_at: String,
    /// `timezone`, parsed on load.
    #[serde(skip, default = "utc")]
    tz: chrono_tz::Tz,
    /// `close_at`, parsed on load.
    #[serde(skip)]
    schedule: Option<cron::Schedule>,
    /// Shop-level or terminal-level periods.
    pub level: Level,
    /// SEQR reseller id.
    pub reseller_id: String,
    /// The reseller user number (`9900` in SEQR's docs).
    pub reseller_user_id: String,
    /// Environment variable holding the reseller user's password.
    pub password_env: String,
    /// The shop's locale (`sv-SE`, `nb-NO`, `en-GB`): with `[reports]
    /// csv_excel`, a language that writes decimal commas gets `;`-separated
    /// CSVs with decimal commas. Default `en`.
    #[serde(default = "default_locale")]
    pub locale: String,
    /// Recipients of this shop's report, instead of `[email] to`.
    pub email_to: Option<Vec<String>>,
    #[serde(rename = "terminal", default)]
    /// `[[shop.terminal]]`: the shop's terminals.
    pub terminals: Vec<TerminalSettings>,
    /// Refused when present: passwords come from the environment.
    #[serde(default)]
    password: Option<toml::Value>,
}

/// `[[shop.terminal]]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalSettings {
    /// The terminal id registerTerminal returned.
    pub id: String,
    /// The terminal's name, for people.
    pub name: String,
    /// Environment variable holding the terminal's password.
    pub password_env: String,
    /// Refused when present: passwords come from the environment.
    #[serde(default)]
    password: Option<toml::Value>,
}

fn url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<reqwest::Url, D::Error> {
    let text = String::deserialize(d)?;
    reqwest::Url::parse(&text).map_err(|e| {
        serde::de::Error::custom(format!("[seqr] endpoint: {text:?} is not a URL like https://host/path ({e})"))
    })
}
/// One `[[shop]]`'s own keys: no password in the file, an id that can name a
/// folder, a currency code, terminals for a terminal-level shop. The error is
/// the key and what is wrong.
fn check_shop(i: usize, shop: &Shop) -> Result<(), (String, String)> {
    let key = |k: &str| format!("shop[{i}] ({}).{k}", shop.id);
    if shop.password.is_some() {
        return Err((
            key("password"),
            "passwords are not kept in the config: remove it, put it in an environment variable and name \
                 that variable in password_env"
                .into(),
        ));
    }
    if shop.id.is_empty() || !shop.id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err((key("id"), "use letters, digits, '-' and '_' only (it names a folder)".into()));
    }
    if shop.currency.len() != 3 || !shop.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err((key("currency"), format!("{:?} is not a 3-letter ISO 4217 code like SEK", shop.currency)));
    }
    if shop.level == Level::Terminal && shop.terminals.is_empty() {
        return Err((key("terminal"), "a terminal-level shop needs at least one [[shop.terminal]]".into()));
    }
    for (j, t) in shop.terminals.iter().enumerate() {
        if t.password.is_some() {
            return Err((
                format!("shop[{i}].terminal[{j}].password"),
                "passwords are not kept in the config: put it in an environment variable and name it in \
                     password_env"
                    .into(),
            ));
        }
    }
    Ok(())
}

fn optional_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<reqwest::Url>, D::Error> {
    let text = String::deserialize(d)?;
    reqwest::Url::parse(&text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!("[web] base_url: {text:?} is not an address like https://host ({e})"))
    })
}
fn default_locale() -> String {
    "en".into()
}
fn utc() -> chrono_tz::Tz {
    chrono_tz::UTC
}
fn d30() -> u64 {
    30
}
fn d3f() -> f64 {
    3.0
}
fn default_max_response() -> u64 {
    crate::seqr::client::DEFAULT_MAX_RESPONSE_BYTES
}
fn d60f() -> f64 {
    60.0
}
fn d40() -> u32 {
    40
}
fn d120() -> u32 {
    120
}
fn d600() -> u32 {
    600
}
fn d5() -> u32 {
    5
}
/// A close mostly waits on SEQR (a mark, then each report after SEQR's first
/// wait), holding no thread and no connection meanwhile; only the short
/// database steps take turns. So a night's shops all wait at once.
fn default_concurrent_shops() -> usize {
    1000
}
fn default_retry_for_hours() -> f64 {
    6.0
}
fn default_retry_first_wait() -> f64 {
    30.0
}
fn yes() -> bool {
    true
}
fn default_retain_days() -> u32 {
    400
}
fn default_memory_limit() -> String {
    "512MB".into()
}
fn default_inbox() -> PathBuf {
    "data/inbox".into()
}
fn default_reports() -> PathBuf {
    "reports".into()
}
fn default_outbox() -> PathBuf {
    "reports/outbox".into()
}
fn default_from() -> String {
    "SEQR reconciliation <recon@localhost>".into()
}
fn default_transport() -> Transport {
    Transport::File
}
fn default_smtp_host() -> String {
    "127.0.0.1".into()
}
fn default_smtp_port() -> u16 {
    25
}
fn default_smtp_tls() -> SmtpTls {
    SmtpTls::None
}
fn default_web_listen() -> std::net::SocketAddr {
    "127.0.0.1:8080".parse().expect("an address")
}
fn default_web_wait() -> f64 {
    5.0
}
fn default_sign_in_hours() -> f64 {
    12.0
}
fn default_listed_items() -> usize {
    30
}
fn default_flood_new_items() -> usize {
    100
}
fn default_smtp_timeout() -> f64 {
    30.0
}
fn default_email_retry() -> Vec<f64> {
    vec![1.0, 4.0]
}
fn default_attach_limit() -> u64 {
    5 * 1024 * 1024
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
            key: e.span().map_or_else(|| "-".into(), |s| key_at(text, s.start)),
            what: e.message().to_string(),
        })?;
        cfg.path = PathBuf::from(file);
        cfg.snapshot = text.to_string();
        cfg.check(file)?;
        Ok(cfg)
    }

    fn check(&mut self, file: &str) -> Result<(), ConfigError> {
        let err = |key: String, what: String| ConfigError { file: file.into(), key, what };
        for (i, shop) in self.shops.iter_mut().enumerate() {
            let key = |k: &str| format!("shop[{i}] ({}).{k}", shop.id);
            shop.tz = parse_timezone(&shop.timezone).map_err(|what| err(key("timezone"), what))?;
            shop.schedule = Some(parse_schedule(&shop.close_at).map_err(|what| err(key("close_at"), what))?);
        }
        let mut ids = HashSet::new();
        for (i, shop) in self.shops.iter().enumerate() {
            if !ids.insert(shop.id.as_str()) {
                return Err(err(
                    format!("shop[{i}] ({}).id", shop.id),
                    "another shop has the same id; shop ids must be unique".into(),
                ));
            }
            check_shop(i, shop).map_err(|(key, what)| err(key, what))?;
        }
        // A RESELLERUSER mark without TERMINALID closes the reseller's whole
        // period, every terminal's sales in it: a shop-level shop must be its
        // reseller's only shop, or it would take the other shop's sales (and
        // they would read MISSING_LOCALLY, "refund the customer").
        for (i, shop) in self.shops.iter().enumerate() {
            if shop.level != Level::Shop {
                continue;
            }
            if let Some(other) = self.shops.iter().find(|o| o.id != shop.id && o.reseller_id == shop.reseller_id) {
                return Err(err(
                    format!("shop[{i}] ({}).reseller_id", shop.id),
                    format!(
                        "shop {} is shop-level and shares reseller {} with shop {}: a shop-level mark closes the \
                         reseller's whole period, so it would take {}'s sales. Make them one shop, or make both \
                         level = \"terminal\" (one period per terminal)",
                        shop.id, shop.reseller_id, other.id, other.id
                    ),
                ));
            }
        }
        self.check_web(file)?;
        if self.email.transport == Transport::Smtp
            && self.email.to.is_empty()
            && self.shops.iter().any(|s| s.email_to.is_none())
        {
            return Err(err(
                "email.to".into(),
                "SMTP delivery needs recipients: set [email] to or each shop's email_to".into(),
            ));
        }
        Ok(())
    }

    /// `[[web.user]]`: unique names, argon2 hashes (never a password), shops that exist.
    fn check_web(&self, file: &str) -> Result<(), ConfigError> {
        let err = |key: String, what: String| ConfigError { file: file.into(), key, what };
        let mut names = HashSet::new();
        for (i, user) in self.web.users.iter().enumerate() {
            let key = |k: &str| format!("web.user[{i}] ({}).{k}", user.name);
            if user.name.trim().is_empty() || !names.insert(user.name.as_str()) {
                return Err(err(key("name"), "each user needs a name of its own".into()));
            }
            if argon2::PasswordHash::new(&user.password_hash)
                .map_or(true, |h| !h.algorithm.as_str().starts_with("argon2"))
            {
                return Err(err(
                    key("password_hash"),
                    "not an argon2 hash: the config never holds a password. Run `seqr-recon user add --name NAME` \
                     and paste the hash it prints"
                        .into(),
                ));
            }
            if let Some(unknown) =
                user.shops.iter().find(|s| *s != "*" && !self.shops.iter().any(|shop| &shop.id == *s))
            {
                return Err(err(key("shops"), format!("no [[shop]] has the id {unknown:?}; use shop ids or \"*\"")));
            }
        }
        Ok(())
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

fn parse_timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse::<chrono_tz::Tz>().map_err(|_| format!("{text:?} is not an IANA time zone like Europe/Stockholm"))
}

/// The key written at byte `offset` of config text, with its table and line:
/// `[seqr] timeout_seconds (line 4)`.
fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_no = text[..offset].matches('\n').count() + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default().trim();
    let table = text[..line_start].lines().rev().map(str::trim).find(|l| l.starts_with('['));
    let key = match line.split_once('=') {
        Some((key, _)) if !line.starts_with('[') => key.trim(),
        _ => "",
    };
    let table = if line.starts_with('[') { Some(line) } else { table };
    match (table, key) {
        (Some(table), "") => format!("{table} (line {line_no})"),
        (Some(table), key) => format!("{table} {key} (line {line_no})"),
        (None, "") => format!("line {line_no}"),
        (None, key) => format!("{key} (line {line_no})"),
    }
}

fn parse_schedule(text: &str) -> Result<cron::Schedule, String> {
    use std::str::FromStr;
    let schedule = cron::Schedule::from_str(text).map_err(|e| {
        format!("{text:?} is not a cron expression with seconds (\"sec min hour day month weekday\"): {e}")
    })?;
    // A date that never comes (30 February) would leave the shop without a close.
    if schedule.upcoming(chrono::Utc).next().is_none() {
        return Err(format!(
            "{text:?} never fires (no such date comes); give a time every night, like \"0 0 22 * * *\""
        ));
    }
    Ok(schedule)
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
    pub fn password(&self) -> Result<Secret, SecretMissing> {
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

impl TerminalSettings {
    /// The terminal's password, from the environment.
    pub fn password(&self) -> Result<Secret, SecretMissing> {
        secret_from_env(&self.password_env, &format!("terminal {}", self.id))
    }
}

/// Reads a secret from the variable `name`; the error says which variable and whose.
pub fn secret_from_env(name: &str, whose: &str) -> Result<Secret, SecretMissing> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
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
        let cfg = Config::parse(include_str!("../config/seqr-recon.toml"), "config/seqr-recon.toml").unwrap();
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
