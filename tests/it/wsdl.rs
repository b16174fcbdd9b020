//! The request bodies the client writes follow the WSDL's element names and order.

use std::collections::HashMap;

use quick_xml::events::Event;
use quick_xml::Reader;
use secrecy::SecretString;
use seqr_recon::seqr::envelope::write_request;
use seqr_recon::seqr::types::{Invoice, InvoiceRow, Request};

use crate::helpers::*;

const WSDL: &str = include_str!("../fixtures/ERSWSExternalClientService.wsdl");

/// complexType name → the element names of its top-level sequence, in order.
fn wsdl_sequences() -> HashMap<String, Vec<String>> {
    let mut reader = Reader::from_str(WSDL);
    let mut out: HashMap<String, Vec<String>> = HashMap::new();
    let mut current: Option<String> = None;
    let mut nested_elements = 0;
    let attr = |e: &quick_xml::events::BytesStart<'_>, name: &[u8]| {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == name)
            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) if e.local_name().as_ref() == b"complexType" && current.is_none() => {
                current = attr(&e, b"name");
                nested_elements = 0;
            }
            Event::End(e) if e.local_name().as_ref() == b"complexType" && nested_elements == 0 => current = None,
            Event::Start(e) if e.local_name().as_ref() == b"element" => {
                if let (Some(t), 0) = (&current, nested_elements) {
                    out.entry(t.clone()).or_default().push(attr(&e, b"name").unwrap());
                }
                nested_elements += 1;
            }
            Event::End(e) if e.local_name().as_ref() == b"element" => nested_elements -= 1,
            Event::Empty(e) if e.local_name().as_ref() == b"element" && nested_elements == 0 => {
                if let Some(t) = &current {
                    out.entry(t.clone()).or_default().push(attr(&e, b"name").unwrap());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Local element name → the child element names our request wrote, per occurrence.
fn children(xml: &str) -> Vec<(String, Vec<String>)> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<(String, Vec<String>)> = Vec::new();
    let mut out = Vec::new();
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if let Some(parent) = stack.last_mut() {
                    parent.1.push(name.clone());
                }
                stack.push((name, Vec::new()));
            }
            Event::Empty(e) => {
                if let Some(parent) = stack.last_mut() {
                    parent.1.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                }
            }
            Event::End(_) => {
                let done = stack.pop().unwrap();
                if !done.1.is_empty() {
                    out.push(done);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn assert_follows(element: &str, written: &[String], sequence: &[String]) {
    let mut last = 0;
    for name in written {
        let pos = sequence.iter().position(|s| s == name).unwrap_or_else(|| {
            panic!("<{element}> has <{name}>, which the WSDL's sequence {sequence:?} does not name")
        });
        assert!(pos >= last, "<{element}>: <{name}> comes out of the WSDL's order {sequence:?}; written {written:?}");
        last = pos;
    }
}

#[test]
fn reconciliation_and_payment_requests_follow_the_wsdl_sequences() {
    let seqs = wsdl_sequences();
    // Element name in our requests → its WSDL type.
    let types: HashMap<&str, &str> = [
        ("markTransactionPeriod", "markTransactionPeriod"),
        ("executeReport", "executeReport"),
        ("getPaymentStatus", "getPaymentStatus"),
        ("sendInvoice", "sendInvoice"),
        ("refundPayment", "refundPayment"),
        ("registerTerminal", "registerTerminal"),
        ("context", "clientContext"),
        ("initiatorPrincipalId", "principalId"),
        ("parameters", "parameterMap"),
        ("parameter", "mapArray"),
        ("entry", "parameter"),
        ("invoice", "invoice"),
        ("invoiceRow", "paymentInvoiceRow"),
        ("totalAmount", "amount"),
        ("itemTotalAmount", "amount"),
    ]
    .into();
    let mut inv = Invoice::simple("T", "SEK", dec("10"));
    inv.cashier_id = Some("anna".into());
    inv.rows.push(InvoiceRow {
        description: Some("x".into()),
        quantity: dec("1"),
        total: dec("0"),
        ..Default::default()
    });
    let requests = [
        Request::MarkTransactionPeriod { parameters: vec![("TERMINALID".into(), "t1".into())] },
        Request::ExecuteReport {
            report_id: "Reconciliation/STD_RECON_007.xml".into(),
            language: "en".into(),
            parameters: vec![("transactionPeriodId".into(), "p".into()), ("TERMINALID".into(), "t1".into())],
        },
        Request::GetPaymentStatus { invoice_reference: "R1".into(), invoice_version: 2 },
        Request::SendInvoice { invoice: inv.clone() },
        Request::RefundPayment { ers_reference: "e".into(), invoice: inv },
        Request::RegisterTerminal {
            external_terminal_id: "POS".into(),
            password: SecretString::from("pppp"),
            name: "n".into(),
        },
    ];
    let mut checked = 0;
    for ctx in [reseller_ctx("p"), terminal_ctx("t", "p")] {
        for req in &requests {
            let xml = write_request(&ctx, "ref", req);
            for (element, written) in children(&xml) {
                if let Some(t) = types.get(element.as_str()) {
                    let seq = seqs.get(*t).unwrap_or_else(|| panic!("WSDL has no complexType {t}"));
                    assert_follows(&element, &written, seq);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 40, "only {checked} elements checked");
}
