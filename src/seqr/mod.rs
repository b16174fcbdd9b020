//! Speaking SEQR's merchant SOAP API: envelopes out, responses and reports in.

pub mod client;
pub mod codes;
pub mod envelope;
pub mod report;
pub mod soap;
pub mod types;

pub use client::{Answer, FetchedReport, NotReady, ReportPolling, RetryPolicy, SeqrClient, SeqrError};
pub use codes::ResultCode;
pub use types::*;
