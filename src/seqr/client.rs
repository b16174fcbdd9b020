//! The SEQR SOAP client: one endpoint, one timeout, retries where they are safe.

use crate::domain::{ErsReference, PeriodId, TerminalId};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;

use super::codes::ResultCode;
use super::envelope::{redact_passwords, write_request};
use super::report::{check_meta, into_report_text, parse_report, Report, ReportError};
use super::soap::{read_body_skipping, Body, Fields, XmlError};
use super::types::*;

/// Everything that can go wrong talking to SEQR, each with the next step.
/// Each variant's `#[error]` message is its documentation.
#[allow(missing_docs)]
#[derive(Debug, thiserror::Error)]
pub enum SeqrError {
    #[error("SEQR rejected {what} ({code}) in {op} for {who}: {hint}")]
    Rejected {
        op: &'static str,
        who: String,
        code: ResultCode,
        what: &'static str,
        hint: String,
        description: String,
        /// The call's clientReference and the SHA-256 of SEQR's raw answer, for provenance.
        client_reference: String,
        response_sha256: String,
    },
    #[error("SEQR answered {op} with a SOAP fault ({faultcode}): {faultstring}")]
    Fault { op: &'static str, faultcode: String, faultstring: String },
    #[error("SEQR answered {op} with HTTP {status}; check the endpoint URL, or try again later if it is 5xx")]
    Http { op: &'static str, status: u16 },
    #[error("could not reach SEQR at {endpoint} for {op}: {reason}; check [seqr] endpoint and the network")]
    Unreachable { op: &'static str, endpoint: String, reason: String },
    #[error(
        "{op} may or may not have reached SEQR ({reason}); it is not sent again automatically because SEQR \
         would act twice"
    )]
    OutcomeUnknown { op: &'static str, reason: String },
    #[error("SEQR's answer to {op} could not be read: {source}")]
    Malformed { op: &'static str, source: XmlError },
    #[error("SEQR's answer to {op} lacks {field}")]
    MissingField { op: &'static str, field: &'static str },
    #[error(
        "SEQR's answer to {op} is larger than {limit} bytes and was not read; raise [seqr] max_response_bytes if \
         SEQR's reports are really that big"
    )]
    TooLarge { op: &'static str, limit: u64 },
    #[error(
        "report {report_id} for period {period_id} was still not ready after {attempts} attempts; a terminal \
         report is never ready for a period marked without TERMINALID, otherwise raise report_max_attempts"
    )]
    ReportNotReady { report_id: String, period_id: String, attempts: u32 },
    #[error(transparent)]
    Report(#[from] ReportError),
}

impl SeqrError {
    /// Whether the same request may be sent again safely and may then succeed.
    /// An acting call never gets here with an HTTP error or a server fault:
    /// [`SeqrClient::call_once`] turns those into [`SeqrError::OutcomeUnknown`].
    fn retryable(&self) -> bool {
        match self {
            SeqrError::Rejected { code, .. } => code.is_transient(),
            SeqrError::Fault { faultcode, .. } => faultcode.ends_with("Server"),
            SeqrError::Http { status, .. } => *status >= 500,
            SeqrError::Unreachable { .. } => true,
            _ => false,
        }
    }

    /// Whether SEQR may have acted on the call although no clean answer came back.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, SeqrError::OutcomeUnknown { .. })
    }

    /// The SEQR result code, when SEQR answered with one.
    pub fn result_code(&self) -> Option<ResultCode> {
        match self {
            SeqrError::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// How often and how patiently a call is retried.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Wait before the second attempt; it doubles each time.
    pub base_delay: Duration,
    /// The longest wait between attempts.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 5, base_delay: Duration::from_millis(200), max_delay: Duration::from_secs(10) }
    }
}

impl RetryPolicy {
    /// Capped exponential back-off with full jitter.
    fn delay(&self, attempt: u32) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << attempt.min(16));
        let cap = exp.min(self.max_delay);
        cap.mul_f64(rand::rng().random_range(0.5..=1.0))
    }
}

