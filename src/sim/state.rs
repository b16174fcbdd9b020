//! SEQR's behaviour, without HTTP: principals, invoices, the 20-second rule,
//! refunds, periods and reports. Every method takes the simulated `now`.
// The simulator's model mirrors SEQR's schema (the WSDL names every field).
#![allow(missing_docs)]

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::SimConfig;
use crate::seqr::codes::ResultCode;
use crate::seqr::types::InvoiceStatus;

/// A refusal: the result code and its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub ResultCode, pub String);

pub type Outcome<T> = Result<T, Refusal>;

fn refuse<T>(code: ResultCode, text: impl Into<String>) -> Outcome<T> {
    Err(Refusal(code, text.into()))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reseller {
    pub user_id: String,
    pub password: String,
    pub currency: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Terminal {
    pub reseller_id: String,
    pub external_id: String,
    pub name: String,
    pub password: String,
    pub seqr_id: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SimInvoice {
    pub terminal_id: String,
    pub reseller_id: String,
    pub status: InvoiceStatus,
    pub version: i32,
    pub total: Decimal,
    pub currency: String,
    pub cashier_id: Option<String>,
    pub reservation: bool,
    pub paid_at: Option<DateTime<Utc>>,
    pub acknowledged: bool,
    pub reversed: bool,
    pub ers_reference: Option<String>,
    /// What the receipt shows of the invoice as the till sent it.
    #[serde(default)]
    pub receipt: ReceiptInvoice,
}

/// The parts of an invoice a receipt repeats (`receipt/invoice` in the WSDL).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReceiptInvoice {
    pub title: Option<String>,
    pub client_invoice_id: Option<String>,
    pub rows: Vec<ReceiptRow>,
}

/// One invoice row as a receipt repeats it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReceiptRow {
    pub description: Option<String>,
    pub quantity: String,
    pub total: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SaleKind {
    Payment,
    Refund,
}

/// A completed payment or refund: what reconciliation reports list.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sale {
    pub ers_reference: String,
    pub reseller_id: String,
    pub terminal_id: String,
    pub cashier_id: Option<String>,
    pub amount: Decimal,
    pub kind: SaleKind,
    pub at: DateTime<Utc>,
    pub refunded: Decimal,
    pub receipt: Option<Vec<u8>>,
    pub shop_period: Option<String>,
    pub terminal_period: Option<String>,
}

impl Sale {
    /// A sale just completed, in no period yet.
    fn new(
        ers_reference: String,
        reseller_id: String,
        terminal_id: String,
        cashier_id: Option<String>,
        amount: Decimal,
        kind: SaleKind,
        at: DateTime<Utc>,
    ) -> Sale {
        Sale {
            ers_reference,
            reseller_id,
            terminal_id,
            cashier_id,
            amount,
            kind,
            at,
            refunded: Decimal::ZERO,
            receipt: None,
            shop_period: None,
            terminal_period: None,
        }
    }
}

/// One markTransactionPeriod.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    pub reseller_id: String,
    pub terminal_id: Option<String>,
    pub marked_at: DateTime<Utc>,
    pub report_calls: u32,
    pub sales: Vec<usize>,
}

/// Who a request's context says it is, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Reseller(String),
    Terminal { terminal_id: String, reseller_id: String },
}

impl Caller {
    pub fn reseller_id(&self) -> &str {
        match self {
            Caller::Reseller(r) => r,
            Caller::Terminal { reseller_id, .. } => reseller_id,
        }
    }
}

/// Everything SEQR remembers. Serialisable so `--state` survives restarts.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SimState {
    pub resellers: BTreeMap<String, Reseller>,
    pub terminals: BTreeMap<String, Terminal>,
    pub invoices: HashMap<String, SimInvoice>,
    pub sales: Vec<Sale>,
    pub sales_by_ers: HashMap<String, usize>,
    pub periods: BTreeMap<String, Period>,
    pub seq: u64,
}

