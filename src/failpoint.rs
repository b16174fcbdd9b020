//! Test failpoints: `SEQR_RECON_FAILPOINT=after_marked` aborts the process right
//! after that point, the way a power cut or `kill -9` would, so tests can check
//! what a crash at each step leaves behind. The points: `after_marking` (state
//! committed, the mark not yet sent), `after_mark_answered` (SEQR's period id in
//! the mark journal, not yet in the database), `after_marked`, `after_fetched`,
//! `after_reconciled`, `after_exported`, and in the outbox `after_smtp_accepted`
//! (SMTP took the message, nothing recorded yet).
//!
//! `SEQR_RECON_FAILPOINT=disk_full_after_journal_reserved` fills the disk
//! instead: from the moment the mark journal holds its slot for SEQR's answer,
//! every write that needs new space fails with "No space left on device".

use std::sync::atomic::{AtomicBool, Ordering};

static DISK_FULL: AtomicBool = AtomicBool::new(false);

/// Aborts the process when the failpoint `after_{reached}` is set; fills the
/// disk from here on when `disk_full_after_{reached}` is.
pub fn failpoint(reached: &str) {
    let Ok(point) = std::env::var("SEQR_RECON_FAILPOINT") else { return };
    if point.strip_prefix("after_") == Some(reached) {
        eprintln!("failpoint after_{reached}: aborting");
        std::process::abort();
    }
    if point.strip_prefix("disk_full_after_") == Some(reached) {
        DISK_FULL.store(true, Ordering::SeqCst);
    }
}

/// `Err` (no space left on device) once a `disk_full_after_…` failpoint was
/// reached: called before writes that need new space.
pub fn new_space() -> std::io::Result<()> {
    if DISK_FULL.load(Ordering::SeqCst) {
        Err(std::io::Error::from_raw_os_error(28))
    } else {
        Ok(())
    }
}
