//! The SEQR client against the simulator over real HTTP.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use seqr_recon::seqr::types::{report_ids, Invoice, InvoiceRow, InvoiceStatus, ReceiptDocument};
use seqr_recon::seqr::{ReportPolling, ResultCode, SeqrError};
use seqr_recon::sim::{AfterActing, Faults};

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
    let pass = SecretString::from("a-long-terminal-password");
    let new_id = b.client.register_terminal(&b.reseller(), "POS-2", &pass, "POS #2").await.unwrap();
    assert_eq!(new_id.len(), 32);
    let pos2 = terminal_ctx(&new_id, pass.expose_secret());
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
    let short =
        b.client.register_terminal(&b.reseller(), "POS-3", &SecretString::from("abc"), "POS 3").await.unwrap_err();
    assert_eq!(short.result_code(), Some(ResultCode::ACCESS_DENIED));
    let bad_sticker = b.client.assign_seqr_id(&b.terminal(), "no spaces!").await.unwrap_err();
    assert_eq!(bad_sticker.result_code(), Some(ResultCode::INVALID_SEQR_ID));
}

#[tokio::test(flavor = "multi_thread")]
async fn transient_failures_are_retried_and_permanent_ones_are_not() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();

    let sent = b.client.send_invoice(&term, Invoice::simple("A", "SEK", dec("1"))).await.unwrap();
    b.set_faults(Faults { http_500: 2, ..Default::default() }).await;
    b.client.payment_status(&term, &sent.invoice_reference, 0).await.unwrap();
    assert_eq!(b.calls("getPaymentStatus"), 3, "a read is sent again after two HTTP 500s, then succeeds");

    b.set_faults(Faults { http_500: 2, ..Default::default() }).await;
    let e = b.client.send_invoice(&term, Invoice::simple("B", "SEK", dec("1"))).await.unwrap_err();
    assert!(e.outcome_unknown(), "{e}");
    assert_eq!(b.calls("sendInvoice"), 2, "an acting call is never sent again after an HTTP 500");

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

/// The acting calls, each made ready to be sent once: a paid sale to refund, a
/// reserved invoice to commit.
async fn send_acting_call(b: &Bench, op: &str, ready: &str) -> Result<(), SeqrError> {
    let term = b.terminal();
    match op {
        "sendInvoice" => b.client.send_invoice(&term, Invoice::simple("A", "SEK", dec("5"))).await.map(drop),
        "refundPayment" => {
            b.client.refund_payment(&term, ready, Invoice::simple("Refund", "SEK", dec("2"))).await.map(drop)
        }
        "registerTerminal" => {
            let pass = SecretString::from("a-long-terminal-password");
            b.client.register_terminal(&b.reseller(), &format!("POS-{ready}"), &pass, "POS").await.map(drop)
        }
        "markTransactionPeriod" => b.client.mark_transaction_period(&b.reseller(), None).await.map(drop),
        "commitReservation" => b.client.commit_reservation(&term, ready).await.map(drop),
        _ => unreachable!("{op}"),
    }
}