/// How `executeReport` is polled while SEQR answers REPORT_NOT_READY.
#[derive(Debug, Clone)]
pub struct ReportPolling {
    /// Wait before the first executeReport.
    pub first_wait: Duration,
    /// Wait between polls while SEQR answers REPORT_NOT_READY.
    pub interval: Duration,
    /// Polls before giving up.
    pub max_attempts: u32,
}

impl Default for ReportPolling {
    fn default() -> Self {
        ReportPolling { first_wait: Duration::from_secs(3), interval: Duration::from_secs(3), max_attempts: 40 }
    }
}

/// A successful answer: its `return` fields and the clientReference that was sent.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The `return` element's fields.
    pub fields: Fields,
    /// The clientReference sent with the call.
    pub client_reference: String,
    /// The raw response body, for provenance.
    pub raw: String,
    /// Hex SHA-256 of `raw`, computed as it streamed in.
    pub raw_sha256: String,
}

/// Talks to one SEQR endpoint.
#[derive(Debug, Clone)]
pub struct SeqrClient {
    http: reqwest::Client,
    endpoint: String,
    retry: RetryPolicy,
    /// Log every request and response (passwords redacted) at debug level.
    pub trace: bool,
    /// An answer larger than this is refused while it streams in.
    pub max_response_bytes: u64,
}

/// 1 GiB: room for a million-row day's executeReport answer, twice over.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1 << 30;

static REFERENCE_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A clientReference: unique per process run, at most 32 characters.
fn new_client_reference() -> String {
    let n = REFERENCE_COUNTER.fetch_add(1, Ordering::Relaxed);
    let start = *START_MS;
    format!("seqr-recon-{start:x}-{n}")
}

static START_MS: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
});

