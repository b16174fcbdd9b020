//! The batch's database connections. A close takes one only while its
//! statements run, never while it waits on SEQR, so every shop's close can
//! wait side by side on a few connections.

use crate::store::Store;

/// Connections shared by the closes of one batch: at most a few, as DuckDB
/// already spreads each statement over the cores, and each connection keeps
/// its own prepared statements.
pub struct Db {
    pool: std::sync::Mutex<Pool>,
    freed: std::sync::Condvar,
    max: usize,
}

struct Pool {
    /// Connections not in use.
    free: Vec<Store>,
    /// Connections opened so far.
    opened: usize,
    /// Opens another connection while fewer than `max` are open.
    origin: Store,
}

impl Db {
    /// Connections to the database `origin` is connected to: as many as the
    /// machine has cores, and two more.
    pub fn new(origin: Store) -> Db {
        let max = std::thread::available_parallelism().map_or(2, usize::from) + 2;
        Db {
            pool: std::sync::Mutex::new(Pool { free: Vec::new(), opened: 0, origin }),
            freed: std::sync::Condvar::new(),
            max,
        }
    }

    /// Runs `work` on a connection of its own, waiting for one to be free. On
    /// a multi-threaded runtime the thread tells the runtime it blocks, so the
    /// closes waiting on SEQR go on meanwhile.
    pub fn with<R>(&self, work: impl FnOnce(&Store) -> anyhow::Result<R>) -> anyhow::Result<R> {
        let run = || {
            let conn = self.take()?;
            let out = work(&conn);
            self.lock().free.push(conn);
            self.freed.notify_one();
            out
        };
        let multi_thread = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if multi_thread {
            tokio::task::block_in_place(run)
        } else {
            run()
        }
    }

    fn take(&self) -> anyhow::Result<Store> {
        let mut pool = self.lock();
        loop {
            if let Some(conn) = pool.free.pop() {
                return Ok(conn);
            }
            if pool.opened < self.max {
                let conn = pool.origin.try_clone()?;
                pool.opened += 1;
                return Ok(conn);
            }
            pool = self.freed.wait(pool).unwrap_or_else(std::sync::PoisonError::into_inner);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
