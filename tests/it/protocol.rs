//! The SEQR client against the simulator over real HTTP.

use std::time::Duration;

use seqr_recon::secret::Secret;
use seqr_recon::seqr::types::{report_ids, Invoice, InvoiceRow, InvoiceStatus, ReceiptDocument};
use seqr_recon::seqr::{ReportPolling, ResultCode, SeqrError};
use seqr_recon::sim::Faults;

use crate::helpers::*;

fn quick_polling(max_attempts: u32) -> ReportPolling {
    ReportPolling { first_wait: Duration::from_millis(5), interval: Duration::from_millis(5), max_attempts }
}

fn invoice_with_discount() -> Invoice {
    let mut inv = Invoice::simple("Groceries", "SEK", dec("149.50"));
    inv.cashier_id = Some("O'Brien & <Sons>".into());
    inv.rows = vec![
        InvoiceRow {
            description: Some("Coffee".into()),
            quantity: dec("2"),
            total: dec("99.50"),
            ..Default::default()
        },
        InvoiceRow { description: Some("Bread".into()), quantity: dec("1"), total: dec("70.00"), ..Default::default() },
        InvoiceRow {
            description: Some("Discount".into()),
            quantity: dec("1"),
            total: dec("-20.00"),
            ..Default::default()
        },
    ];
    inv
}