/// An invoice as sent: its total, currency and rows' sum.
#[derive(Debug, Clone)]
pub struct InvoiceInput {
    pub total: Decimal,
    pub currency: String,
    pub rows_sum: Decimal,
    pub row_count: usize,
    pub cashier_id: Option<String>,
    pub reservation: bool,
    pub receipt: ReceiptInvoice,
}

/// What getPaymentStatus reports.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: InvoiceStatus,
    pub version: i32,
    pub ers_reference: Option<String>,
    pub terminal_id: String,
    pub paid_at: Option<DateTime<Utc>>,
    pub total: Decimal,
    pub currency: String,
    pub cashier_id: Option<String>,
    pub receipt: ReceiptInvoice,
    /// The paid terminal's name, as the payer's app shows it.
    pub receiver_name: String,
}

/// Which rows a report covers, and for what.
#[derive(Debug, Clone)]
pub struct ReportData {
    pub reseller_id: String,
    pub terminal_id: Option<String>,
    pub period_id: String,
    pub generated_at: DateTime<Utc>,
    pub sales: Vec<Sale>,
}

pub enum ReportReadiness {
    NotReady,
    Ready(ReportData),
}

impl SimState {
    /// A state holding the principals of `cfg`.
    pub fn from_config(cfg: &SimConfig) -> SimState {
        let mut s = SimState::default();
        s.apply_config(cfg);
        s
    }

    /// Adds (or updates) the principals of `cfg`, keeping everything else.
    pub fn apply_config(&mut self, cfg: &SimConfig) {
        for r in &cfg.resellers {
            self.resellers.insert(
                r.id.clone(),
                Reseller { user_id: r.user_id.clone(), password: r.password.clone(), currency: r.currency.clone() },
            );
            for t in &r.terminals {
                self.terminals.insert(
                    t.id.clone(),
                    Terminal {
                        reseller_id: r.id.clone(),
                        external_id: t.id.clone(),
                        name: t.name.clone(),
                        password: t.password.clone(),
                        seqr_id: None,
                        active: true,
                    },
                );
            }
        }
    }

    /// A 25-digit reference: UTC time to the second, then a running number.
    fn next_reference(&mut self, now: DateTime<Utc>) -> String {
        self.seq += 1;
        format!("{}{:011}", now.format("%Y%m%d%H%M%S"), self.seq % 100_000_000_000)
    }

    pub fn authenticate(&self, kind: &str, id: &str, user_id: Option<&str>, password: &str) -> Outcome<Caller> {
        match kind {
            "RESELLERUSER" => {
                let Some(r) = self.resellers.get(id).filter(|r| user_id.is_none_or(|u| u == r.user_id)) else {
                    return refuse(ResultCode::INITIATOR_PRINCIPAL_NOT_FOUND, format!("unknown reseller user {id}"));
                };
                if r.password != password {
                    return refuse(ResultCode::AUTHENTICATION_FAILED, "authentication failed");
                }
                Ok(Caller::Reseller(id.to_string()))
            }
            "TERMINALID" => {
                let Some(t) = self.terminals.get(id).filter(|t| t.active) else {
                    return refuse(ResultCode::INVALID_INITIATOR_PRINCIPAL_ID, format!("unknown terminal {id}"));
                };
                if t.password != password {
                    return refuse(ResultCode::AUTHENTICATION_FAILED, "authentication failed");
                }
                Ok(Caller::Terminal { terminal_id: id.to_string(), reseller_id: t.reseller_id.clone() })
            }
            other => refuse(ResultCode::INVALID_INITIATOR_PRINCIPAL_ID, format!("unknown principal type {other:?}")),
        }
    }

    fn terminal_of(caller: &Caller) -> Outcome<&str> {
        match caller {
            Caller::Terminal { terminal_id, .. } => Ok(terminal_id),
            Caller::Reseller(_) => {
                refuse(ResultCode::INVALID_INITIATOR_PRINCIPAL_ID, "this call needs a TERMINALID principal")
            }
        }
    }

