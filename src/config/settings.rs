//! Every table and key of `seqr-recon.toml`, as the program reads it. The doc
//! comments here are the configuration reference (docs/config.md is written
//! from them); the defaults are in `defaults.rs`, the checks in `validation.rs`.

use std::path::PathBuf;

use serde::Deserialize;

use super::{defaults, validation};
use crate::domain::ShopId;

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
    #[serde(deserialize_with = "validation::url")]
    pub endpoint: reqwest::Url,
    /// `clientId` in every request: the company and software.
    pub client_id: String,
    /// Seconds before one HTTP call is given up.
    #[serde(default = "defaults::seqr_timeout_seconds")]
    pub timeout_seconds: u64,
    /// Seconds to wait after markTransactionPeriod before the first executeReport.
    #[serde(default = "defaults::report_first_wait_seconds")]
    pub report_first_wait_seconds: f64,
    /// Seconds between executeReport calls while SEQR answers REPORT_NOT_READY.
    #[serde(default = "defaults::report_poll_interval_seconds")]
    pub report_poll_interval_seconds: f64,
    /// executeReport calls before a report counts as never ready.
    #[serde(default = "defaults::report_max_attempts")]
    pub report_max_attempts: u32,
    /// Attempts for a call that fails transiently (codes 90/93/94, HTTP 5xx, refused connection).
    #[serde(default = "defaults::retry_attempts")]
    pub retry_attempts: u32,
    /// Log every SOAP request and response (passwords redacted) at debug level.
    #[serde(default)]
    pub trace: bool,
    /// A SEQR answer larger than this (bytes) is refused while it streams in.
    #[serde(default = "defaults::max_response_bytes")]
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
    #[serde(default = "defaults::memory_limit")]
    pub memory_limit: String,
    /// Seconds to wait for another process (a second run, the daemon, the
    /// DuckDB CLI) to let go of the database before giving up.
    #[serde(default = "defaults::lock_wait_seconds")]
    pub lock_wait_seconds: f64,
    /// Days a close stays whole in the database. After each batch of closes
    /// (and with `seqr-recon archive`), older closes move out: into the
    /// Parquet lake first when `[lake]` is set, keeping in the database only
    /// what later closes need; their reports folders, the outbox's `sent/`
    /// and the inbox's `archive/` files older than that go too. 0 keeps everything.
    #[serde(default = "defaults::retain_days")]
    pub retain_days: u32,
}

/// `[pos]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosSettings {
    /// Where the POS drops its CSV feeds; `archive/` and `rejected/` are made inside it.
    #[serde(default = "defaults::inbox")]
    pub inbox: PathBuf,
}

