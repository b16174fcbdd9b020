//! One close of one shop: the persisted state machine
//! `intent → marking → marked → fetched → reconciled → exported → emailed`.
//!
//! Every step commits its state before the next begins, so a close killed at
//! any point is resumed by the next `run` or `schedule` without marking again.
//! The rooms, each importing only those after it: [`batch`] closes many
//! shops at once; [`shop`] closes one, moving it between the steps, one file
//! each: [`mark`], [`fetch`], [`reconcile`], [`export`], [`deliver`] and
//! [`publish`] (to the lake); they use
//! [`context`] (what the closes of a process share), [`db`] (the batch's
//! connections), [`together`] (the closes ready at the same moment classify,
//! check and read their rows in one statement) and [`lock`] (two processes
//! never close one shop).

mod batch;
mod context;
mod db;
mod deliver;
mod export;
mod fetch;
mod lock;
mod mark;
mod publish;
mod reconcile;
mod shop;
mod together;

pub use batch::{run_batch, Batch, BatchOutcome};
pub use context::{CloseContext, CloseOptions, InboxGate};
pub use db::Db;
pub use deliver::resend;
pub use lock::{lock_shop, ShopLock};
pub use shop::{run_once, CloseOutcome};