    fn check_invoice(&self, caller: &Caller, inv: &InvoiceInput) -> Outcome<()> {
        let currency = &self.resellers[caller.reseller_id()].currency;
        if &inv.currency != currency {
            return refuse(ResultCode::INVALID_INVOICE_DATA, format!("currency {} is not {currency}", inv.currency));
        }
        if inv.total <= Decimal::ZERO {
            return refuse(ResultCode::INVALID_INVOICE_DATA, "totalAmount must be positive");
        }
        if inv.row_count > 0 && inv.rows_sum != inv.total {
            return refuse(
                ResultCode::INVALID_INVOICE_DATA,
                format!("invoice rows sum to {} but totalAmount is {}", inv.rows_sum, inv.total),
            );
        }
        Ok(())
    }

    pub fn send_invoice(&mut self, caller: &Caller, inv: InvoiceInput, now: DateTime<Utc>) -> Outcome<String> {
        let terminal_id = Self::terminal_of(caller)?.to_string();
        self.check_invoice(caller, &inv)?;
        let reference = format!("R{}", self.next_reference(now));
        self.invoices.insert(
            reference.clone(),
            SimInvoice {
                terminal_id,
                reseller_id: caller.reseller_id().to_string(),
                status: InvoiceStatus::Issued,
                version: 1,
                total: inv.total,
                currency: inv.currency,
                cashier_id: inv.cashier_id,
                reservation: inv.reservation,
                paid_at: None,
                acknowledged: false,
                reversed: false,
                ers_reference: None,
                receipt: inv.receipt,
            },
        );
        Ok(reference)
    }

    fn invoice_mut(&mut self, caller: &Caller, reference: &str) -> Outcome<&mut SimInvoice> {
        let terminal_id = Self::terminal_of(caller)?.to_string();
        match self.invoices.get_mut(reference) {
            Some(i) if i.terminal_id == terminal_id => Ok(i),
            _ => refuse(ResultCode::INVALID_INVOICE_REFERENCE, format!("no invoice {reference} for this terminal")),
        }
    }

    /// The 20-second rule: a payment nobody polled for in time is reversed.
    fn reverse_if_unacknowledged(inv: &mut SimInvoice, now: DateTime<Utc>, window_secs: f64) {
        if inv.status == InvoiceStatus::Paid && !inv.acknowledged {
            if let Some(paid) = inv.paid_at {
                let deadline = paid + chrono::Duration::milliseconds((window_secs * 1000.0) as i64);
                if now > deadline {
                    inv.status = InvoiceStatus::Failed;
                    inv.reversed = true;
                    inv.version += 1;
                }
            }
        }
    }

    pub fn payment_status(
        &mut self,
        caller: &Caller,
        reference: &str,
        now: DateTime<Utc>,
        window_secs: f64,
    ) -> Outcome<StatusView> {
        let inv = self.invoice_mut(caller, reference)?;
        Self::reverse_if_unacknowledged(inv, now, window_secs);
        let newly_acknowledged = inv.status == InvoiceStatus::Paid && !inv.acknowledged;
        if newly_acknowledged {
            inv.acknowledged = true;
        }
        let mut view = StatusView {
            status: inv.status,
            version: inv.version,
            ers_reference: inv.ers_reference.clone(),
            terminal_id: inv.terminal_id.clone(),
            paid_at: inv.paid_at,
            total: inv.total,
            currency: inv.currency.clone(),
            cashier_id: inv.cashier_id.clone(),
            receipt: inv.receipt.clone(),
            receiver_name: String::new(),
        };
        if newly_acknowledged {
            let (reseller_id, cashier_id) = (inv.reseller_id.clone(), inv.cashier_id.clone());
            let ers = view.ers_reference.clone().expect("a PAID invoice has an ersReference");
            self.book(Sale::new(
                ers,
                reseller_id,
                view.terminal_id.clone(),
                cashier_id,
                view.total,
                SaleKind::Payment,
                now,
            ));
        }
        view.receiver_name = self.terminals.get(&view.terminal_id).map(|t| t.name.clone()).unwrap_or_default();
        Ok(view)
    }

