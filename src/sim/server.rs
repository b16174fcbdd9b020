//! The simulator's HTTP side: SOAP at `/soap/...`, plus admin calls under
//! `/sim/` for what SEQR's customers and test benches do (pay, inject faults,
//! count calls).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::config::SimConfig;
use super::report_render;
use super::state::{
    Caller, InvoiceInput, Outcome, ReceiptInvoice, ReceiptRow, Refusal, ReportReadiness, SimState, StatusView,
};
use crate::seqr::codes::ResultCode;
use crate::seqr::envelope::{write_fault, write_response, XmlOut};
use crate::seqr::soap::{read_body, Body, Fields};

/// Simulated time: a start instant and a speed.
#[derive(Debug, Clone)]
pub struct SimClock {
    origin_real: Instant,
    origin_sim: DateTime<Utc>,
    scale: f64,
}

impl SimClock {
    /// A clock at `origin_sim` now, running `scale` times faster than real time.
    pub fn new(origin_sim: DateTime<Utc>, scale: f64) -> SimClock {
        SimClock { origin_real: Instant::now(), origin_sim, scale }
    }

    /// SEQR's time now.
    pub fn now(&self) -> DateTime<Utc> {
        let real = self.origin_real.elapsed().as_secs_f64() * self.scale;
        self.origin_sim + chrono::Duration::microseconds((real * 1e6) as i64)
    }

    /// How long in real time a simulated duration takes.
    pub fn real(&self, simulated: Duration) -> Duration {
        simulated.div_f64(self.scale)
    }
}

/// Faults to inject, for tests. Counted faults apply to the next N matching calls.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Only calls to this operation are affected (all when absent).
    pub only_op: Option<String>,
    /// Delay before answering, in real milliseconds.
    pub latency_ms: u64,
    /// Answer HTTP 500 with an empty body.
    pub http_500: u32,
    /// Answer HTTP 500 with a SOAP fault.
    pub soap_fault: u32,
    /// Answer with this result code …
    pub result_code: Option<i32>,
    /// … this many times.
    pub result_code_count: u32,
    /// Cut the response body in half.
    pub truncate: u32,
    /// Act on the call, then answer nothing (the client times out or sees a reset).
    pub drop_after_acting: u32,
    /// Act on the call, then answer this way instead of with SEQR's answer, as a
    /// proxy or a failing SEQR does after the work is done …
    pub after_acting: Option<AfterActing>,
    /// … this many times.
    pub after_acting_count: u32,
    /// executeReport never becomes ready.
    pub reports_never_ready: bool,
    /// Added to every summary report's total: the summary disagrees with the details.
    pub summary_skew: Option<Decimal>,
    /// The next N refunds are listed under their payment's ersReference (a
    /// payment and its refund under one reference), not a new one.
    pub refund_shares_reference: u32,
    /// executeReport's successful answers open as `soap:Envelope` and close as
    /// `soapenv:Envelope`, as a typo in SEQR's published samples has it (a
    /// standard SOAP client cannot read them; ours must).
    pub mismatched_envelope: bool,
}

/// How an answer goes wrong after SEQR acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AfterActing {
    /// A proxy's `502 Bad Gateway`, empty body.
    Http502,
    /// `503 Service Unavailable`, empty body.
    Http503,
    /// `504 Gateway Timeout`, empty body.
    Http504,
    /// HTTP 500 with a `soap:Server` fault.
    ServerFault,
    /// `resultCode` 0, but the id the call made (period, ersReference, invoice
    /// or terminal id) is missing.
    SuccessWithoutId,
    /// The answer cut off after its first bytes.
    CutBody,
}

/// The elements that carry the id an acting call made.
const ACTED_IDS: [&str; 4] = ["transactionPeriodId", "ersReference", "invoiceReference", "terminalId"];

impl AfterActing {
    /// What the client receives instead of `xml`.
    fn answer(self, xml: &str) -> Response {
        let empty = |status: StatusCode| (status, "").into_response();
        match self {
            AfterActing::Http502 => empty(StatusCode::BAD_GATEWAY),
            AfterActing::Http503 => empty(StatusCode::SERVICE_UNAVAILABLE),
            AfterActing::Http504 => empty(StatusCode::GATEWAY_TIMEOUT),
            AfterActing::ServerFault => soap_fault("soap:Server", "simulated server fault after acting"),
            AfterActing::SuccessWithoutId => {
                let mut out = xml.to_string();
                for name in ACTED_IDS {
                    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
                    if let (Some(a), Some(b)) = (out.find(&open), out.find(&close)) {
                        out.replace_range(a..b + close.len(), "");
                    }
                }
                xml_ok(out)
            }
            AfterActing::CutBody => xml_ok(xml[..xml.len().min(120)].to_string()),
        }
    }
}

