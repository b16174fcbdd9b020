//! Test failpoints: `SEQR_RECON_FAILPOINT=after_marked` aborts the process right
//! after that point, the way a power cut or `kill -9` would, so tests can check
//! what a crash at each step leaves behind. The points: `after_marking` (state
//! committed, the mark not yet sent), `after_mark_answered` (SEQR's period id in
//! the mark journal, not yet in the database), `after_marked`, `after_fetched`,
//! `after_reconciled`, `after_exported`, and in the outbox `after_smtp_accepted`
//! (SMTP took the message, nothing recorded yet).

/// Aborts the process when the failpoint `after_{reached}` is set.
pub fn failpoint(reached: &str) {
    if std::env::var("SEQR_RECON_FAILPOINT").is_ok_and(|v| v.strip_prefix("after_") == Some(reached)) {
        eprintln!("failpoint after_{reached}: aborting");
        std::process::abort();
    }
}