    fn book(&mut self, sale: Sale) {
        // A refund listed under its payment's reference leaves the reference naming the payment.
        self.sales_by_ers.entry(sale.ers_reference.clone()).or_insert(self.sales.len());
        self.sales.push(sale);
    }

    /// What the customer's phone does: pay (or reserve) an ISSUED invoice.
    pub fn customer_pay(&mut self, reference: &str, now: DateTime<Utc>) -> Result<InvoiceStatus, String> {
        let ers = self.next_reference(now);
        let inv = self.invoices.get_mut(reference).ok_or_else(|| format!("no invoice {reference}"))?;
        if inv.status != InvoiceStatus::Issued {
            return Err(format!("invoice {reference} is {}, not ISSUED", inv.status.as_str()));
        }
        inv.version += 1;
        if inv.reservation {
            inv.status = InvoiceStatus::Reserved;
        } else {
            inv.status = InvoiceStatus::Paid;
            inv.paid_at = Some(now);
            inv.ers_reference = Some(ers);
        }
        Ok(inv.status)
    }

    pub fn update_invoice(&mut self, caller: &Caller, reference: &str, input: InvoiceInput) -> Outcome<()> {
        self.check_invoice(caller, &input)?;
        let inv = self.invoice_mut(caller, reference)?;
        if !matches!(inv.status, InvoiceStatus::Issued | InvoiceStatus::Reserved) {
            return refuse(ResultCode::INVALID_INVOICE_DATA, format!("invoice is {}", inv.status.as_str()));
        }
        inv.total = input.total;
        if input.cashier_id.is_some() {
            inv.cashier_id = input.cashier_id;
        }
        if input.row_count > 0 {
            inv.receipt = input.receipt;
        }
        inv.version += 1;
        Ok(())
    }

    pub fn cancel_invoice(
        &mut self,
        caller: &Caller,
        reference: &str,
        now: DateTime<Utc>,
        window_secs: f64,
    ) -> Outcome<()> {
        let inv = self.invoice_mut(caller, reference)?;
        Self::reverse_if_unacknowledged(inv, now, window_secs);
        match inv.status {
            InvoiceStatus::Paid => refuse(ResultCode::CANNOT_CANCEL_PAID_INVOICE, "invoice is paid"),
            InvoiceStatus::Canceled | InvoiceStatus::Failed => {
                refuse(ResultCode::INVOICE_ALREADY_CANCELED, "invoice already canceled")
            }
            InvoiceStatus::PendingIssuerAcknowledge => {
                refuse(ResultCode::CANNOT_CANCEL_INVOICE_IN_PROGRESS, "payment in progress")
            }
            _ => {
                inv.status = InvoiceStatus::Canceled;
                inv.version += 1;
                Ok(())
            }
        }
    }

    pub fn commit_reservation(&mut self, caller: &Caller, reference: &str, now: DateTime<Utc>) -> Outcome<String> {
        let ers = self.next_reference(now);
        let inv = self.invoice_mut(caller, reference)?;
        if inv.status != InvoiceStatus::Reserved {
            return refuse(ResultCode::INVOICE_STATE_NOT_RESERVED, format!("invoice is {}", inv.status.as_str()));
        }
        inv.status = InvoiceStatus::Paid;
        inv.version += 1;
        inv.paid_at = Some(now);
        inv.acknowledged = true;
        inv.ers_reference = Some(ers.clone());
        let sale = Sale::new(
            ers.clone(),
            inv.reseller_id.clone(),
            inv.terminal_id.clone(),
            inv.cashier_id.clone(),
            inv.total,
            SaleKind::Payment,
            now,
        );
        self.book(sale);
        Ok(ers)
    }

    fn sale_of(&mut self, caller: &Caller, ers: &str) -> Outcome<usize> {
        match self.sales_by_ers.get(ers) {
            Some(&i) if self.sales[i].reseller_id == caller.reseller_id() => Ok(i),
            _ => refuse(ResultCode::INVALID_ERS_REFERENCE, format!("unknown ersReference {ers}")),
        }
    }