/// The running simulator.
pub struct Simulator {
    cfg: SimConfig,
    clock: SimClock,
    state: Mutex<SimState>,
    faults: Mutex<Faults>,
    calls: Mutex<BTreeMap<String, u64>>,
    state_path: Option<PathBuf>,
    dirty: AtomicBool,
}

impl Simulator {
    /// A simulator; with `state_path`, state is loaded from it when it exists and saved to it.
    pub fn new(cfg: SimConfig, clock: SimClock, state_path: Option<PathBuf>) -> anyhow::Result<Arc<Simulator>> {
        let mut state = match &state_path {
            Some(p) if p.exists() => {
                let text = std::fs::read_to_string(p)?;
                serde_json::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: not a simulator state file: {e}", p.display()))?
            }
            _ => SimState::default(),
        };
        state.apply_config(&cfg);
        Ok(Arc::new(Simulator {
            cfg,
            clock,
            state: Mutex::new(state),
            faults: Mutex::new(Faults::default()),
            calls: Mutex::new(BTreeMap::new()),
            state_path,
            dirty: AtomicBool::new(false),
        }))
    }

    /// The simulator's clock.
    pub fn clock(&self) -> &SimClock {
        &self.clock
    }

    /// Switches faults on or off.
    pub fn set_faults(&self, f: Faults) {
        *self.faults.lock().unwrap() = f;
    }

