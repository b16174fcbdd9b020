//! One process at a time closes a shop: a lock file per shop beside the database.

use std::path::PathBuf;

use anyhow::Context;

use crate::config::Config;
use crate::domain::ShopId;

/// Holds the shop's lock file; released when dropped or when the process dies.
pub struct ShopLock {
    _file: std::fs::File,
}

/// Takes the shop's lock, or says which process is closing it.
pub fn lock_shop(cfg: &Config, shop_id: &ShopId) -> anyhow::Result<ShopLock> {
    use fs4::fs_std::FileExt;
    use std::io::Write;
    let dir = lock_dir(cfg);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the lock folder {}", dir.display()))?;
    let path = dir.join(crate::paths::file_name(shop_id, ".lock")?);
    let file = std::fs::OpenOptions::new().create(true).truncate(false).read(true).write(true).open(&path)?;
    if !file.try_lock_exclusive()? {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        anyhow::bail!(
            "shop {shop_id} is being closed by another process ({}); wait for it to finish",
            if holder.trim().is_empty() { "unknown pid".to_string() } else { holder.trim().to_string() }
        );
    }
    let mut f = &file;
    f.set_len(0)?;
    write!(f, "pid {}", std::process::id())?;
    Ok(ShopLock { _file: file })
}

fn lock_dir(cfg: &Config) -> PathBuf {
    crate::paths::beside(&cfg.store.database, ".locks")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_cannot_take_a_shops_lock_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            "[seqr]\nendpoint = \"http://x\"\nclient_id = \"x\"\n[store]\ndatabase = {:?}\n",
            dir.path().join("db.duckdb")
        );
        let cfg = Config::parse(&text, "t.toml").unwrap();
        let [shop_1, shop_2] = ["shop-1", "shop-2"].map(ShopId::from_static);
        let first = lock_shop(&cfg, &shop_1).unwrap();
        let e = lock_shop(&cfg, &shop_1).err().expect("the lock is held");
        assert!(
            e.to_string().contains(&format!("being closed by another process (pid {})", std::process::id())),
            "{e}"
        );
        assert!(lock_shop(&cfg, &shop_2).is_ok(), "other shops are not blocked");
        drop(first);
        assert!(lock_shop(&cfg, &shop_1).is_ok());
    }
}
