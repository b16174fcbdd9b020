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
}

impl From<ExitCode> for std::process::ExitCode {
    fn from(c: ExitCode) -> Self {
        std::process::ExitCode::from(c as u8)
    }
}

/// The code for a failed command: from the first error (the error itself, a
/// context added to it, or a cause in its chain) whose type knows its code;
/// else [`ExitCode::Failure`].
pub fn exit_code_of(e: &anyhow::Error) -> ExitCode {
    use crate::config::{ConfigError, SecretMissing, UnknownShop};
    use crate::store::StoreError;
    // anyhow finds a type added with `.context()` at any depth; `chain()` finds
    // one that is an error's `source()`.
    let found = None
        .or_else(|| e.downcast_ref::<ConfigError>().map(ConfigError::exit_code))
        .or_else(|| e.downcast_ref::<SecretMissing>().map(SecretMissing::exit_code))
        .or_else(|| e.downcast_ref::<UnknownShop>().map(UnknownShop::exit_code))
        .or_else(|| e.downcast_ref::<StoreError>().map(StoreError::exit_code));
    found
        .or_else(|| {
            e.chain().find_map(|cause| {
                None.or_else(|| cause.downcast_ref::<ConfigError>().map(ConfigError::exit_code))
                    .or_else(|| cause.downcast_ref::<SecretMissing>().map(SecretMissing::exit_code))
                    .or_else(|| cause.downcast_ref::<UnknownShop>().map(UnknownShop::exit_code))
                    .or_else(|| cause.downcast_ref::<StoreError>().map(StoreError::exit_code))
            })
        })
        .unwrap_or(ExitCode::Failure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn each_error_keeps_its_code_through_contexts() {
        let missing = crate::config::secret_from_env("SEQR_RECON_NO_SUCH_VARIABLE", "shop x").unwrap_err();
        let e = anyhow::Error::new(missing).context("marking shop x").context("closing");
        assert_eq!(exit_code_of(&e), ExitCode::BadConfig);
        let unknown = crate::config::UnknownShop { id: "x".into(), file: "f".into(), known: "a".into() };
        assert_eq!(exit_code_of(&anyhow::Error::new(unknown)), ExitCode::Usage);
        let limit: anyhow::Result<()> =
            Err(anyhow::anyhow!("duckdb said no")).context(crate::store::StoreError::MemoryLimit("lots".into()));
        assert_eq!(exit_code_of(&limit.unwrap_err().context("opening")), ExitCode::BadConfig);
        assert_eq!(exit_code_of(&anyhow::anyhow!("SEQR is down")), ExitCode::Failure);
    }
}
