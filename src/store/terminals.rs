//! Terminals registered through the back office.

use super::{queries, Store};
use crate::domain::ShopId;

impl Store {
    /// Records a terminal SEQR registered (never its password).
    pub fn record_registered_terminal(
        &self,
        terminal_id: &str,
        shop_id: &ShopId,
        name: &str,
        external_id: &str,
    ) -> anyhow::Result<()> {
        self.execute(
            queries::REGISTER_TERMINAL,
            &[("terminal_id", &terminal_id), ("shop_id", &shop_id), ("name", &name), ("external_id", &external_id)],
        )?;
        Ok(())
    }

    /// Records the SEQR sticker id of a terminal.
    pub fn record_seqr_id(&self, terminal_id: &str, seqr_id: &str) -> anyhow::Result<()> {
        self.execute(queries::ASSIGN_SEQR_ID, &[("terminal_id", &terminal_id), ("seqr_id", &seqr_id)])?;
        Ok(())
    }

    /// Records that a terminal was unregistered.
    pub fn record_unregistered(&self, terminal_id: &str) -> anyhow::Result<()> {
        self.execute(queries::UNREGISTER_TERMINAL, &[("terminal_id", &terminal_id)])?;
        Ok(())
    }
}