#[tokio::test(flavor = "multi_thread")]
async fn full_sale_refund_and_shop_close_over_http() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();

    // Register a second terminal and give it a sticker, as a back office would.
    let pass = Secret::new("a-long-terminal-password");
    let new_id = b.client.register_terminal(&b.reseller(), "POS-2", &pass, "POS #2").await.unwrap();
    assert_eq!(new_id.len(), 32);
    let pos2 = terminal_ctx(&new_id, pass.expose());
    b.client.assign_seqr_id(&pos2, "STICKER42").await.unwrap();

    let sent = b.client.send_invoice(&term, invoice_with_discount()).await.unwrap();
    assert!(sent.qr_code.as_deref().unwrap().starts_with("HTTP://SEQR.SE/R"));
    let before = b.client.payment_status(&term, &sent.invoice_reference, 0).await.unwrap();
    assert_eq!(before.status, InvoiceStatus::Issued);

    b.customer_pays(&sent.invoice_reference).await;
    let paid = b.client.payment_status(&term, &sent.invoice_reference, before.version).await.unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert!(paid.version > before.version, "invoiceVersion increments");
    let ers = paid.ers_reference.clone().unwrap();
    assert_eq!(ers.len(), 25);

    let receipt = ReceiptDocument { mime_type: "Base64".into(), data: b"<receipt/>".to_vec(), receipt_type: None };
    b.client.submit_payment_receipt(&term, &ers, receipt).await.unwrap();

    let refund_ers =
        b.client.refund_payment(&term, &ers, Invoice::simple("Refund", "SEK", dec("49.50"))).await.unwrap();
    assert_ne!(refund_ers, ers);
    let over = b.client.refund_payment(&term, &ers, Invoice::simple("Refund", "SEK", dec("100.01"))).await.unwrap_err();
    assert_eq!(over.result_code(), Some(ResultCode::SUM_OF_REFUNDS_EXCEEDS_ORIGINAL), "{over}");
    let unknown = b.client.refund_payment(&term, "123", Invoice::simple("Refund", "SEK", dec("1"))).await.unwrap_err();
    assert_eq!(unknown.result_code(), Some(ResultCode::INVALID_ERS_REFERENCE));

    let (period, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    assert_eq!(period.len(), 25);
    let detail =
        b.client.fetch_report(&b.reseller(), report_ids::SHOP_DETAIL, &period, None, &quick_polling(5)).await.unwrap();
    assert_eq!(detail.attempts, 2, "the first executeReport after a mark is REPORT_NOT_READY");
    let rows = &detail.report.details;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[0].ers_reference.as_str(), rows[0].amount), (ers.as_str(), dec("149.50")));
    assert_eq!(rows[0].cashier_id.as_deref(), Some("O'Brien & <Sons>"), "escaping round-trips");
    assert_eq!((rows[1].ers_reference.as_str(), rows[1].amount), (refund_ers.as_str(), dec("-49.50")));
    assert_eq!(detail.report.meta.period_id.as_deref(), Some(period.as_str()));

    let summary =
        b.client.fetch_report(&b.reseller(), report_ids::SHOP_SUMMARY, &period, None, &quick_polling(5)).await.unwrap();
    assert_eq!(summary.report.summaries[0].count, 2);
    assert_eq!(summary.report.summaries[0].total, dec("100.00"));

    // A later period holds only what happened after this mark.
    let (next, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    let empty =
        b.client.fetch_report(&b.reseller(), report_ids::SHOP_DETAIL, &next, None, &quick_polling(5)).await.unwrap();
    assert!(empty.report.details.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn terminal_level_close_has_terminal_reports_and_shop_periods_do_not() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();
    let sent = b.client.send_invoice(&term, Invoice::simple("Tea", "SEK", dec("20"))).await.unwrap();
    b.customer_pays(&sent.invoice_reference).await;
    b.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();

    let (period, _) = b.client.mark_transaction_period(&b.reseller(), Some(TERMINAL)).await.unwrap();
    let rep = b
        .client
        .fetch_report(&b.reseller(), report_ids::TERMINAL_DETAIL, &period, Some(TERMINAL), &quick_polling(5))
        .await
        .unwrap();
    assert_eq!(rep.report.details.len(), 1);
    assert_eq!(rep.report.meta.terminal_id.as_deref(), Some(TERMINAL));
    let sum = b
        .client
        .fetch_report(&b.reseller(), report_ids::TERMINAL_SUMMARY, &period, Some(TERMINAL), &quick_polling(5))
        .await
        .unwrap();
    assert_eq!((sum.report.summaries[0].count, sum.report.summaries[0].total), (1, dec("20")));

    let (shop_period, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    let e = b
        .client
        .fetch_report(&b.reseller(), report_ids::TERMINAL_DETAIL, &shop_period, Some(TERMINAL), &quick_polling(4))
        .await
        .unwrap_err();
    assert!(matches!(e, SeqrError::ReportNotReady { attempts: 4, .. }), "{e}");
    assert!(e.to_string().contains("never ready for a period marked without TERMINALID"));
}

#[tokio::test(flavor = "multi_thread")]
async fn payment_not_polled_within_the_window_is_reversed_and_left_out_of_reports() {
    // 1000x: the 20-second window lasts 20 ms of real time.
    let b = Bench::start(sim_config(1000.0)).await;
    let term = b.terminal();
    let sent = b.client.send_invoice(&term, Invoice::simple("Late", "SEK", dec("75"))).await.unwrap();
    b.customer_pays(&sent.invoice_reference).await;
    tokio::time::sleep(Duration::from_millis(60)).await;
    let late = b.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();
    assert_eq!(late.status, InvoiceStatus::Failed);

    let (period, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    let rep =
        b.client.fetch_report(&b.reseller(), report_ids::SHOP_DETAIL, &period, None, &quick_polling(5)).await.unwrap();
    assert!(rep.report.details.is_empty(), "a reversed payment is not in the reconciliation report");
}

#[tokio::test(flavor = "multi_thread")]
async fn preliminary_payment_is_reserved_updated_and_committed() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();
    let mut inv = Invoice::simple("Fuel", "SEK", dec("500"));
    inv.payment_mode = Some("RESERVATION_REQUIRED".into());
    let sent = b.client.send_invoice(&term, inv).await.unwrap();
    b.customer_pays(&sent.invoice_reference).await;
    let st = b.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();
    assert_eq!(st.status, InvoiceStatus::Reserved);
    b.client
        .update_invoice(&term, &sent.invoice_reference, Invoice::simple("Fuel", "SEK", dec("312.40")))
        .await
        .unwrap();
    let ers = b.client.commit_reservation(&term, &sent.invoice_reference).await.unwrap().unwrap();
    let again = b.client.commit_reservation(&term, &sent.invoice_reference).await.unwrap_err();
    assert_eq!(again.result_code(), Some(ResultCode::INVOICE_STATE_NOT_RESERVED));
    let (period, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    let rep =
        b.client.fetch_report(&b.reseller(), report_ids::SHOP_DETAIL, &period, None, &quick_polling(5)).await.unwrap();
    assert_eq!(rep.report.details[0].ers_reference, ers);
    assert_eq!(rep.report.details[0].amount, dec("312.40"));
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_password_is_a_clear_error_that_hides_the_password() {
    let b = Bench::start(sim_config(1.0)).await;
    let e = b.client.mark_transaction_period(&reseller_ctx("wrong-password-xyz"), None).await.unwrap_err();
    let msg = e.to_string();
    assert_eq!(e.result_code(), Some(ResultCode::AUTHENTICATION_FAILED));
    assert!(
        msg.contains("code 20 AUTHENTICATION_FAILED") && msg.contains("check password_env for shop stockholm-1"),
        "{msg}"
    );
    assert!(!msg.contains("wrong-password-xyz") && !format!("{e:?}").contains("wrong-password-xyz"));
    let e = b.client.unregister_terminal(&terminal_ctx("no-such-terminal", "x")).await.unwrap_err();
    assert_eq!(e.result_code(), Some(ResultCode::INVALID_INITIATOR_PRINCIPAL_ID));
    let short = b.client.register_terminal(&b.reseller(), "POS-3", &Secret::new("abc"), "POS 3").await.unwrap_err();
    assert_eq!(short.result_code(), Some(ResultCode::ACCESS_DENIED));
    let bad_sticker = b.client.assign_seqr_id(&b.terminal(), "no spaces!").await.unwrap_err();
    assert_eq!(bad_sticker.result_code(), Some(ResultCode::INVALID_SEQR_ID));
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_failures_are_retried_and_permanent_ones_are_not() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();

    b.set_faults(Faults { http_500: 2, ..Default::default() }).await;
    b.client.send_invoice(&term, Invoice::simple("A", "SEK", dec("1"))).await.unwrap();
    assert_eq!(b.calls("sendInvoice"), 3, "two HTTP 500s, then success");

    b.set_faults(Faults { result_code: Some(94), result_code_count: 2, ..Default::default() }).await;
    b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    assert_eq!(b.calls("markTransactionPeriod"), 3, "code 94 is transient and SEQR did not act");

    b.set_faults(Faults { soap_fault: 10, ..Default::default() }).await;
    let e = b.client.cancel_invoice(&term, "R1").await.unwrap_err();
    assert!(matches!(e, SeqrError::Fault { .. }) && e.to_string().contains("simulated server fault"), "{e}");

    b.set_faults(Faults::default()).await;
    let before = b.calls("cancelInvoice");
    let e = b.client.cancel_invoice(&term, "R-unknown").await.unwrap_err();
    assert_eq!(e.result_code(), Some(ResultCode::INVALID_INVOICE_REFERENCE));
    assert_eq!(b.calls("cancelInvoice"), before + 1, "permanent codes are not retried");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mark_whose_answer_is_lost_is_not_sent_again() {
    let b = Bench::start(sim_config(1.0)).await;
    b.set_faults(Faults { truncate: 1, only_op: Some("markTransactionPeriod".into()), ..Default::default() }).await;
    let e = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap_err();
    assert!(matches!(e, SeqrError::OutcomeUnknown { .. }), "{e}");
    assert_eq!(b.calls("markTransactionPeriod"), 1);

    // A timeout after SEQR acted is just as unknown.
    let short = seqr_recon::seqr::SeqrClient::new(b.client.endpoint(), Duration::from_millis(300), Default::default());
    b.set_faults(Faults { drop_after_acting: 1, only_op: Some("markTransactionPeriod".into()), ..Default::default() })
        .await;
    let e = short.mark_transaction_period(&b.reseller(), None).await.unwrap_err();
    assert!(matches!(e, SeqrError::OutcomeUnknown { .. }), "{e}");
    assert_eq!(b.calls("markTransactionPeriod"), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_that_never_become_ready_end_in_a_clear_error() {
    let b = Bench::start(sim_config(1.0)).await;
    let (period, _) = b.client.mark_transaction_period(&b.reseller(), None).await.unwrap();
    b.set_faults(Faults { reports_never_ready: true, latency_ms: 1, ..Default::default() }).await;
    let e = b
        .client
        .fetch_report(&b.reseller(), report_ids::SHOP_DETAIL, &period, None, &quick_polling(6))
        .await
        .unwrap_err();
    assert!(matches!(e, SeqrError::ReportNotReady { attempts: 6, .. }), "{e}");
    assert_eq!(b.calls("executeReport"), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_endpoint_is_reported_with_the_url() {
    let client = seqr_recon::seqr::SeqrClient::new(
        "http://127.0.0.1:9/soap/merchant/cashregister-2",
        Duration::from_secs(2),
        seqr_recon::seqr::RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        },
    );
    let e = client.mark_transaction_period(&reseller_ctx("x"), None).await.unwrap_err();
    assert!(matches!(e, SeqrError::Unreachable { .. }), "{e}");
    assert!(e.to_string().contains("127.0.0.1:9"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn simulator_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("sim-state.json");
    let (url, _sim) = seqr_recon::sim::spawn(sim_config(1.0), Some(&state)).await.unwrap();
    let client = seqr_recon::seqr::SeqrClient::new(
        &format!("{url}/soap/merchant/cashregister-2"),
        Duration::from_secs(5),
        Default::default(),
    );
    let term = terminal_ctx(TERMINAL, TERMINAL_PASSWORD);
    let sent = client.send_invoice(&term, Invoice::simple("Kept", "SEK", dec("42"))).await.unwrap();
    let b = Bench { base_url: url.clone(), sim: _sim, client: client.clone() };
    b.customer_pays(&sent.invoice_reference).await;
    let paid = client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();
    // The simulator saves within a second of a change.
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let (url2, _sim2) = seqr_recon::sim::spawn(sim_config(1.0), Some(&state)).await.unwrap();
    let again = seqr_recon::seqr::SeqrClient::new(
        &format!("{url2}/soap/merchant/cashregister-2"),
        Duration::from_secs(5),
        Default::default(),
    );
    let st = again.payment_status(&term, &sent.invoice_reference, 2).await.unwrap();
    assert_eq!((st.status, st.ers_reference.clone()), (InvoiceStatus::Paid, paid.ers_reference.clone()));
    let (period, _) = again.mark_transaction_period(&reseller_ctx(RESELLER_PASSWORD), None).await.unwrap();
    let rep = again
        .fetch_report(&reseller_ctx(RESELLER_PASSWORD), report_ids::SHOP_DETAIL, &period, None, &quick_polling(5))
        .await
        .unwrap();
    assert_eq!(rep.report.details.len(), 1, "the sale made before the restart is reported after it");
}
