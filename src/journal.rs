//! The mark journal: every period id SEQR returns, written to a file beside
//! the database (and synced) before the database records it.
//!
//! A period id lives nowhere else until `record_period` commits. If that write
//! fails (disk full, a crash), the next run finds the id here and resumes the
//! close with it, instead of stopping in `mark_unknown` for a period that SEQR
//! did make. One JSON object per line, appended, never rewritten.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// One markTransactionPeriod that SEQR answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkEntry {
    /// The close that marked.
    pub close_id: String,
    /// `shop`, or the terminal id of a terminal-level period.
    pub scope: String,
    /// The period id SEQR returned.
    pub period_id: String,
    /// The clientReference of the call.
    pub client_reference: String,
    /// SHA-256 of SEQR's raw answer, for provenance.
    pub response_sha256: String,
}

/// `{database}.marks`.
pub fn path_for(database: &Path) -> PathBuf {
    crate::paths::beside(database, ".marks")
}

/// Appends `entry` and syncs the file to disk.
pub fn append(path: &Path, entry: &MarkEntry) -> anyhow::Result<()> {
    let mut line = serde_json::to_string(entry)?;
    line.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the mark journal {}", path.display()))?;
    file.write_all(line.as_bytes()).with_context(|| format!("writing the mark journal {}", path.display()))?;
    file.sync_data().with_context(|| format!("syncing the mark journal {}", path.display()))?;
    Ok(())
}

/// The period SEQR returned for this close and scope, if the journal has it.
/// A line cut short by a crash is skipped: it is always the last one, written
/// for a mark that then never reached the database either.
pub fn find(path: &Path, close_id: &str, scope: &str) -> anyhow::Result<Option<MarkEntry>> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading the mark journal {}", path.display())),
    };
    let mut found = None;
    for line in std::io::BufReader::new(file).lines() {
        let line = line.with_context(|| format!("reading the mark journal {}", path.display()))?;
        if let Ok(entry) = serde_json::from_str::<MarkEntry>(&line) {
            if entry.close_id == close_id && entry.scope == scope {
                found = Some(entry);
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(close_id: &str, scope: &str, period_id: &str) -> MarkEntry {
        MarkEntry {
            close_id: close_id.into(),
            scope: scope.into(),
            period_id: period_id.into(),
            client_reference: "ref-1".into(),
            response_sha256: "ab".into(),
        }
    }

    #[test]
    fn an_appended_mark_is_found_by_close_and_scope_and_a_torn_last_line_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("recon.duckdb"));
        assert_eq!(path.file_name().unwrap(), "recon.duckdb.marks");
        assert_eq!(find(&path, "c1", "shop").unwrap(), None, "no journal yet");
        append(&path, &entry("c1", "shop", "2026112121003312301000044")).unwrap();
        append(&path, &entry("c2", "t1", "2026112221003312301000045")).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{\"close_id\":\"c3\",").unwrap();
        assert_eq!(find(&path, "c1", "shop").unwrap().unwrap().period_id, "2026112121003312301000044");
        assert_eq!(find(&path, "c2", "t1").unwrap().unwrap().period_id, "2026112221003312301000045");
        assert_eq!(find(&path, "c2", "shop").unwrap(), None);
    }
}
