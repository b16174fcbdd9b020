//! The mark journal: every period id SEQR returns, written to a file beside
//! the database (and synced) before the database records it.
//!
//! A period id lives nowhere else until `record_period` commits. If that write
//! fails (disk full, a crash), the next run finds the id here and resumes the
//! close with it, instead of stopping in `mark_unknown` for a period that SEQR
//! did make. One JSON object per line.
//!
//! The line is written in two steps, so that recording SEQR's answer never
//! needs space the disk may not have: before the call a [`Slot`] of blanks is
//! appended and synced (no space: the mark is not sent); after the answer the
//! slot is overwritten in place. A slot never filled (the process died during
//! the call) is not an entry.

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

/// The length of a slot, newline included: room for any entry (ids are bounded).
const SLOT_BYTES: usize = 1024;

/// Room in the journal for one answer, written and synced before the call.
#[derive(Debug)]
pub struct Slot {
    path: PathBuf,
    offset: u64,
}

/// `text` padded with blanks to a whole slot (JSON allows trailing blanks).
fn slot_line(mut text: String) -> Option<String> {
    if text.len() >= SLOT_BYTES {
        return None;
    }
    text.extend(std::iter::repeat_n(' ', SLOT_BYTES - 1 - text.len()));
    text.push('\n');
    Some(text)
}

/// Appends and syncs a slot for the answer of the mark of `close_id` and `scope`.
pub fn reserve(path: &Path, close_id: &str, scope: &str) -> anyhow::Result<Slot> {
    use fs4::fs_std::FileExt;
    let placeholder = serde_json::json!({ "reserved_for": close_id, "scope": scope }).to_string();
    let line = slot_line(placeholder).context("a close id and scope fit a journal slot")?;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening the mark journal {}", path.display()))?;
    // Another process may append for its own shops: the slot's place is taken under the lock.
    file.lock_exclusive().with_context(|| format!("locking the mark journal {}", path.display()))?;
    let written = (|| {
        let offset = file.metadata()?.len();
        crate::failpoint::new_space()?;
        file.write_all(line.as_bytes())?;
        file.sync_data()?;
        Ok::<_, std::io::Error>(offset)
    })();
    let _ = FileExt::unlock(&file);
    let offset = written.with_context(|| {
        format!("making room in the mark journal {} for SEQR's answer; the mark was not sent", path.display())
    })?;
    crate::failpoint::failpoint("journal_reserved");
    Ok(Slot { path: path.to_path_buf(), offset })
}

impl Slot {
    /// The journal the slot is in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `entry` over the slot and syncs it: no new space is needed.
    pub fn fill(&self, entry: &MarkEntry) -> anyhow::Result<()> {
        use std::os::unix::fs::FileExt;
        let Some(line) = slot_line(serde_json::to_string(entry)?) else {
            return append(&self.path, entry);
        };
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.path)
            .with_context(|| format!("opening the mark journal {}", self.path.display()))?;
        file.write_all_at(line.as_bytes(), self.offset)
            .with_context(|| format!("writing the mark journal {}", self.path.display()))?;
        file.sync_data().with_context(|| format!("syncing the mark journal {}", self.path.display()))?;
        Ok(())
    }
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
    crate::failpoint::new_space().with_context(|| format!("writing the mark journal {}", path.display()))?;
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

    #[test]
    fn a_slot_reserved_before_the_call_is_filled_in_place_and_an_unfilled_one_is_no_entry() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(&dir.path().join("recon.duckdb"));
        let first = reserve(&path, "c1", "shop").unwrap();
        let second = reserve(&path, "c2", "shop").unwrap();
        let size = std::fs::metadata(&path).unwrap().len();
        assert_eq!(size, 2 * SLOT_BYTES as u64);
        assert_eq!(find(&path, "c1", "shop").unwrap(), None, "a reserved slot is not an answer");
        second.fill(&entry("c2", "shop", "2026112221003312301000045")).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().len(), size, "filling takes no new space");
        assert_eq!(find(&path, "c2", "shop").unwrap().unwrap().period_id, "2026112221003312301000045");
        assert_eq!(find(&path, "c1", "shop").unwrap(), None, "the other slot is still empty");
        first.fill(&entry("c1", "shop", "2026112121003312301000044")).unwrap();
        assert_eq!(find(&path, "c1", "shop").unwrap().unwrap().period_id, "2026112121003312301000044");
    }
}
