//! The default of every key of `seqr-recon.toml` a file may leave out, one
//! function per key (serde calls them by name), and each table's default.

use std::path::PathBuf;

use super::settings::*;

// [seqr]

pub(super) fn seqr_timeout_seconds() -> u64 {
    30
}

pub(super) fn report_first_wait_seconds() -> f64 {
    3.0
}

pub(super) fn report_poll_interval_seconds() -> f64 {
    3.0
}

pub(super) fn report_max_attempts() -> u32 {
    40
}

pub(super) fn retry_attempts() -> u32 {
    5
}

pub(super) fn max_response_bytes() -> u64 {
    crate::seqr::client::DEFAULT_MAX_RESPONSE_BYTES
}

// [store]

pub(super) fn memory_limit() -> String {
    "512MB".into()
}

pub(super) fn lock_wait_seconds() -> f64 {
    60.0
}

pub(super) fn retain_days() -> u32 {
    400
}

// [pos]

pub(super) fn inbox() -> PathBuf {
    "data/inbox".into()
}

// [reports]

pub(super) fn reports_dir() -> PathBuf {
    "reports".into()
}

pub(super) fn formats() -> Vec<ReportFormat> {
    vec![ReportFormat::Csv, ReportFormat::Xlsx]
}

// [email]

pub(super) fn transport() -> Transport {
    Transport::File
}

pub(super) fn outbox() -> PathBuf {
    "reports/outbox".into()
}

pub(super) fn from() -> String {
    "SEQR reconciliation <recon@localhost>".into()
}

pub(super) fn smtp_host() -> String {
    "127.0.0.1".into()
}

pub(super) fn smtp_port() -> u16 {
    25
}

pub(super) fn smtp_tls() -> SmtpTls {
    SmtpTls::None
}

pub(super) fn attach_transactions_max_bytes() -> u64 {
    5 * 1024 * 1024
}

pub(super) fn email_retry_seconds() -> Vec<f64> {
    vec![1.0, 4.0]
}

pub(super) fn smtp_timeout_seconds() -> f64 {
    30.0
}

pub(super) fn listed_items() -> usize {
    30
}

pub(super) fn flood_new_items() -> usize {
    100
}

// [schedule]

pub(super) fn catch_up() -> bool {
    true
}

/// A close mostly waits on SEQR (a mark, then each report after SEQR's first
/// wait), holding no thread and no connection meanwhile; only the short
/// database steps take turns. So a night's shops all wait at once.
pub(super) fn max_concurrent_shops() -> usize {
    1000
}

pub(super) fn retry_for_hours() -> f64 {
    6.0
}

pub(super) fn retry_first_wait_seconds() -> f64 {
    30.0
}

// [reconcile]

pub(super) fn unpolled_link_window_seconds() -> u32 {
    600
}

pub(super) fn in_transit_window_seconds() -> u32 {
    120
}

// [web]

pub(super) fn listen() -> std::net::SocketAddr {
    "127.0.0.1:8080".parse().expect("an address")
}

pub(super) fn wait_seconds() -> f64 {
    5.0
}

pub(super) fn sign_in_hours() -> f64 {
    12.0
}

// [[shop]]

pub(super) fn locale() -> String {
    "en".into()
}

pub(super) fn utc() -> chrono_tz::Tz {
    chrono_tz::UTC
}

impl Default for PosSettings {
    fn default() -> Self {
        PosSettings { inbox: inbox() }
    }
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings { dir: reports_dir(), formats: formats(), csv_excel: false }
    }
}

impl Default for WebSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

impl Default for EmailSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}

impl Default for ReconcileSettings {
    fn default() -> Self {
        toml::from_str("").expect("defaults")
    }
}
