//! A SEQR simulator: the same SOAP over HTTP, with SEQR's documented behaviour
//! (the 20-second rule, refunds, periods, reports) and switches for faults.

pub mod config;
pub mod report_render;
pub mod server;
pub mod state;

pub use config::SimConfig;
pub use server::{spawn, AfterActing, Faults, SimClock, Simulator};
