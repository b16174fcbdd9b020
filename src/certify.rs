//! The certification procedure (seed `002_…`): every call SEQR checks, in
//! order, with the clientReference of each so support can find them.

use std::time::Duration;

use crate::seqr::types::{Invoice, InvoiceRow, InvoiceStatus, ReceiptDocument, Request};
use crate::seqr::{ClientContext, SeqrClient};

/// Calls in the full procedure.
pub const STEPS: usize = 14;

/// One checked call.
#[derive(Debug, Clone)]
pub struct Step {
    /// The certification test this step belongs to.
    pub test: &'static str,
    /// The SEQR operation it calls.
    pub call: &'static str,
    /// The clientReference of the call, for SEQR's logs.
    pub client_reference: String,
    /// Whether the step passed.
    pub passed: bool,
    /// What happened, in words.
    pub detail: String,
}

/// Who scans the QR code: the simulator's customer endpoint, or a person.
pub enum Scanner {
    /// `POST {base}/sim/customer/pay`.
    /// The simulator at `base_url` plays the customer.
    Simulator {
        /// The simulator's root URL.
        base_url: String,
    },
}

impl Scanner {
    async fn scan(&self, invoice_reference: &str) -> anyhow::Result<()> {
        match self {
            Scanner::Simulator { base_url } => {
                let r = reqwest::Client::new()
                    .post(format!("{base_url}/sim/customer/pay"))
                    .header("content-type", "application/json")
                    .body(serde_json::json!({ "invoice_reference": invoice_reference }).to_string())
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "the simulator's customer could not pay: {}", r.text().await?);
                Ok(())
            }
        }
    }
}

struct Run<'a> {
    client: &'a SeqrClient,
    terminal: &'a ClientContext,
    steps: Vec<Step>,
}

impl Run<'_> {
    /// Sends one call and records it; `check` says whether the answer passes.
    async fn call(
        &mut self,
        test: &'static str,
        req: Request,
        check: impl Fn(&crate::seqr::soap::Fields) -> Result<String, String>,
    ) -> Option<crate::seqr::soap::Fields> {
        let call = req.operation();
        match self.client.call(self.terminal, &req).await {
            Ok(a) => {
                let verdict = check(&a.fields);
                let passed = verdict.is_ok();
                self.steps.push(Step {
                    test,
                    call,
                    client_reference: a.client_reference,
                    passed,
                    detail: verdict.unwrap_or_else(|e| e),
                });
                passed.then_some(a.fields)
            }
            Err(e) => {
                self.steps.push(Step {
                    test,
                    call,
                    client_reference: "-".into(),
                    passed: false,
                    detail: e.to_string(),
                });
                None
            }
        }
    }

    async fn status(
        &mut self,
        test: &'static str,
        reference: &str,
        want: InvoiceStatus,
    ) -> Option<crate::seqr::soap::Fields> {
        let req = Request::GetPaymentStatus { invoice_reference: reference.into(), invoice_version: 0 };
        self.call(test, req, |f| {
            let got = f.text("return/status").unwrap_or_default();
            if got == want.as_str() {
                Ok(format!("status {got}"))
            } else {
                Err(format!("status {got}, expected {}", want.as_str()))
            }
        })
        .await
    }

    async fn send(&mut self, test: &'static str, currency: &str) -> Option<String> {
        let mut inv = Invoice::simple("Certification", currency, Decimal::new(1250, 2));
        inv.rows = vec![
            InvoiceRow {
                description: Some("Item A".into()),
                quantity: Decimal::ONE,
                total: Decimal::new(1000, 2),
                ..Default::default()
            },
            InvoiceRow {
                description: Some("Item B".into()),
                quantity: Decimal::TWO,
                total: Decimal::new(500, 2),
                ..Default::default()
            },
            InvoiceRow {
                description: Some("Discount".into()),
                quantity: Decimal::ONE,
                total: Decimal::new(-250, 2),
                ..Default::default()
            },
        ];
        let f = self
            .call(test, Request::SendInvoice { invoice: inv }, |f| {
                f.text("return/invoiceReference")
                    .map(|r| format!("invoice {r}"))
                    .ok_or_else(|| "no invoiceReference".into())
            })
            .await?;
        f.text("return/invoiceReference")
    }
}