    /// SOAP calls received per operation.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap().clone()
    }

    /// The customer pays an invoice, as the app would.
    pub fn customer_pay(&self, invoice_reference: &str) -> Result<String, String> {
        let now = self.clock.now();
        let status = self.state.lock().unwrap().customer_pay(invoice_reference, now)?;
        self.dirty.store(true, Ordering::Relaxed);
        Ok(status.as_str().to_string())
    }

    /// Writes the state file (atomically: temp file, then rename).
    pub fn save(&self) -> anyhow::Result<()> {
        let Some(path) = &self.state_path else { return Ok(()) };
        // Copy under the lock, encode outside it: SOAP calls wait only for the copy.
        let snapshot = self.state.lock().unwrap().clone();
        let json = serde_json::to_vec(&snapshot)?;
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, json)?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Takes one counted fault of this kind for `op`, if armed.
    fn take_fault(&self, op: &str, pick: impl Fn(&mut Faults) -> &mut u32) -> bool {
        let mut f = self.faults.lock().unwrap();
        if f.only_op.as_deref().is_some_and(|o| o != op) {
            return false;
        }
        let n = pick(&mut f);
        if *n > 0 {
            *n -= 1;
            true
        } else {
            false
        }
    }

    async fn handle_soap(&self, body: &str) -> Response {
        let (op, fields) = match read_body(body) {
            Ok(Body::Element { name, fields }) => (name, fields),
            Ok(Body::Fault { .. }) => return soap_fault("soap:Client", "a request cannot be a fault"),
            Err(e) => return soap_fault("soap:Client", &e.to_string()),
        };
        *self.calls.lock().unwrap().entry(op.clone()).or_default() += 1;

        let (latency, matches_op) = {
            let f = self.faults.lock().unwrap();
            (f.latency_ms, f.only_op.as_deref().is_none_or(|o| o == op))
        };
        if matches_op && latency > 0 {
            tokio::time::sleep(Duration::from_millis(latency)).await;
        }
        if self.take_fault(&op, |f| &mut f.http_500) {
            return (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response();
        }
        if self.take_fault(&op, |f| &mut f.soap_fault) {
            return soap_fault("soap:Server", "simulated server fault");
        }
        let forced = {
            let mut f = self.faults.lock().unwrap();
            match f.result_code {
                Some(code) if f.result_code_count > 0 && f.only_op.as_deref().is_none_or(|o| o == op) => {
                    f.result_code_count -= 1;
                    Some(code)
                }
                _ => None,
            }
        };
        if let Some(code) = forced {
            return xml_ok(write_response(&op, None, code, ResultCode(code).name(), |_| {}));
        }

        let xml = self.dispatch(&op, &fields);
        self.dirty.store(true, Ordering::Relaxed);
        if self.take_fault(&op, |f| &mut f.drop_after_acting) {
            // Hold the connection until the client gives up.
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        let after_acting = self.faults.lock().unwrap().after_acting;
        if let Some(how) = after_acting.filter(|_| self.take_fault(&op, |f| &mut f.after_acting_count)) {
            return how.answer(&xml);
        }
        if self.take_fault(&op, |f| &mut f.truncate) {
            let cut = xml.len() / 2;
            return xml_ok(xml[..cut].to_string());
        }
        xml_ok(xml)
    }

    fn dispatch(&self, op: &str, f: &Fields) -> String {
        let now = self.clock.now();
        let mut st = self.state.lock().unwrap();
        let caller = st.authenticate(
            &f.text("context/initiatorPrincipalId/type").unwrap_or_default(),
            &f.text("context/initiatorPrincipalId/id").unwrap_or_default(),
            f.text("context/initiatorPrincipalId/userId").as_deref(),
            f.get("context/password").unwrap_or(""),
        );
        let caller = match caller {
            Ok(c) => c,
            Err(r) => return refusal(op, r),
        };
        let text = |p: &str| f.text(p).unwrap_or_default();
        let done = |r: Outcome<()>| match r {
            Ok(()) => write_response(op, None, 0, "SUCCESS", |_| {}),
            Err(r) => refusal(op, r),
        };
        match op {
            "sendInvoice"
            | "updateInvoice"
            | "getPaymentStatus"
            | "cancelInvoice"
            | "commitReservation"
            | "submitPaymentReceipt"
            | "refundPayment" => self.payment(&mut st, &caller, op, f, now),
            "registerTerminal" => {
                match st.register_terminal(
                    &caller,
                    &text("externalTerminalId"),
                    f.get("password").unwrap_or(""),
                    &text("name"),
                ) {
                    Ok(id) => write_response(op, None, 0, "SUCCESS", |x| x.leaf("terminalId", &id)),
                    Err(r) => refusal(op, r),
                }
            }
            "unregisterTerminal" => done(st.unregister_terminal(&caller)),
            "assignSeqrId" => done(st.assign_seqr_id(&caller, &text("seqrId"))),
            "markTransactionPeriod" => {
                let params = f.parameters("parameters");
                let terminal = param(&params, "TERMINALID");
                match st.mark_period(&caller, terminal.as_deref(), now) {
                    Ok(id) => write_response(op, None, 0, "SUCCESS", |x| x.leaf("transactionPeriodId", &id)),
                    Err(r) => refusal(op, r),
                }
            }
            "executeReport" => self.execute_report(&mut st, &caller, f, now),
            _ => write_response(op, None, ResultCode::UNSUPPORTED_OPERATION.0, "UNSUPPORTED_OPERATION", |_| {}),
        }
    }

    /// The calls about one payment: invoices, their status, receipts, refunds.
    fn payment(&self, st: &mut SimState, caller: &Caller, op: &str, f: &Fields, now: DateTime<Utc>) -> String {
        let window = self.cfg.ack_window_seconds;
        let text = |p: &str| f.text(p).unwrap_or_default();
        let done = |r: Outcome<()>| match r {
            Ok(()) => write_response(op, None, 0, "SUCCESS", |_| {}),
            Err(r) => refusal(op, r),
        };
        match op {
            "sendInvoice" => match invoice_input(f).and_then(|i| st.send_invoice(caller, i, now)) {
                Ok(reference) => write_response(op, None, 0, "SUCCESS", |x| {
                    x.leaf("invoiceQRCode", &format!("HTTP://SEQR.SE/{reference}"));
                    x.leaf("invoiceReference", &reference);
                }),
                Err(r) => refusal(op, r),
            },
            "updateInvoice" => {
                done(invoice_input(f).and_then(|i| st.update_invoice(caller, &text("invoiceReference"), i)))
            }
            "getPaymentStatus" => match st.payment_status(caller, &text("invoiceReference"), now, window) {
                Ok(v) => write_response(op, v.ers_reference.as_deref(), 0, "SUCCESS", |x| {
                    x.leaf("status", v.status.as_str());
                    if let (Some(ers), Some(paid)) = (&v.ers_reference, v.paid_at) {
                        write_receipt(x, &v, ers, paid, &text("invoiceReference"));
                    }
                    x.leaf("version", &v.version.to_string());
                }),
                Err(r) => refusal(op, r),
            },
            "cancelInvoice" => done(st.cancel_invoice(caller, &text("invoiceReference"), now, window)),
            "commitReservation" => match st.commit_reservation(caller, &text("invoiceReference"), now) {
                Ok(ers) => write_response(op, Some(&ers), 0, "SUCCESS", |_| {}),
                Err(r) => refusal(op, r),
            },
            "submitPaymentReceipt" => {
                let data = base64::engine::general_purpose::STANDARD
                    .decode(text("receiptDocument/receiptData"))
                    .unwrap_or_default();
                done(st.submit_receipt(caller, &text("ersReference"), data))
            }
            "refundPayment" => {
                let share = self.take_fault(op, |f| &mut f.refund_shares_reference);
                let result = invoice_input(f)
                    .and_then(|i| st.refund(caller, &text("ersReference"), i.total, &i.currency, now, share));
                match result {
                    Ok(ers) => write_response(op, Some(&ers), 0, "SUCCESS", |_| {}),
                    Err(r) => refusal(op, r),
                }
            }
            _ => write_response(op, None, ResultCode::UNSUPPORTED_OPERATION.0, "UNSUPPORTED_OPERATION", |_| {}),
        }
    }

    fn execute_report(&self, st: &mut SimState, caller: &Caller, f: &Fields, now: DateTime<Utc>) -> String {
        let op = "executeReport";
        let report_id = f.text("reportId").unwrap_or_default();
        if !report_render::is_known_report(&report_id) {
            return refusal(op, Refusal(ResultCode::UNSUPPORTED_OPERATION, format!("unknown report {report_id}")));
        }
        let params = f.parameters("parameters");
        let period_id = param(&params, "transactionPeriodId").unwrap_or_default();
        let terminal = param(&params, "TERMINALID");
        let (never_ready, skew, mismatched_envelope) = {
            let faults = self.faults.lock().unwrap();
            (faults.reports_never_ready, faults.summary_skew.unwrap_or(Decimal::ZERO), faults.mismatched_envelope)
        };
        let terminal_report = report_render::is_terminal_report(&report_id);
        match st.report(caller, &period_id, terminal.as_deref(), terminal_report, now, &self.cfg) {
            Ok(ReportReadiness::Ready(data)) if !never_ready => {
                let doc = report_render::render(&data, &report_id, self.cfg.quirks, skew);
                let xml = write_response(op, None, 0, "SUCCESS", |x: &mut XmlOut| {
                    x.open("report");
                    x.leaf("title", &report_id);
                    x.leaf("mimeType", "text/plain");
                    x.leaf("content", &base64::engine::general_purpose::STANDARD.encode(&doc));
                    x.cdata_leaf("contentString", &doc);
                    x.close("report");
                });
                if mismatched_envelope {
                    // As published: opened as soap:Envelope, closed as soapenv:Envelope.
                    xml.replacen(
                        "<soapenv:Envelope ",
                        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\" ",
                        1,
                    )
                } else {
                    xml
                }
            }
            Ok(_) => write_response(op, None, ResultCode::REPORT_NOT_READY.0, "REPORT_NOT_READY", |_| {}),
            Err(r) => refusal(op, r),
        }
    }
}

fn param(params: &[(String, String)], key: &str) -> Option<String> {
    params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
}

fn invoice_input(f: &Fields) -> Outcome<InvoiceInput> {
    let bad = |what: String| Refusal(ResultCode::INVALID_INVOICE_DATA, what);
    let inv = f.sub("invoice").ok_or_else(|| bad("no invoice".into()))?;
    let dec = |p: &str| -> Outcome<Decimal> {
        let t = inv.text(p).ok_or_else(|| bad(format!("invoice lacks {p}")))?;
        Decimal::from_str(&t).map_err(|_| bad(format!("{p} {t:?} is not a decimal")))
    };
    let total = dec("totalAmount/value")?;
    let rows = inv.groups("invoiceRows/invoiceRow");
    let mut rows_sum = Decimal::ZERO;
    for r in &rows {
        let t = r.text("itemTotalAmount/value").ok_or_else(|| bad("an invoice row lacks itemTotalAmount".into()))?;
        rows_sum += Decimal::from_str(&t).map_err(|_| bad(format!("itemTotalAmount {t:?} is not a decimal")))?;
    }
    let receipt_rows = rows
        .iter()
        .map(|r| ReceiptRow {
            description: r.text("itemDescription"),
            quantity: r.text("itemQuantity").unwrap_or_else(|| "1".into()),
            total: r.text("itemTotalAmount/value").and_then(|t| Decimal::from_str(&t).ok()).unwrap_or_default(),
        })
        .collect();
    Ok(InvoiceInput {
        total,
        currency: inv.text("totalAmount/currency").unwrap_or_default(),
        rows_sum,
        row_count: rows.len(),
        cashier_id: inv.text("cashierId"),
        reservation: inv.text("paymentMode").is_some_and(|m| m.starts_with("RESERVATION")),
        receipt: ReceiptInvoice {
            title: inv.text("title"),
            client_invoice_id: inv.text("clientInvoiceId"),
            rows: receipt_rows,
        },
    })
}

/// The receipt of a paid invoice, in the WSDL's order: what integrations
/// read to book the payment (`receipt/invoice/totalAmount/value` above all).
fn write_receipt(x: &mut XmlOut, v: &StatusView, ers: &str, paid: DateTime<Utc>, invoice_reference: &str) {
    let amount = |x: &mut XmlOut, name: &str, value: Decimal| {
        x.open(name);
        x.leaf("currency", &v.currency);
        x.leaf("value", &value.to_string());
        x.close(name);
    };
    x.open("receipt");
    x.leaf("terminalId", &v.terminal_id);
    x.leaf("paymentDate", &paid.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    x.opt_leaf("clientInvoiceId", v.receipt.client_invoice_id.as_deref());
    x.leaf("invoiceReference", invoice_reference);
    x.leaf("paymentReference", ers);
    // The paying app's id: the simulator's customers have none of their own.
    x.leaf("payerTerminalId", &format!("SEQR-APP-{}", &ers[ers.len().saturating_sub(8)..]));
    x.leaf("receiverName", &v.receiver_name);
    x.open("invoice");
    x.opt_leaf("title", v.receipt.title.as_deref());
    x.opt_leaf("clientInvoiceId", v.receipt.client_invoice_id.as_deref());
    x.open("invoiceRows");
    for row in &v.receipt.rows {
        x.open("invoiceRow");
        x.opt_leaf("itemDescription", row.description.as_deref());
        x.leaf("itemQuantity", &row.quantity);
        amount(x, "itemTotalAmount", row.total);
        x.close("invoiceRow");
    }
    x.close("invoiceRows");
    amount(x, "totalAmount", v.total);
    x.opt_leaf("cashierId", v.cashier_id.as_deref());
    x.close("invoice");
    x.close("receipt");
}

fn refusal(op: &str, Refusal(code, text): Refusal) -> String {
    write_response(op, None, code.0, &text, |_| {})
}

fn xml_ok(xml: String) -> Response {
    ([("content-type", "text/xml; charset=utf-8")], xml).into_response()
}

fn soap_fault(code: &str, text: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, [("content-type", "text/xml; charset=utf-8")], write_fault(code, text))
        .into_response()
}

#[derive(Deserialize)]
struct PayRequest {
    invoice_reference: String,
}

async fn soap(State(sim): State<Arc<Simulator>>, body: String) -> Response {
    sim.handle_soap(&body).await
}

async fn pay(State(sim): State<Arc<Simulator>>, Json(req): Json<PayRequest>) -> Response {
    match sim.customer_pay(&req.invoice_reference) {
        Ok(status) => Json(serde_json::json!({ "status": status })).into_response(),
        Err(e) => (StatusCode::CONFLICT, e).into_response(),
    }
}

async fn put_faults(State(sim): State<Arc<Simulator>>, Json(f): Json<Faults>) -> StatusCode {
    sim.set_faults(f);
    StatusCode::NO_CONTENT
}

async fn calls(State(sim): State<Arc<Simulator>>) -> Json<BTreeMap<String, u64>> {
    Json(sim.calls())
}

/// The routes: `POST /soap/...` for SEQR's API; `/sim/...` for the test bench.
pub fn router(sim: Arc<Simulator>) -> Router {
    Router::new()
        .route("/soap/{*path}", post(soap))
        .route("/sim/customer/pay", post(pay))
        .route("/sim/faults", post(put_faults))
        .route("/sim/calls", get(calls))
        .route("/sim/health", get(|| async { "ok" }))
        .with_state(sim)
}

/// Serves until `shutdown` completes, saving state periodically and at the end.
pub async fn serve(
    listener: tokio::net::TcpListener,
    sim: Arc<Simulator>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let saver = {
        let sim = sim.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if sim.dirty.swap(false, Ordering::Relaxed) {
                    if let Err(e) = sim.save() {
                        tracing::error!(error = %e, "saving simulator state");
                    }
                }
            }
        })
    };
    axum::serve(listener, router(sim.clone())).with_graceful_shutdown(shutdown).await?;
    saver.abort();
    sim.save()?;
    Ok(())
}

/// Starts a simulator on `127.0.0.1:0` in the background; for tests and the demo.
/// Returns its base URL (`http://127.0.0.1:PORT`) and the simulator.
pub async fn spawn(cfg: SimConfig, state_path: Option<&Path>) -> anyhow::Result<(String, Arc<Simulator>)> {
    let clock = SimClock::new(Utc::now(), cfg.time_scale);
    let sim = Simulator::new(cfg, clock, state_path.map(Path::to_path_buf))?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let s = sim.clone();
    tokio::spawn(async move { serve(listener, s, std::future::pending()).await });
    Ok((url, sim))
}
