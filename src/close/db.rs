//! The batch's database connections. A close takes one only while its
//! statements run, never while it waits on SEQR, so every shop's close can
//! wait side by side on a few connections.

use crate::store::Store;

/// Connections shared by the closes of one batch.
pub struct Db {
    pool: std::sync::Mutex<Pool>,
}

struct Pool {
    /// Connections not in use.
    free: Vec<Store>,
    /// Opens another connection when none is free.
    origin: Store,
}

impl Db {
    /// Connections to the database `origin` is connected to.
    pub fn new(origin: Store) -> Db {
        Db { pool: std::sync::Mutex::new(Pool { free: Vec::new(), origin }) }
    }

    /// Runs `work` on a connection of its own. On a multi-threaded runtime the
    /// thread tells the runtime it blocks, so the closes waiting on SEQR go on
    /// meanwhile.
    pub fn with<R>(&self, work: impl FnOnce(&Store) -> anyhow::Result<R>) -> anyhow::Result<R> {
        let conn = {
            let mut pool = self.lock();
            match pool.free.pop() {
                Some(conn) => conn,
                None => pool.origin.try_clone()?,
            }
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        let out = if multi_thread { tokio::task::block_in_place(|| work(&conn)) } else { work(&conn) };
        self.lock().free.push(conn);
        out
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
