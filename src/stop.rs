//! Stopping on SIGTERM or SIGINT without losing what SEQR answered. The first
//! signal asks every close to stop at its next step: a call in flight (a mark
//! whose answer is on its way) finishes and its answer is recorded, so the
//! next run resumes instead of stopping in `mark_unknown`. A second signal
//! stops the process at once.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// A close stopped between two steps because a signal asked the process to stop.
#[derive(Debug, thiserror::Error)]
#[error("stopped by a signal before {before}; the next run resumes from there without marking again")]
pub struct Stopped {
    /// The step that did not begin.
    pub before: &'static str,
}

/// Whether a signal asked the process to stop.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// `Err` once a signal asked to stop: called before each step begins.
pub fn check(before: &'static str) -> Result<(), Stopped> {
    if requested() {
        Err(Stopped { before })
    } else {
        Ok(())
    }
}

/// Listens for SIGTERM and SIGINT on the current tokio runtime for the rest
/// of the process: the first asks to stop, the second exits (143).
pub fn listen() -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        for _ in 0..2 {
            tokio::select! {
                _ = term.recv() => {},
                _ = int.recv() => {},
            }
            if requested() {
                tracing::error!("asked to stop again: stopping at once");
                std::process::exit(143);
            }
            REQUESTED.store(true, Ordering::SeqCst);
            tracing::warn!("asked to stop: the calls in flight finish and are recorded; a second signal stops at once");
        }
    });
    Ok(())
}

/// Completes once a stop was asked for (the daemon's loop ends on it).
pub async fn asked() {
    while !requested() {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