/// `[reports]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportSettings {
    /// Output root: `{dir}/{shop_id}/{period_id}/*.csv` (and `report.xlsx`).
    #[serde(default = "defaults::reports_dir")]
    pub dir: PathBuf,
    /// What each close writes and attaches: `csv` (the three RFC 4180 files
    /// scripts read) and `xlsx` (one workbook for people). Both by default.
    #[serde(default = "defaults::formats")]
    pub formats: Vec<ReportFormat>,
    /// Write the CSVs for a spreadsheet's double-click rather than for
    /// scripts: a UTF-8 byte order mark, and, when the shop's `locale` writes
    /// decimal commas, `;` between fields and decimal commas. Off by default.
    #[serde(default)]
    pub csv_excel: bool,
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
    #[serde(default = "defaults::listen")]
    pub listen: std::net::SocketAddr,
    /// The address people open (`https://recon.example.com`): the report
    /// email links each item to its page, and an `https` address marks the
    /// sign-in cookie `Secure`. Without it, the email has no links.
    #[serde(default, deserialize_with = "validation::optional_url")]
    pub base_url: Option<reqwest::Url>,
    /// Seconds a page waits for a close that holds the database before it
    /// says so and asks to try again; a close is never kept waiting by a page.
    #[serde(default = "defaults::wait_seconds")]
    pub wait_seconds: f64,
    /// Hours a sign-in lasts.
    #[serde(default = "defaults::sign_in_hours")]
    pub sign_in_hours: f64,
    /// `[[web.user]]`: who may sign in, and the shops each sees.
    #[serde(rename = "user", default)]
    pub users: Vec<WebUser>,
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
    pub fn sees(&self, shop_id: &ShopId) -> bool {
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
    #[serde(default = "defaults::transport")]
    pub transport: Transport,
    /// Where `.eml` files go (file transport) and where unsent mail waits (both).
    #[serde(default = "defaults::outbox")]
    pub outbox: PathBuf,
    /// The sender, `Name <address>`.
    #[serde(default = "defaults::from")]
    pub from: String,
    /// Back-office recipients of each period's report.
    #[serde(default)]
    pub to: Vec<String>,
    /// Recipients of failure alerts.
    #[serde(default)]
    pub alert_to: Vec<String>,
    #[serde(default = "defaults::smtp_host")]
    /// The SMTP server's host name.
    pub smtp_host: String,
    #[serde(default = "defaults::smtp_port")]
    /// The SMTP server's port.
    pub smtp_port: u16,
    #[serde(default = "defaults::smtp_tls")]
    /// How the connection is secured.
    pub smtp_tls: SmtpTls,
    /// Environment variable holding the SMTP user (optional).
    pub smtp_user_env: Option<String>,
    /// Environment variable holding the SMTP password.
    pub smtp_password_env: Option<String>,
    /// `transactions.csv` is attached only below this size.
    #[serde(default = "defaults::attach_transactions_max_bytes")]
    pub attach_transactions_max_bytes: u64,
    /// Seconds to wait before each new attempt when a send fails (then it stays queued).
    #[serde(default = "defaults::email_retry_seconds")]
    pub retry_seconds: Vec<f64>,
    /// Seconds to wait for each answer of the SMTP server. A message handed
    /// over whose answer does not come in time may have been delivered: it is
    /// not sent again by itself.
    #[serde(default = "defaults::smtp_timeout_seconds")]
    pub smtp_timeout_seconds: f64,
    /// The report email lists at most this many items to act on, largest
    /// amount at risk first; the workbook's To do sheet has them all.
    #[serde(default = "defaults::listed_items")]
    pub listed_items: usize,
    /// More new exceptions than this in one close is a flood (a till's file
    /// or SEQR's report gone wrong, rarely that many sales): the email says
    /// so and ops get one alert.
    #[serde(default = "defaults::flood_new_items")]
    pub flood_new_items: usize,
}

/// `[schedule]`: the daemon.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// On start, run a close whose slot passed while the daemon was down (once).
    #[serde(default = "defaults::catch_up")]
    pub catch_up: bool,
    /// Shops closed at the same time, at most. A close waiting on SEQR holds
    /// no thread and no database connection, so every shop can wait at once.
    #[serde(default = "defaults::max_concurrent_shops")]
    pub max_concurrent_shops: usize,
    /// Hours after a slot during which the daemon tries again, with back-off, a
    /// close that could not run (the database held by another process, SEQR
    /// unreachable); ops get one alert. A mark whose outcome is unknown is never retried.
    #[serde(default = "defaults::retry_for_hours")]
    pub retry_for_hours: f64,
    /// Seconds before the first such retry; each wait doubles, up to 10 minutes.
    #[serde(default = "defaults::retry_first_wait_seconds")]
    pub retry_first_wait_seconds: f64,
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
    #[serde(default = "defaults::unpolled_link_window_seconds")]
    pub unpolled_link_window_seconds: u32,
    /// A SEQR row with no post, paid at most this many seconds before its
    /// period's mark, is IN_TRANSIT (its post is usually written just after
    /// the mark) rather than MISSING_LOCALLY, until the next close.
    #[serde(default = "defaults::in_transit_window_seconds")]
    pub in_transit_window_seconds: u32,
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
    /// Our id for the shop: letters, digits, '-' and '_', at most 64 (it names the reports folder).
    pub id: ShopId,
    /// The shop's name, for people (emails, reports).
    pub name: String,
    /// ISO 4217 code; posts in another currency are refused.
    pub currency: String,
    /// IANA time zone of the shop (`Europe/Stockholm`).
    pub timezone: String,
    /// When the shop closes: cron syntax with seconds, in the shop's time zone.
    pub close_at: String,
    /// `timezone`, parsed on load.
    #[serde(skip, default = "defaults::utc")]
    pub(super) tz: chrono_tz::Tz,
    /// `close_at`, parsed on load.
    #[serde(skip)]
    pub(super) schedule: Option<cron::Schedule>,
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
    #[serde(default = "defaults::locale")]
    pub locale: String,
    /// Recipients of this shop's report, instead of `[email] to`.
    pub email_to: Option<Vec<String>>,
    #[serde(rename = "terminal", default)]
    /// `[[shop.terminal]]`: the shop's terminals.
    pub terminals: Vec<TerminalSettings>,
    /// Refused when present: passwords come from the environment.
    #[serde(default)]
    pub(super) password: Option<toml::Value>,
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
    pub(super) password: Option<toml::Value>,
}
