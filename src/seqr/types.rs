//! Typed SEQR requests and responses, named after the WSDL's elements.
// Names are the WSDL's (ERSWSExternalClientService.wsdl documents each), so items
// here carry a doc comment only where they add to it.
#![allow(missing_docs)]

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use secrecy::SecretString;

/// Who makes a call: the back office (`RESELLERUSER`) or one point of sale (`TERMINALID`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    ResellerUser { reseller_id: String, user_id: String },
    Terminal { terminal_id: String },
}

/// The `context` element's fixed parts; `clientReference` is made per call.
#[derive(Debug, Clone)]
pub struct ClientContext {
    pub client_id: String,
    pub principal: Principal,
    pub password: SecretString,
    /// Who this context speaks for, in words (`shop stockholm-1`), for error messages.
    pub who: String,
}

/// `amount`: a currency and an exact value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Amount {
    pub currency: String,
    pub value: Decimal,
}

/// `paymentInvoiceRow`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct InvoiceRow {
    pub description: Option<String>,
    pub quantity: Decimal,
    pub total: Decimal,
    pub unit_price: Option<Decimal>,
    pub sku: Option<String>,
}

/// `invoice`: what the customer is asked to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invoice {
    /// `IMMEDIATE_DEBIT` (default) or `RESERVATION_REQUIRED` / `RESERVATION_DESIRED` for preliminary payments.
    pub payment_mode: Option<String>,
    pub acknowledgment_mode: Option<String>,
    pub issue_date: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub client_invoice_id: Option<String>,
    pub rows: Vec<InvoiceRow>,
    pub total: Amount,
    pub cashier_id: Option<String>,
    pub footer: Option<String>,
    pub back_url: Option<String>,
    pub notification_url: Option<String>,
}

impl Invoice {
    /// An invoice with one row for the whole amount.
    pub fn simple(title: &str, currency: &str, total: Decimal) -> Invoice {
        Invoice {
            payment_mode: None,
            acknowledgment_mode: None,
            issue_date: None,
            title: Some(title.to_string()),
            client_invoice_id: None,
            rows: vec![InvoiceRow {
                description: Some(title.to_string()),
                quantity: Decimal::ONE,
                total,
                ..InvoiceRow::default()
            }],
            total: Amount { currency: currency.to_string(), value: total },
            cashier_id: None,
            footer: None,
            back_url: None,
            notification_url: None,
        }
    }
}

/// `receiptDocument` for submitPaymentReceipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptDocument {
    pub mime_type: String,
    /// Raw bytes; written as base64.
    pub data: Vec<u8>,
    pub receipt_type: Option<String>,
}

/// One SEQR operation with its arguments (everything after `context`).
#[derive(Debug, Clone)]
pub enum Request {
    SendInvoice { invoice: Invoice },
    UpdateInvoice { invoice_reference: String, invoice: Invoice },
    GetPaymentStatus { invoice_reference: String, invoice_version: i32 },
    CancelInvoice { invoice_reference: String },
    CommitReservation { invoice_reference: String },
    SubmitPaymentReceipt { ers_reference: String, receipt: ReceiptDocument },
    RefundPayment { ers_reference: String, invoice: Invoice },
    RegisterTerminal { external_terminal_id: String, password: SecretString, name: String },
    UnregisterTerminal,
    AssignSeqrId { seqr_id: String },
    MarkTransactionPeriod { parameters: Vec<(String, String)> },
    ExecuteReport { report_id: String, language: String, parameters: Vec<(String, String)> },
}