impl SeqrClient {
    /// A client for `endpoint` with this timeout per HTTP call and retry policy.
    pub fn new(endpoint: &str, timeout: Duration, retry: RetryPolicy) -> SeqrClient {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .build()
            .expect("building the HTTP client (TLS set-up) cannot fail with rustls");
        SeqrClient {
            http,
            endpoint: endpoint.to_string(),
            retry,
            trace: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// The SOAP endpoint it calls.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Sends `req`, retrying transient failures where sending twice is harmless.
    pub async fn call(&self, ctx: &ClientContext, req: &Request) -> Result<Answer, SeqrError> {
        let mut attempt = 0;
        loop {
            let client_reference = new_client_reference();
            match self.call_once(ctx, req, &client_reference).await {
                Ok(a) => return Ok(a),
                Err(e) if e.retryable() && attempt + 1 < self.retry.max_attempts => {
                    let wait = self.retry.delay(attempt);
                    tracing::warn!(op = req.operation(), attempt = attempt + 1, ?wait, error = %e, "retrying SEQR call");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                // The operator asks SEQR's support about the call by its clientReference.
                Err(SeqrError::OutcomeUnknown { op, reason }) => {
                    let reason = format!("{reason} (clientReference {client_reference})");
                    return Err(SeqrError::OutcomeUnknown { op, reason });
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn call_once(&self, ctx: &ClientContext, req: &Request, client_reference: &str) -> Result<Answer, SeqrError> {
        let op = req.operation();
        let body = write_request(ctx, client_reference, req);
        if self.trace {
            tracing::debug!(op, request = %redact_passwords(&body), "SEQR request");
        }
        let sent = self
            .http
            .post(&self.endpoint)
            .header("Content-Type", "text/xml; charset=utf-8")
            .header("SOAPAction", "\"\"")
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return Err(self.transport_error(op, req, &e)),
        };
        let status = response.status();
        let (text, raw_sha256) = self.read_text(op, req, response).await?;
        if self.trace {
            tracing::debug!(op, %status, response = %redact_passwords(&text), "SEQR response");
        }
        let parsed = read_body_skipping(&text, req.bulky_leaves());
        let fields = answer_fields(op, status, parsed, req.acts_once()).map_err(|e| *e)?;
        let code = match fields.text("return/resultCode").and_then(|c| i32::from_str(&c).ok()) {
            Some(code) => code,
            None if req.acts_once() => {
                return Err(SeqrError::OutcomeUnknown { op, reason: "the answer has no resultCode".into() })
            }
            None => return Err(SeqrError::MissingField { op, field: "return/resultCode" }),
        };
        let code = ResultCode(code);
        if code != ResultCode::SUCCESS {
            return Err(SeqrError::Rejected {
                op,
                who: ctx.who.clone(),
                code,
                what: code.what(),
                hint: code.hint(&ctx.who),
                description: fields.text("return/resultDescription").unwrap_or_default(),
                client_reference: client_reference.to_string(),
                response_sha256: raw_sha256,
            });
        }
        Ok(Answer { fields, client_reference: client_reference.to_string(), raw: text, raw_sha256 })
    }

    /// The answer's body, streamed into one buffer (sized from Content-Length
    /// when SEQR sends it) and refused once it passes `max_response_bytes`
    /// or when it is not UTF-8 (naming the first bad byte).
    async fn read_text(
        &self,
        op: &'static str,
        req: &Request,
        mut response: reqwest::Response,
    ) -> Result<(String, String), SeqrError> {
        use sha2::{Digest, Sha256};
        let limit = self.max_response_bytes;
        let too_large = || {
            if req.acts_once() {
                SeqrError::OutcomeUnknown { op, reason: format!("the answer is larger than {limit} bytes") }
            } else {
                SeqrError::TooLarge { op, limit }
            }
        };
        let expected = response.content_length().unwrap_or(0);
        if expected > limit {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(expected as usize);
        // Hashed as it arrives: no second pass over a 400 MB report.
        let mut hash = Sha256::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if (body.len() + chunk.len()) as u64 > limit {
                        return Err(too_large());
                    }
                    hash.update(&chunk);
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(self.transport_error(op, req, &e)),
            }
        }
        // Never replaced: a report's cashier or reference must not silently change.
        let text = String::from_utf8(body).map_err(|e| {
            let what = "the answer is not UTF-8 text, as SOAP answers are".to_string();
            let source = XmlError { position: e.utf8_error().valid_up_to() as u64, what };
            if req.acts_once() {
                SeqrError::OutcomeUnknown { op, reason: format!("unreadable answer: {source}") }
            } else {
                SeqrError::Malformed { op, source }
            }
        })?;
        Ok((text, hex::encode(hash.finalize())))
    }

    fn transport_error(&self, op: &'static str, req: &Request, e: &reqwest::Error) -> SeqrError {
        let reason = error_chain(e);
        // A refused connection never carried the request; anything later might have.
        if e.is_connect() || !req.acts_once() {
            SeqrError::Unreachable { op, endpoint: self.endpoint.clone(), reason }
        } else {
            SeqrError::OutcomeUnknown { op, reason }
        }
    }

    // ---- typed operations -------------------------------------------------

    /// Sends an invoice for the customer to pay; never retried once it may have reached SEQR.
    pub async fn send_invoice(&self, ctx: &ClientContext, invoice: Invoice) -> Result<SentInvoice, SeqrError> {
        let a = self.call(ctx, &Request::SendInvoice { invoice }).await?;
        Ok(SentInvoice {
            invoice_reference: acted_id(&a, "sendInvoice", "invoiceReference", |id| {
                check_invoice_reference(&id).map(|()| id)
            })
            .map_err(|e| *e)?,
            qr_code: a.fields.text("return/invoiceQRCode"),
        })
    }

    /// Replaces a reserved invoice's content (preliminary payments).
    pub async fn update_invoice(
        &self,
        ctx: &ClientContext,
        invoice_reference: &str,
        invoice: Invoice,
    ) -> Result<(), SeqrError> {
        self.call(ctx, &Request::UpdateInvoice { invoice_reference: invoice_reference.into(), invoice }).await?;
        Ok(())
    }

    /// Polls an invoice's status, acknowledging the version the till has seen.
    pub async fn payment_status(
        &self,
        ctx: &ClientContext,
        invoice_reference: &str,
        invoice_version: i32,
    ) -> Result<PaymentStatus, SeqrError> {
        let op = "getPaymentStatus";
        let a = self
            .call(ctx, &Request::GetPaymentStatus { invoice_reference: invoice_reference.into(), invoice_version })
            .await?;
        let f = &a.fields;
        let status = f
            .text("return/status")
            .and_then(|s| InvoiceStatus::parse(&s))
            .ok_or(SeqrError::MissingField { op, field: "status" })?;
        Ok(PaymentStatus {
            status,
            version: f.text("return/version").and_then(|v| v.parse().ok()).unwrap_or(0),
            ers_reference: f.text("return/ersReference").or_else(|| f.text("return/receipt/paymentReference")),
            receipt_terminal_id: f.text("return/receipt/terminalId"),
            payment_date: f.text("return/receipt/paymentDate"),
            receipt_total: f
                .text("return/receipt/invoice/totalAmount/value")
                .and_then(|v| rust_decimal::Decimal::from_str(&v).ok()),
            payer_terminal_id: f.text("return/receipt/payerTerminalId"),
            receiver_name: f.text("return/receipt/receiverName"),
        })
    }

    /// Cancels an unpaid invoice.
    pub async fn cancel_invoice(&self, ctx: &ClientContext, invoice_reference: &str) -> Result<(), SeqrError> {
        self.call(ctx, &Request::CancelInvoice { invoice_reference: invoice_reference.into() }).await?;
        Ok(())
    }

    /// Commits a reserved invoice at its final amount; returns the ersReference.
    pub async fn commit_reservation(
        &self,
        ctx: &ClientContext,
        invoice_reference: &str,
    ) -> Result<Option<ErsReference>, SeqrError> {
        let a = self.call(ctx, &Request::CommitReservation { invoice_reference: invoice_reference.into() }).await?;
        // The protocol does not promise an ersReference here (getPaymentStatus has it); one that is
        // there must be SEQR's digits.
        match a.fields.text("return/ersReference") {
            Some(_) => acted_id(&a, "commitReservation", "ersReference", ErsReference::parse).map_err(|e| *e).map(Some),
            None => Ok(None),
        }
    }

    /// Sends the till's receipt of a payment.
    pub async fn submit_payment_receipt(
        &self,
        ctx: &ClientContext,
        ers_reference: &str,
        receipt: ReceiptDocument,
    ) -> Result<(), SeqrError> {
        self.call(ctx, &Request::SubmitPaymentReceipt { ers_reference: ers_reference.into(), receipt }).await?;
        Ok(())
    }

    /// Refunds part or all of a payment; returns the refund's own ersReference.
    pub async fn refund_payment(
        &self,
        ctx: &ClientContext,
        ers_reference: &str,
        invoice: Invoice,
    ) -> Result<ErsReference, SeqrError> {
        let a = self.call(ctx, &Request::RefundPayment { ers_reference: ers_reference.into(), invoice }).await?;
        acted_id(&a, "refundPayment", "ersReference", ErsReference::parse).map_err(|e| *e)
    }

    /// Registers a terminal; returns SEQR's terminal id.
    pub async fn register_terminal(
        &self,
        ctx: &ClientContext,
        external_terminal_id: &str,
        password: &secrecy::SecretString,
        name: &str,
    ) -> Result<TerminalId, SeqrError> {
        let req = Request::RegisterTerminal {
            external_terminal_id: external_terminal_id.into(),
            password: password.clone(),
            name: name.into(),
        };
        let a = self.call(ctx, &req).await?;
        acted_id(&a, "registerTerminal", "terminalId", TerminalId::parse).map_err(|e| *e)
    }

    /// Unregisters the terminal of `ctx`.
    pub async fn unregister_terminal(&self, ctx: &ClientContext) -> Result<(), SeqrError> {
        self.call(ctx, &Request::UnregisterTerminal).await?;
        Ok(())
    }

    /// Ties a SEQR sticker id to the terminal of `ctx`.
    pub async fn assign_seqr_id(&self, ctx: &ClientContext, seqr_id: &str) -> Result<(), SeqrError> {
        self.call(ctx, &Request::AssignSeqrId { seqr_id: seqr_id.into() }).await?;
        Ok(())
    }

    /// Closes the current period. Never retried once it may have reached SEQR.
    pub async fn mark_transaction_period(
        &self,
        ctx: &ClientContext,
        terminal_id: Option<&str>,
    ) -> Result<(PeriodId, Answer), SeqrError> {
        let parameters = terminal_id.map(|t| vec![("TERMINALID".to_string(), t.to_string())]).unwrap_or_default();
        let a = self.call(ctx, &Request::MarkTransactionPeriod { parameters }).await?;
        let id = acted_id(&a, "markTransactionPeriod", "transactionPeriodId", PeriodId::parse).map_err(|e| *e)?;
        Ok((id, a))
    }

    /// Asks for a report until it is ready, as SEQR describes: wait, ask, wait, ask again.
    pub async fn fetch_report(
        &self,
        ctx: &ClientContext,
        report_id: &str,
        period_id: &str,
        terminal_id: Option<&str>,
        polling: &ReportPolling,
    ) -> Result<FetchedReport, SeqrError> {
        let mut parameters = vec![("transactionPeriodId".to_string(), period_id.to_string())];
        if let Some(t) = terminal_id {
            parameters.push(("TERMINALID".to_string(), t.to_string()));
        }
        let req = Request::ExecuteReport { report_id: report_id.into(), language: "en".into(), parameters };
        tokio::time::sleep(polling.first_wait).await;
        let mut not_ready = Vec::new();
        for attempt in 1..=polling.max_attempts.max(1) {
            match self.call(ctx, &req).await {
                Ok(a) => {
                    let (report, report_zst) = read_report(a.raw, &ctx.principal, report_id, period_id, terminal_id)?;
                    return Ok(FetchedReport {
                        report,
                        report_zst,
                        response_sha256: a.raw_sha256,
                        client_reference: a.client_reference,
                        attempts: attempt,
                        not_ready,
                    });
                }
                Err(SeqrError::Rejected {
                    code: ResultCode::REPORT_NOT_READY,
                    client_reference,
                    response_sha256,
                    ..
                }) => {
                    not_ready.push(NotReady { client_reference, response_sha256 });
                    if attempt < polling.max_attempts {
                        tokio::time::sleep(polling.interval).await;
                    }
                }
                Err(e) => return Err(e),
            }
        }
        Err(SeqrError::ReportNotReady {
            report_id: report_id.into(),
            period_id: period_id.into(),
            attempts: polling.max_attempts.max(1),
        })
    }
}

/// The fields of SEQR's answer, or why there are none. For a call that acts
/// (`acts_once`), anything but a clean refusal is an unknown outcome: a server
/// fault or an HTTP error may come after SEQR acted (a proxy's 502, a fault
/// raised while answering).
fn answer_fields(
    op: &'static str,
    status: reqwest::StatusCode,
    parsed: Result<Body, XmlError>,
    acts_once: bool,
) -> Result<Fields, Box<SeqrError>> {
    let unknown = |reason: String| SeqrError::OutcomeUnknown { op, reason };
    let answer = match parsed {
        // SEQR refused the request as malformed: it did not act.
        Ok(Body::Fault { code, message }) if code.ends_with("Client") => {
            Err(SeqrError::Fault { op, faultcode: code, faultstring: message })
        }
        Ok(Body::Fault { code, message }) if acts_once => Err(unknown(format!("SOAP fault {code}: {message}"))),
        Ok(Body::Fault { code, message }) => Err(SeqrError::Fault { op, faultcode: code, faultstring: message }),
        Ok(Body::Element { .. }) | Err(_) if !status.is_success() && acts_once => {
            Err(unknown(format!("HTTP {status} without a SEQR answer")))
        }
        Ok(Body::Element { .. }) | Err(_) if !status.is_success() => {
            Err(SeqrError::Http { op, status: status.as_u16() })
        }
        Ok(Body::Element { fields, .. }) => Ok(fields),
        Err(source) if acts_once => Err(unknown(format!("unreadable answer: {source}"))),
        Err(source) => Err(SeqrError::Malformed { op, source }),
    };
    answer.map_err(Box::new)
}

/// The report of an executeReport answer, checked against what was asked, and
/// its zstd copy for provenance. The report is cut out of the answer in place
/// (no copy when it is contentString's CDATA) and the rest freed, then parsed
/// on this thread while another compresses it: memory follows the report, not
/// a multiple of it.
fn read_report(
    raw: String,
    principal: &Principal,
    report_id: &str,
    period_id: &str,
    terminal_id: Option<&str>,
) -> Result<(Report, Vec<u8>), ReportError> {
    let text = into_report_text(raw, report_id, period_id)?;
    let (report, report_zst) = std::thread::scope(|s| {
        let packing = s.spawn(|| compress_report(text.as_bytes()));
        let report = parse_report(&text, report_id, period_id);
        (report, packing.join().expect("compressing never panics"))
    });
    let report = report?;
    let reseller = match principal {
        Principal::ResellerUser { reseller_id, .. } => Some(reseller_id.as_str()),
        Principal::Terminal { .. } => None,
    };
    check_meta(&report, report_id, period_id, terminal_id, reseller)?;
    let report_zst = report_zst
        .map_err(|e| ReportError::at(report_id, period_id, 0, format!("compressing the report for provenance: {e}")))?;
    Ok((report, report_zst))
}

/// The id an acting call returned, parsed into its type. SEQR said it acted
/// (resultCode 0), so an answer without a usable id is an unknown outcome:
/// something was made whose id we do not have, and sending the call again
/// would make another.
fn acted_id<T>(
    a: &Answer,
    op: &'static str,
    field: &'static str,
    parse: impl FnOnce(String) -> Result<T, String>,
) -> Result<T, Box<SeqrError>> {
    let unknown = |reason: String| {
        Box::new(SeqrError::OutcomeUnknown { op, reason: format!("{reason} (clientReference {})", a.client_reference) })
    };
    let id = a
        .fields
        .text(&format!("return/{field}"))
        .ok_or_else(|| unknown(format!("SEQR answered success without {field}")))?;
    parse(id.clone()).map_err(|what| unknown(format!("SEQR answered success with {field} {id:?}, which {what}")))
}

/// A report as fetched: parsed rows, the report text (zstd), and the hash of SEQR's answer.
#[derive(Debug, Clone)]
pub struct FetchedReport {
    /// The parsed report.
    pub report: Report,
    /// The report document as SEQR sent it, zstd-compressed, for provenance.
    pub report_zst: Vec<u8>,
    /// SHA-256 of the raw SOAP answer.
    pub response_sha256: String,
    /// The clientReference of the call that got it.
    pub client_reference: String,
    /// executeReport calls it took.
    pub attempts: u32,
    /// SEQR's REPORT_NOT_READY answers before the report came.
    pub not_ready: Vec<NotReady>,
}

/// One REPORT_NOT_READY answer: which call, and the hash of what SEQR said.
#[derive(Debug, Clone)]
pub struct NotReady {
    /// The clientReference of that call.
    pub client_reference: String,
    /// SHA-256 of that answer.
    pub response_sha256: String,
}

/// What `seqr_reports.report_compressed` keeps of a report: zstd at level 1,
/// several times quicker than gzip's fastest for as small a file.
pub fn compress_report(text: &[u8]) -> std::io::Result<Vec<u8>> {
    zstd::bulk::compress(text, 1)
}

/// A stored report's text: zstd, or gzip as closes before zstd stored it
/// (told apart by their magic numbers).
pub fn decompress_report(stored: &[u8]) -> std::io::Result<String> {
    use std::io::Read;
    let mut text = String::new();
    if stored.starts_with(&[0x1f, 0x8b]) {
        flate2::read::GzDecoder::new(stored).read_to_string(&mut text)?;
    } else {
        zstd::stream::read::Decoder::new(stored)?.read_to_string(&mut text)?;
    }
    Ok(text)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        src = inner.source();
    }
    s
}