    pub fn submit_receipt(&mut self, caller: &Caller, ers: &str, data: Vec<u8>) -> Outcome<()> {
        let i = self.sale_of(caller, ers)?;
        self.sales[i].receipt = Some(data);
        Ok(())
    }

    pub fn refund(
        &mut self,
        caller: &Caller,
        ers: &str,
        amount: Decimal,
        currency: &str,
        now: DateTime<Utc>,
        share_reference: bool,
    ) -> Outcome<String> {
        let i = self.sale_of(caller, ers)?;
        let original = &self.sales[i];
        if original.kind != SaleKind::Payment {
            return refuse(ResultCode::INVALID_ERS_REFERENCE, format!("{ers} is a refund, not a payment"));
        }
        if currency != self.resellers[caller.reseller_id()].currency || amount <= Decimal::ZERO {
            return refuse(ResultCode::INVALID_INVOICE_DATA, "refund amount must be positive, in the shop's currency");
        }
        if original.refunded + amount > original.amount {
            return refuse(
                ResultCode::SUM_OF_REFUNDS_EXCEEDS_ORIGINAL,
                format!("refunds would total {} of {}", original.refunded + amount, original.amount),
            );
        }
        let terminal_id = match caller {
            Caller::Terminal { terminal_id, .. } => terminal_id.clone(),
            Caller::Reseller(_) => original.terminal_id.clone(),
        };
        let cashier_id = original.cashier_id.clone();
        self.sales[i].refunded += amount;
        let refund_ers = if share_reference { ers.to_string() } else { self.next_reference(now) };
        self.book(Sale::new(
            refund_ers.clone(),
            caller.reseller_id().to_string(),
            terminal_id,
            cashier_id,
            -amount,
            SaleKind::Refund,
            now,
        ));
        Ok(refund_ers)
    }