impl Request {
    /// The operation element's name.
    pub fn operation(&self) -> &'static str {
        match self {
            Request::SendInvoice { .. } => "sendInvoice",
            Request::UpdateInvoice { .. } => "updateInvoice",
            Request::GetPaymentStatus { .. } => "getPaymentStatus",
            Request::CancelInvoice { .. } => "cancelInvoice",
            Request::CommitReservation { .. } => "commitReservation",
            Request::SubmitPaymentReceipt { .. } => "submitPaymentReceipt",
            Request::RefundPayment { .. } => "refundPayment",
            Request::RegisterTerminal { .. } => "registerTerminal",
            Request::UnregisterTerminal => "unregisterTerminal",
            Request::AssignSeqrId { .. } => "assignSeqrId",
            Request::MarkTransactionPeriod { .. } => "markTransactionPeriod",
            Request::ExecuteReport { .. } => "executeReport",
        }
    }

    /// Elements of the answer whose text can be huge and is read from the raw
    /// body instead of being copied (a report's document, twice over).
    pub fn bulky_leaves(&self) -> &'static [&'static str] {
        match self {
            Request::ExecuteReport { .. } => &["content", "contentString"],
            _ => &[],
        }
    }

    /// Whether sending this twice could act twice (a second period, payment or refund).
    /// Such a call is never retried once it may have reached SEQR.
    pub fn acts_once(&self) -> bool {
        matches!(
            self,
            Request::SendInvoice { .. }
                | Request::RefundPayment { .. }
                | Request::RegisterTerminal { .. }
                | Request::MarkTransactionPeriod { .. }
                | Request::CommitReservation { .. }
        )
    }
}

/// Invoice states (`invoiceStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvoiceStatus {
    Issued,
    Paid,
    PartiallyPaid,
    PendingIssuerAcknowledge,
    Canceled,
    Failed,
    Reserved,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 7] = [
        InvoiceStatus::Issued,
        InvoiceStatus::Paid,
        InvoiceStatus::PartiallyPaid,
        InvoiceStatus::PendingIssuerAcknowledge,
        InvoiceStatus::Canceled,
        InvoiceStatus::Failed,
        InvoiceStatus::Reserved,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Issued => "ISSUED",
            InvoiceStatus::Paid => "PAID",
            InvoiceStatus::PartiallyPaid => "PARTIALLY_PAID",
            InvoiceStatus::PendingIssuerAcknowledge => "PENDING_ISSUER_ACKNOWLEDGE",
            InvoiceStatus::Canceled => "CANCELED",
            InvoiceStatus::Failed => "FAILED",
            InvoiceStatus::Reserved => "RESERVED",
        }
    }

    pub fn parse(s: &str) -> Option<InvoiceStatus> {
        Some(match s {
            "ISSUED" => InvoiceStatus::Issued,
            "PAID" => InvoiceStatus::Paid,
            "PARTIALLY_PAID" => InvoiceStatus::PartiallyPaid,
            "PENDING_ISSUER_ACKNOWLEDGE" => InvoiceStatus::PendingIssuerAcknowledge,
            "CANCELED" => InvoiceStatus::Canceled,
            "FAILED" => InvoiceStatus::Failed,
            "RESERVED" => InvoiceStatus::Reserved,
            _ => return None,
        })
    }
}

/// What sendInvoice returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentInvoice {
    pub invoice_reference: String,
    pub qr_code: Option<String>,
}

/// What getPaymentStatus returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentStatus {
    pub status: InvoiceStatus,
    pub version: i32,
    pub ers_reference: Option<String>,
    pub receipt_terminal_id: Option<String>,
    pub payment_date: Option<String>,
    /// What the receipt says was paid: `receipt/invoice/totalAmount/value`.
    pub receipt_total: Option<Decimal>,
    /// The payer's SEQR terminal: `receipt/payerTerminalId`.
    pub payer_terminal_id: Option<String>,
    /// Who was paid, as the payer saw it: `receipt/receiverName`.
    pub receiver_name: Option<String>,
}

/// The four reconciliation reports.
pub mod report_ids {
    pub const SHOP_SUMMARY: &str = "Reconciliation/Shop.xml";
    pub const SHOP_DETAIL: &str = "Reconciliation/STD_RECON_003.xml";
    pub const TERMINAL_SUMMARY: &str = "Reconciliation/STD_RECON_006.xml";
    pub const TERMINAL_DETAIL: &str = "Reconciliation/STD_RECON_007.xml";
    /// The shop summary's older name.
    pub const SHOP_SUMMARY_OLD: &str = "Reconciliation/STD_RECON_001.xml";

    /// Whether a report id names a summary report (count and total) rather than details.
    pub fn is_summary(report_id: &str) -> bool {
        matches!(report_id, SHOP_SUMMARY | TERMINAL_SUMMARY | SHOP_SUMMARY_OLD)
    }
}

// The id checks live with the ids (`domain`); SEQR's answers are checked with them here.
pub use crate::domain::ids::{
    check_ers_reference, check_period_id, check_plain_id as check_invoice_reference,
    check_plain_id as check_terminal_id, seqr_time,
};