async fn paid_sale(b: &Bench, reservation: bool) -> (String, String) {
    let term = b.terminal();
    let mut inv = Invoice::simple("Sale", "SEK", dec("10"));
    if reservation {
        inv.payment_mode = Some("RESERVATION_REQUIRED".into());
    }
    let sent = b.client.send_invoice(&term, inv).await.unwrap();
    b.customer_pays(&sent.invoice_reference).await;
    let st = b.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();
    (sent.invoice_reference, st.ers_reference.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread")]
async fn an_acting_call_answered_badly_after_seqr_acted_is_unknown_and_reaches_seqr_once() {
    let b = Bench::start(sim_config(1.0)).await;
    let ways = [
        AfterActing::Http502,
        AfterActing::Http503,
        AfterActing::Http504,
        AfterActing::ServerFault,
        AfterActing::SuccessWithoutId,
        AfterActing::CutBody,
    ];
    let mut n = 0;
    for how in ways {
        for op in ["sendInvoice", "refundPayment", "registerTerminal", "markTransactionPeriod", "commitReservation"] {
            n += 1;
            let ready = match op {
                "refundPayment" => paid_sale(&b, false).await.1,
                "commitReservation" => paid_sale(&b, true).await.0,
                _ => n.to_string(),
            };
            b.set_faults(Faults {
                only_op: Some(op.into()),
                after_acting: Some(how),
                after_acting_count: 1,
                ..Default::default()
            })
            .await;
            let before = b.calls(op);
            let result = send_acting_call(&b, op, &ready).await;
            assert_eq!(b.calls(op), before + 1, "{op} after {how:?}: SEQR received it exactly once");
            if op == "commitReservation" && how == AfterActing::SuccessWithoutId {
                // The protocol does not promise an ersReference here: a plain success.
                assert!(result.is_ok(), "{result:?}");
            } else {
                let e = result.expect_err(op);
                assert!(e.outcome_unknown(), "{op} after {how:?}: {e}");
            }
        }
    }
    b.set_faults(Faults::default()).await;
    // A clean refusal is not unknown: SEQR said no and did nothing.
    let e = b.client.commit_reservation(&b.terminal(), "R-unknown").await.unwrap_err();
    assert!(!e.outcome_unknown() && e.result_code().is_some(), "{e}");
}

/// A stand-in SEQR on a loopback port that answers every call with `body`.
async fn stand_in(body: impl Into<Vec<u8>>) -> seqr_recon::seqr::SeqrClient {
    use axum::routing::post;
    let body: Vec<u8> = body.into();
    let app = axum::Router::new().route("/soap", post(move || async move { body }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/soap", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    seqr_recon::seqr::SeqrClient::new(&url, Duration::from_secs(2), Default::default())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_period_id_that_is_not_seqrs_shape_is_refused_as_an_unknown_outcome() {
    let body = seqr_recon::seqr::envelope::write_response("markTransactionPeriod", None, 0, "SUCCESS", |x| {
        x.leaf("transactionPeriodId", "../../x");
    });
    let client = stand_in(body).await;
    let e = client.mark_transaction_period(&reseller_ctx("x"), None).await.unwrap_err();
    assert!(e.outcome_unknown(), "{e}");
    assert!(e.to_string().contains("\"../../x\", which is not SEQR's 25-digit period id"), "{e}");
}

/// An executeReport answer carrying `report` as contentString.
fn report_answer(report: &str) -> String {
    seqr_recon::seqr::envelope::write_response("executeReport", None, 0, "SUCCESS", |x| {
        x.open("report");
        x.leaf("title", "STD_RECON_003");
        x.cdata_leaf("contentString", report);
        x.close("report");
    })
}

const PERIOD: &str = "2026112121003312301000044";

fn detail_report(period: &str, close_root_early: bool) -> String {
    format!(
        "<TransactionDetails><Meta><ResellerId>{RESELLER}</ResellerId><TransactionPeriodId>{period}</TransactionPeriodId>\
         </Meta>{}<Row><TerminalId>t</TerminalId><CashierId>a</CashierId><SalesAmount>10.00000</SalesAmount>\
         <ErsReference>2026112120000000000000001</ErsReference></Row></TransactionDetails>",
        if close_root_early { "</TransactionDetails>" } else { "" }
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_of_another_period_or_cut_short_in_structure_is_refused_never_read_as_fewer_rows() {
    let polling = quick_polling(2);
    let ok = stand_in(report_answer(&detail_report(PERIOD, false))).await;
    let r = ok.fetch_report(&b_reseller(), report_ids::SHOP_DETAIL, PERIOD, None, &polling).await.unwrap();
    assert_eq!(r.report.details.len(), 1);

    let other = stand_in(report_answer(&detail_report("2026112021003312301000043", false))).await;
    let e = other.fetch_report(&b_reseller(), report_ids::SHOP_DETAIL, PERIOD, None, &polling).await.unwrap_err();
    assert!(e.to_string().contains("report of period 2026112021003312301000043 instead"), "{e}");

    let cut = stand_in(report_answer(&detail_report(PERIOD, true))).await;
    let e = cut.fetch_report(&b_reseller(), report_ids::SHOP_DETAIL, PERIOD, None, &polling).await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains(&format!("report {} for period {PERIOD}", report_ids::SHOP_DETAIL)), "{msg}");
    assert!(msg.contains("<Row> after the report's root element closed at byte"), "{msg}");

    let wrong_terminal = stand_in(report_answer(&detail_report(PERIOD, false))).await;
    let e = wrong_terminal
        .fetch_report(&b_reseller(), report_ids::TERMINAL_DETAIL, PERIOD, Some("t-9"), &polling)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("asked for terminal t-9"), "{e}");
}

fn b_reseller() -> seqr_recon::seqr::ClientContext {
    reseller_ctx(RESELLER_PASSWORD)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_answer_that_is_not_utf8_is_refused_naming_the_byte_never_read_with_replacements() {
    let mut answer = report_answer(&detail_report(PERIOD, false)).into_bytes();
    let at = answer.windows(13).position(|w| w == b"<CashierId>a<").unwrap() + "<CashierId>".len();
    answer[at] = 0xff;
    let client = stand_in(answer).await;
    let e = client.fetch_report(&b_reseller(), report_ids::SHOP_DETAIL, PERIOD, None, &quick_polling(2)).await;
    let e = e.unwrap_err().to_string();
    assert!(e.contains("not UTF-8") && e.contains(&format!("byte {at}")), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_paid_invoices_receipt_carries_what_integrations_book_it_from() {
    let b = Bench::start(sim_config(1.0)).await;
    let term = b.terminal();
    let invoice = Invoice::simple("Coffee", "SEK", dec("42.50"));
    let sent = b.client.send_invoice(&term, invoice).await.unwrap();
    b.customer_pays(&sent.invoice_reference).await;
    let status = b.client.payment_status(&term, &sent.invoice_reference, 1).await.unwrap();
    assert_eq!(status.receipt_total, Some(dec("42.50")), "receipt.invoice.totalAmount.value");
    assert!(status.payer_terminal_id.is_some_and(|p| !p.is_empty()), "receipt.payerTerminalId");
    assert!(status.receiver_name.is_some_and(|n| !n.is_empty()), "receipt.receiverName");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_report_in_the_published_samples_mismatched_envelope_is_still_read_and_the_default_is_well_formed() {
    let b = Bench::start(sim_config(1000.0)).await;
    let reseller = b.reseller();
    let (period, _) = b.client.mark_transaction_period(&reseller, None).await.unwrap();
    let polling = quick_polling(20);
    // The simulator's default answer is well formed: a strict XML reader takes it whole.
    let raw = raw_execute_report(&b, period.as_str()).await;
    assert!(raw.trim_end().ends_with("</soapenv:Envelope>") && raw.contains("<soapenv:Envelope"), "{raw}");
    let mut strict = quick_xml::Reader::from_str(&raw);
    loop {
        match strict.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!("the default answer is not well formed: {e}"),
        }
    }
    // The typo of SEQR's samples, as a fault switch: our client still reads the report.
    b.set_faults(Faults { mismatched_envelope: true, ..Default::default() }).await;
    let raw = raw_execute_report(&b, period.as_str()).await;
    assert!(raw.contains("<soap:Envelope") && raw.trim_end().ends_with("</soapenv:Envelope>"), "{raw}");
    let r = b.client.fetch_report(&reseller, report_ids::SHOP_DETAIL, period.as_str(), None, &polling).await;
    assert!(r.is_ok(), "{r:?}");
}

/// executeReport for the shop's detail report, as SEQR's bytes (polling past REPORT_NOT_READY).
async fn raw_execute_report(b: &Bench, period: &str) -> String {
    let request = seqr_recon::seqr::types::Request::ExecuteReport {
        report_id: report_ids::SHOP_DETAIL.into(),
        language: "en".into(),
        parameters: vec![("transactionPeriodId".into(), period.into())],
    };
    let body = seqr_recon::seqr::envelope::write_request(&b.reseller(), "raw-1", &request);
    for _ in 0..50 {
        let answer = reqwest::Client::new()
            .post(format!("{}/soap/merchant/cashregister-2", b.base_url))
            .header("Content-Type", "text/xml; charset=utf-8")
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !answer.contains("REPORT_NOT_READY") {
            return answer;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the report never became ready");
}