    pub fn register_terminal(
        &mut self,
        caller: &Caller,
        external_id: &str,
        password: &str,
        name: &str,
    ) -> Outcome<String> {
        let Caller::Reseller(reseller_id) = caller else {
            return refuse(
                ResultCode::INVALID_INITIATOR_PRINCIPAL_ID,
                "registerTerminal needs a RESELLERUSER principal",
            );
        };
        if password.chars().count() < 4 {
            return refuse(ResultCode::ACCESS_DENIED, "terminal password shorter than 4 characters");
        }
        let id: String = (0..32).map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap()).collect();
        self.terminals.insert(
            id.clone(),
            Terminal {
                reseller_id: reseller_id.clone(),
                external_id: external_id.to_string(),
                name: name.to_string(),
                password: password.to_string(),
                seqr_id: None,
                active: true,
            },
        );
        Ok(id)
    }

    pub fn unregister_terminal(&mut self, caller: &Caller) -> Outcome<()> {
        let id = Self::terminal_of(caller)?.to_string();
        if let Some(t) = self.terminals.get_mut(&id) {
            t.active = false;
        }
        Ok(())
    }

    pub fn assign_seqr_id(&mut self, caller: &Caller, seqr_id: &str) -> Outcome<()> {
        let id = Self::terminal_of(caller)?.to_string();
        if seqr_id.is_empty() || !seqr_id.chars().all(|c| c.is_ascii_alphanumeric()) {
            return refuse(ResultCode::INVALID_SEQR_ID, "seqrId must be alphanumeric");
        }
        if self.terminals.iter().any(|(tid, t)| *tid != id && t.active && t.seqr_id.as_deref() == Some(seqr_id)) {
            return refuse(ResultCode::INVALID_SEQR_ID, "seqrId is assigned to another terminal");
        }
        if let Some(t) = self.terminals.get_mut(&id) {
            t.seqr_id = Some(seqr_id.to_string());
        }
        Ok(())
    }

    /// Ends the current period of the shop (no terminal) or of one terminal.
    pub fn mark_period(
        &mut self,
        caller: &Caller,
        terminal_param: Option<&str>,
        now: DateTime<Utc>,
    ) -> Outcome<String> {
        let reseller_id = caller.reseller_id().to_string();
        let terminal_id = match (terminal_param, caller) {
            (Some(t), _) => Some(t.to_string()),
            (None, Caller::Terminal { terminal_id, .. }) => Some(terminal_id.clone()),
            (None, Caller::Reseller(_)) => None,
        };
        if let Some(t) = &terminal_id {
            if self.terminals.get(t).is_none_or(|t| t.reseller_id != reseller_id) {
                return refuse(ResultCode::INVALID_INITIATOR_PRINCIPAL_ID, format!("unknown terminal {t}"));
            }
        }
        let id = self.next_reference(now);
        let mut included = Vec::new();
        for (i, s) in self.sales.iter_mut().enumerate() {
            if s.reseller_id != reseller_id {
                continue;
            }
            let slot = match &terminal_id {
                None => &mut s.shop_period,
                Some(t) if *t == s.terminal_id => &mut s.terminal_period,
                Some(_) => continue,
            };
            if slot.is_none() {
                *slot = Some(id.clone());
                included.push(i);
            }
        }
        self.periods
            .insert(id.clone(), Period { reseller_id, terminal_id, marked_at: now, report_calls: 0, sales: included });
        Ok(id)
    }

    /// The rows of a report, or not ready yet. Terminal reports exist only for
    /// periods marked with that TERMINALID.
    pub fn report(
        &mut self,
        caller: &Caller,
        period_id: &str,
        terminal_param: Option<&str>,
        terminal_report: bool,
        now: DateTime<Utc>,
        cfg: &SimConfig,
    ) -> Outcome<ReportReadiness> {
        let Some(period) = self.periods.get_mut(period_id).filter(|p| p.reseller_id == caller.reseller_id()) else {
            return refuse(ResultCode::INVALID_INVOICE_DATA, format!("unknown transactionPeriodId {period_id}"));
        };
        period.report_calls += 1;
        if terminal_report && (period.terminal_id.is_none() || period.terminal_id.as_deref() != terminal_param) {
            return Ok(ReportReadiness::NotReady);
        }
        let age = (now - period.marked_at).num_milliseconds() as f64 / 1000.0;
        if period.report_calls <= cfg.report_not_ready_calls || age < cfg.report_not_ready_seconds {
            return Ok(ReportReadiness::NotReady);
        }
        let period = period.clone();
        Ok(ReportReadiness::Ready(ReportData {
            reseller_id: period.reseller_id,
            terminal_id: period.terminal_id,
            period_id: period_id.to_string(),
            generated_at: period.marked_at,
            sales: period.sales.iter().map(|&i| self.sales[i].clone()).collect(),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SimState {
        let cfg: SimConfig = toml::from_str(
            r#"
            [[reseller]]
            id = "acme"
            password = "reseller-pass"
            [[reseller.terminal]]
            id = "t1"
            password = "terminal-pass"
            "#,
        )
        .unwrap();
        SimState::from_config(&cfg)
    }

    fn t0() -> DateTime<Utc> {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    fn input(total: i64) -> InvoiceInput {
        InvoiceInput {
            total: Decimal::from(total),
            currency: "SEK".into(),
            rows_sum: Decimal::from(total),
            row_count: 1,
            cashier_id: None,
            reservation: false,
            receipt: ReceiptInvoice::default(),
        }
    }

    #[test]
    fn unpolled_payment_is_reversed_after_the_window_and_never_booked() {
        let mut s = state();
        let term = s.authenticate("TERMINALID", "t1", None, "terminal-pass").unwrap();
        let r = s.send_invoice(&term, input(100), t0()).unwrap();
        s.customer_pay(&r, t0()).unwrap();
        let late = t0() + chrono::Duration::seconds(21);
        let v = s.payment_status(&term, &r, late, 20.0).unwrap();
        assert_eq!(v.status, InvoiceStatus::Failed);
        assert!(s.sales.is_empty());
    }

    #[test]
    fn polled_payment_is_booked_once() {
        let mut s = state();
        let term = s.authenticate("TERMINALID", "t1", None, "terminal-pass").unwrap();
        let r = s.send_invoice(&term, input(100), t0()).unwrap();
        s.customer_pay(&r, t0()).unwrap();
        for _ in 0..3 {
            assert_eq!(s.payment_status(&term, &r, t0(), 20.0).unwrap().status, InvoiceStatus::Paid);
        }
        assert_eq!(s.sales.len(), 1);
        let ers = &s.sales[0].ers_reference;
        assert_eq!(ers.len(), 25);
        assert!(ers.chars().all(|c| c.is_ascii_digit()));
    }

    #[test]
    fn refunds_may_not_exceed_the_original() {
        let mut s = state();
        let term = s.authenticate("TERMINALID", "t1", None, "terminal-pass").unwrap();
        let r = s.send_invoice(&term, input(100), t0()).unwrap();
        s.customer_pay(&r, t0()).unwrap();
        let ers = s.payment_status(&term, &r, t0(), 20.0).unwrap().ers_reference.unwrap();
        s.refund(&term, &ers, Decimal::from(60), "SEK", t0(), false).unwrap();
        let e = s.refund(&term, &ers, Decimal::from(41), "SEK", t0(), false).unwrap_err();
        assert_eq!(e.0, ResultCode::SUM_OF_REFUNDS_EXCEEDS_ORIGINAL);
        assert_eq!(
            s.refund(&term, "nope", Decimal::ONE, "SEK", t0(), false).unwrap_err().0,
            ResultCode::INVALID_ERS_REFERENCE
        );
    }

    #[test]
    fn wrong_password_unknown_terminal_and_short_password_get_their_codes() {
        let mut s = state();
        assert_eq!(
            s.authenticate("RESELLERUSER", "acme", Some("9900"), "x").unwrap_err().0,
            ResultCode::AUTHENTICATION_FAILED
        );
        assert_eq!(
            s.authenticate("TERMINALID", "zz", None, "x").unwrap_err().0,
            ResultCode::INVALID_INITIATOR_PRINCIPAL_ID
        );
        let reseller = s.authenticate("RESELLERUSER", "acme", Some("9900"), "reseller-pass").unwrap();
        assert_eq!(s.register_terminal(&reseller, "POS-9", "abc", "x").unwrap_err().0, ResultCode::ACCESS_DENIED);
    }

    #[test]
    fn cancel_rules_follow_the_invoice_state() {
        let mut s = state();
        let term = s.authenticate("TERMINALID", "t1", None, "terminal-pass").unwrap();
        let r = s.send_invoice(&term, input(5), t0()).unwrap();
        s.cancel_invoice(&term, &r, t0(), 20.0).unwrap();
        assert_eq!(s.cancel_invoice(&term, &r, t0(), 20.0).unwrap_err().0, ResultCode::INVOICE_ALREADY_CANCELED);
        let r2 = s.send_invoice(&term, input(5), t0()).unwrap();
        s.customer_pay(&r2, t0()).unwrap();
        assert_eq!(s.cancel_invoice(&term, &r2, t0(), 20.0).unwrap_err().0, ResultCode::CANNOT_CANCEL_PAID_INVOICE);
    }

    #[test]
    fn terminal_report_of_a_shop_level_period_is_never_ready() {
        let mut s = state();
        let reseller = s.authenticate("RESELLERUSER", "acme", Some("9900"), "reseller-pass").unwrap();
        let p = s.mark_period(&reseller, None, t0()).unwrap();
        let cfg = SimConfig { report_not_ready_calls: 0, ..SimConfig::default() };
        for _ in 0..5 {
            let r = s.report(&reseller, &p, Some("t1"), true, t0(), &cfg).unwrap();
            assert!(matches!(r, ReportReadiness::NotReady));
        }
        assert!(matches!(s.report(&reseller, &p, None, false, t0(), &cfg).unwrap(), ReportReadiness::Ready(_)));
    }
}