use rust_decimal::Decimal;

/// Runs the procedure with `terminal`'s principal. `wait` is the pause of test 2
/// (30 s in the procedure).
pub async fn certify(
    client: &SeqrClient,
    terminal: &ClientContext,
    currency: &str,
    scanner: &Scanner,
    wait: Duration,
) -> Vec<Step> {
    let mut run = Run { client, terminal, steps: Vec::new() };
    let paid = async {
        let ers = run.pay_and_send_receipt(currency, scanner, wait).await?;
        run.cancel_and_refund(currency, scanner).await?;
        Some(ers)
    }
    .await;
    if paid.is_some() {
        run.close().await;
    }
    run.steps
}

impl Run<'_> {
    /// 1-3: send with rows, poll before and after the scan, send again, wait,
    /// poll; a receipt after PAID. The paid invoice's ersReference.
    async fn pay_and_send_receipt(&mut self, currency: &str, scanner: &Scanner, wait: Duration) -> Option<String> {
        let first = self.send("1 sendInvoice", currency).await?;
        self.status("2 status before scan", &first, InvoiceStatus::Issued).await?;
        scanner.scan(&first).await.ok()?;
        let paid = self.status("2 status after scan", &first, InvoiceStatus::Paid).await?;
        let second = self.send("2 sendInvoice again", currency).await?;
        tokio::time::sleep(wait).await;
        self.status("2 status after the wait", &second, InvoiceStatus::Issued).await?;
        let ers = paid.text("return/ersReference")?;
        let receipt = ReceiptDocument {
            mime_type: "Base64".into(),
            data: b"<receipt>certification</receipt>".to_vec(),
            receipt_type: None,
        };
        let request = Request::SubmitPaymentReceipt { ers_reference: ers.clone(), receipt };
        self.call("3 submitPaymentReceipt", request, |_| Ok("accepted".into())).await?;
        Some(ers)
    }

    /// 4-5: cancel an unpaid invoice; refund a paid one.
    async fn cancel_and_refund(&mut self, currency: &str, scanner: &Scanner) -> Option<()> {
        let third = self.send("4 sendInvoice", currency).await?;
        self.status("4 status", &third, InvoiceStatus::Issued).await?;
        self.call("4 cancelInvoice", Request::CancelInvoice { invoice_reference: third.clone() }, |_| {
            Ok("canceled".into())
        })
        .await?;
        let fourth = self.send("5 sendInvoice", currency).await?;
        self.status("5 status before scan", &fourth, InvoiceStatus::Issued).await?;
        scanner.scan(&fourth).await.ok()?;
        let paid = self.status("5 status after scan", &fourth, InvoiceStatus::Paid).await?;
        let ers = paid.text("return/ersReference")?;
        let refund = Invoice::simple("Certification refund", currency, Decimal::new(1250, 2));
        self.call("5 refundPayment", Request::RefundPayment { ers_reference: ers, invoice: refund }, |f| {
            f.text("return/ersReference").map(|r| format!("refund {r}")).ok_or_else(|| "no ersReference".into())
        })
        .await?;
        Some(())
    }

    /// 6: the close. Terminal-level, so a shop-level nightly close is not disturbed.
    async fn close(&mut self) {
        let terminal_id = match &self.terminal.principal {
            crate::seqr::Principal::Terminal { terminal_id } => terminal_id.clone(),
            crate::seqr::Principal::ResellerUser { .. } => String::new(),
        };
        let req = Request::MarkTransactionPeriod { parameters: vec![("TERMINALID".into(), terminal_id)] };
        self.call("6 markTransactionPeriod", req, |f| {
            f.text("return/transactionPeriodId")
                .map(|p| format!("period {p}"))
                .ok_or_else(|| "no transactionPeriodId".into())
        })
        .await;
    }
}

/// The pass/fail table.
pub fn render(steps: &[Step]) -> String {
    let mut s = format!("{:<26} {:<22} {:<34} {:<5} {}\n", "test", "call", "clientReference", "", "detail");
    for st in steps {
        s.push_str(&format!(
            "{:<26} {:<22} {:<34} {:<5} {}\n",
            st.test,
            st.call,
            st.client_reference,
            if st.passed { "PASS" } else { "FAIL" },
            st.detail
        ));
    }
    s
}
