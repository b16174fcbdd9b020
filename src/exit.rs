//! Exit codes, so cron and systemd can tell failures apart, and the one
//! place that maps an error to its code: each module's error type says its
//! own code ([`exit_code_of`] finds it anywhere in the error's chain).

/// The process's exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// The command did what it was asked.
    Success = 0,
    /// Something failed at run time (SEQR, database, disk).
    Failure = 1,
    /// The command line names something that does not exist (a shop, a terminal).
    Usage = 2,
    /// The configuration, or the environment it names, is missing or wrong.
    BadConfig = 3,
    /// Input files were refused (see the `.errors.txt` beside them).
    BadInput = 4,
    /// A report is not delivered: its mail failed and stays queued, its
    /// hand-over to SMTP is in doubt, or (for `status`) a close is stuck.
    Undelivered = 5,
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// A command line that asks for something that cannot be done as asked (exits 2):
/// the message says what was wrong and what to do.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The code for a failed command: from the first error in its chain (the
/// error itself or a cause beneath the contexts added to it) whose type knows
/// its code; else [`ExitCode::Failure`].
pub fn exit_code_of(e: &anyhow::Error) -> ExitCode {
    use crate::config::{ConfigError, SecretMissing, UnknownShop};
    use crate::store::StoreError;
    e.chain()
        .find_map(|cause| {
            // A configuration the operator must fix (a missing secret, a memory
            // limit DuckDB does not take) exits 3; a command line that names
            // what the config lacks exits 2.
            None.or_else(|| cause.downcast_ref::<ConfigError>().map(|_| ExitCode::BadConfig))
                .or_else(|| cause.downcast_ref::<SecretMissing>().map(|_| ExitCode::BadConfig))
                .or_else(|| {
                    cause.downcast_ref::<StoreError>().map(|e| match e {
                        StoreError::MemoryLimit { .. } => ExitCode::BadConfig,
                    })
                })
                .or_else(|| cause.downcast_ref::<UnknownShop>().map(|_| ExitCode::Usage))
                .or_else(|| cause.downcast_ref::<UsageError>().map(|_| ExitCode::Usage))
        })
        .unwrap_or(ExitCode::Failure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_error_keeps_its_code_through_contexts() {
        let missing = crate::config::secret_from_env("SEQR_RECON_NO_SUCH_VARIABLE", "shop x").unwrap_err();
        let e = anyhow::Error::new(missing).context("marking shop x").context("closing");
        assert_eq!(exit_code_of(&e), ExitCode::BadConfig);
        let unknown = crate::config::UnknownShop { id: "x".into(), file: "f".into(), known: "a".into() };
        assert_eq!(exit_code_of(&anyhow::Error::new(unknown)), ExitCode::Usage);
        let limit = crate::store::StoreError::MemoryLimit {
            value: "lots".into(),
            source: duckdb::Error::InvalidParameterName("memory_limit".into()),
        };
        assert_eq!(exit_code_of(&anyhow::Error::new(limit).context("opening")), ExitCode::BadConfig);
        assert_eq!(exit_code_of(&anyhow::anyhow!("SEQR is down")), ExitCode::Failure);
    }
}
