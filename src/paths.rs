//! Output paths and durable writes.
//!
//! Names that come from outside (a SEQR period id, a shop id, an email id built
//! from them) become folder and file names only through [`component`], which
//! refuses anything that could leave the folder it is joined to. Files that
//! state points at are written with [`write_synced`]: on disk before the state
//! that names them commits.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;

/// `name` as one path component: letters, digits, '-', '_' and '.', not
/// starting with '.', at most 200 bytes. Anything else is refused with what
/// was wrong, so no outside value can name `..`, a separator or a hidden file.
pub fn component(name: &str) -> anyhow::Result<&str> {
    let ok = !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok {
        anyhow::bail!(
            "{name:?} cannot name a file or folder: only letters, digits, '-', '_' and '.' are allowed, \
             and it may not start with '.'"
        );
    }
    Ok(name)
}

/// `root/a/b/...`, each part checked with [`component`].
pub fn under(root: &Path, parts: &[&str]) -> anyhow::Result<PathBuf> {
    let mut path = root.to_path_buf();
    for part in parts {
        path.push(component(part)?);
    }
    Ok(path)
}

/// `{stem}{suffix}` as a file name, the stem checked with [`component`].
pub fn file_name(stem: &str, suffix: &str) -> anyhow::Result<String> {
    Ok(format!("{}{suffix}", component(stem)?))
}

/// `{file}{suffix}` in the same folder: the files that live beside the database.
pub fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.file_name().map(std::ffi::OsStr::to_os_string).unwrap_or_default();
    name.push(suffix);
    file.with_file_name(name)
}

/// Writes `bytes` to `path` through a temporary file beside it, syncs it,
/// renames it into place and syncs the folder: after this returns the file is
/// whole on disk, and before it nothing half-written has the name.
pub fn write_synced(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path.parent().context("a file to write has a folder")?;
    let name = path.file_name().context("a file to write has a name")?.to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    let written = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        crate::failpoint::new_space()?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(e) = written {
        // Nothing half-written is left behind (a full disk leaves an empty or cut file).
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("writing {}", tmp.display()));
    }
    std::fs::rename(&tmp, path).with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    sync_dir(dir)
}

/// Syncs a folder, so the names of files just created or renamed in it are on disk.
pub fn sync_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("syncing the folder {}", dir.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_their_folder_are_refused() {
        for bad in ["..", "../x", "a/b", "a\\b", ".hidden", "", "x\0y", "/abs", "p p"] {
            assert!(component(bad).is_err(), "{bad:?}");
        }
        assert_eq!(component("2026112121003312301000044").unwrap(), "2026112121003312301000044");
        let root = Path::new("/r");
        assert_eq!(under(root, &["shop-1", "P1"]).unwrap(), Path::new("/r/shop-1/P1"));
        let e = under(root, &["shop-1", "../../x"]).unwrap_err();
        assert!(e.to_string().contains("\"../../x\" cannot name a file or folder"), "{e}");
    }

    #[test]
    fn a_synced_write_leaves_the_whole_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.eml");
        write_synced(&path, b"hello").unwrap();
        write_synced(&path, b"again").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"again");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["a.eml"]);
    }
}
