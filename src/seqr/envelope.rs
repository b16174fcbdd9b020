//! Writes SOAP envelopes with quick-xml's writer: requests for the client,
//! responses for the simulator. Element names and order follow the WSDL.

use base64::Engine;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;
use secrecy::ExposeSecret;

use super::types::{Amount, ClientContext, Invoice, Principal, Request};

/// The operations' namespace.
pub const NAMESPACE: &str = "http://external.interfaces.ers.seamless.com/";
const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// A thin writer: elements and escaped text, nothing else.
pub struct XmlOut {
    w: Writer<Vec<u8>>,
}

impl Default for XmlOut {
    fn default() -> Self {
        Self::new()
    }
}

impl XmlOut {
    /// An empty document.
    pub fn new() -> Self {
        XmlOut { w: Writer::new(Vec::with_capacity(1024)) }
    }

    fn event(&mut self, e: Event<'_>) {
        // Writing into a Vec cannot fail.
        self.w.write_event(e).expect("writing XML into memory");
    }

    /// Opens element `name`.
    pub fn open(&mut self, name: &str) {
        self.event(Event::Start(BytesStart::new(name)));
    }

    /// Opens element `name` with attributes.
    pub fn open_with(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for a in attrs {
            start.push_attribute(*a);
        }
        self.event(Event::Start(start));
    }

    /// Closes element `name`.
    pub fn close(&mut self, name: &str) {
        self.event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`, with `text` escaped.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        self.event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// Writes `<name>text</name>` when there is text.
    pub fn opt_leaf(&mut self, name: &str, text: Option<&str>) {
        if let Some(t) = text {
            self.leaf(name, t);
        }
    }

    /// `<name><![CDATA[text]]></name>`; a `]]>` inside is split across two sections.
    pub fn cdata_leaf(&mut self, name: &str, text: &str) {
        self.open(name);
        for part in quick_xml::events::BytesCData::escaped(text) {
            self.event(Event::CData(part));
        }
        self.close(name);
    }

    /// Writes text as is (already XML).
    pub fn raw(&mut self, text: &str) {
        self.w.get_mut().extend_from_slice(text.as_bytes());
    }

    /// The document.
    pub fn into_string(self) -> String {
        String::from_utf8(self.w.into_inner()).expect("XML written from &str is UTF-8")
    }
}

fn write_context(x: &mut XmlOut, ctx: &ClientContext, client_reference: &str) {
    x.open("context");
    x.leaf("channel", "WS");
    x.leaf("clientId", &ctx.client_id);
    x.leaf("clientReference", client_reference);
    x.leaf("clientRequestTimeout", "0");
    x.open("initiatorPrincipalId");
    match &ctx.principal {
        Principal::ResellerUser { reseller_id, user_id } => {
            x.leaf("id", reseller_id);
            x.leaf("type", "RESELLERUSER");
            x.leaf("userId", user_id);
        }
        Principal::Terminal { terminal_id } => {
            x.leaf("id", terminal_id);
            x.leaf("type", "TERMINALID");
        }
    }
    x.close("initiatorPrincipalId");
    x.leaf("password", ctx.password.expose_secret());
    x.close("context");
}

fn write_amount(x: &mut XmlOut, name: &str, a: &Amount) {
    x.open(name);
    x.leaf("currency", &a.currency);
    x.leaf("value", &a.value.to_string());
    x.close(name);
}

fn write_invoice(x: &mut XmlOut, inv: &Invoice) {
    x.open("invoice");
    x.opt_leaf("paymentMode", inv.payment_mode.as_deref());
    x.opt_leaf("acknowledgmentMode", inv.acknowledgment_mode.as_deref());
    if let Some(d) = inv.issue_date {
        x.leaf("issueDate", &d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
    }
    x.opt_leaf("title", inv.title.as_deref());
    x.opt_leaf("clientInvoiceId", inv.client_invoice_id.as_deref());
    x.open("invoiceRows");
    for row in &inv.rows {
        x.open("invoiceRow");
        x.opt_leaf("itemDescription", row.description.as_deref());
        x.leaf("itemQuantity", &row.quantity.to_string());
        x.opt_leaf("itemSKU", row.sku.as_deref());
        write_amount(x, "itemTotalAmount", &Amount { currency: inv.total.currency.clone(), value: row.total });
        if let Some(p) = row.unit_price {
            write_amount(x, "itemUnitPrice", &Amount { currency: inv.total.currency.clone(), value: p });
        }
        x.close("invoiceRow");
    }
    x.close("invoiceRows");
    write_amount(x, "totalAmount", &inv.total);
    x.opt_leaf("cashierId", inv.cashier_id.as_deref());
    x.opt_leaf("footer", inv.footer.as_deref());
    x.opt_leaf("backURL", inv.back_url.as_deref());
    x.opt_leaf("notificationUrl", inv.notification_url.as_deref());
    x.close("invoice");
}

fn write_parameters(x: &mut XmlOut, params: &[(String, String)]) {
    if params.is_empty() {
        return;
    }
    x.open("parameters");
    x.open("parameter");
    for (k, v) in params {
        x.open("entry");
        x.leaf("key", k);
        x.leaf("value", v);
        x.close("entry");
    }
    x.close("parameter");
    x.close("parameters");
}

fn open_envelope(x: &mut XmlOut) {
    x.raw(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    x.open_with("soapenv:Envelope", &[("xmlns:soapenv", SOAP_ENV), ("xmlns:ext", NAMESPACE)]);
    x.leaf("soapenv:Header", "");
    x.open("soapenv:Body");
}

fn close_envelope(x: &mut XmlOut) {
    x.close("soapenv:Body");
    x.close("soapenv:Envelope");
}

/// The full SOAP request for `req`, as SEQR expects it.
pub fn write_request(ctx: &ClientContext, client_reference: &str, req: &Request) -> String {
    let mut x = XmlOut::new();
    open_envelope(&mut x);
    let op = format!("ext:{}", req.operation());
    x.open(&op);
    write_context(&mut x, ctx, client_reference);
    match req {
        Request::SendInvoice { invoice } => write_invoice(&mut x, invoice),
        Request::UpdateInvoice { invoice_reference, invoice } => {
            x.leaf("invoiceReference", invoice_reference);
            write_invoice(&mut x, invoice);
        }
        Request::GetPaymentStatus { invoice_reference, invoice_version } => {
            x.leaf("invoiceReference", invoice_reference);
            x.leaf("invoiceVersion", &invoice_version.to_string());
        }
        Request::CancelInvoice { invoice_reference } | Request::CommitReservation { invoice_reference } => {
            x.leaf("invoiceReference", invoice_reference);
        }
        Request::SubmitPaymentReceipt { ers_reference, receipt } => {
            x.leaf("ersReference", ers_reference);
            x.open("receiptDocument");
            x.leaf("mimeType", &receipt.mime_type);
            x.leaf("receiptData", &base64::engine::general_purpose::STANDARD.encode(&receipt.data));
            x.opt_leaf("receiptType", receipt.receipt_type.as_deref());
            x.close("receiptDocument");
        }
        Request::RefundPayment { ers_reference, invoice } => {
            x.leaf("ersReference", ers_reference);
            write_invoice(&mut x, invoice);
        }
        Request::RegisterTerminal { external_terminal_id, password, name } => {
            x.leaf("externalTerminalId", external_terminal_id);
            x.leaf("password", password.expose_secret());
            x.leaf("name", name);
        }
        Request::UnregisterTerminal => {}
        Request::AssignSeqrId { seqr_id } => x.leaf("seqrId", seqr_id),
        Request::MarkTransactionPeriod { parameters } => write_parameters(&mut x, parameters),
        Request::ExecuteReport { report_id, language, parameters } => {
            x.leaf("reportId", report_id);
            x.leaf("language", language);
            write_parameters(&mut x, parameters);
        }
    }
    x.close(&op);
    close_envelope(&mut x);
    x.into_string()
}

/// A response envelope: `<{op}Response><return>` with `ersReference` (when
/// given), `resultCode`, `resultDescription`, then whatever `body` writes, in
/// the WSDL's order (`erswsResponse` first, its extension after).
pub fn write_response(
    op: &str,
    ers_reference: Option<&str>,
    code: i32,
    description: &str,
    body: impl FnOnce(&mut XmlOut),
) -> String {
    let mut x = XmlOut::new();
    open_envelope(&mut x);
    let name = format!("ns2:{op}Response");
    x.open_with(&name, &[("xmlns:ns2", NAMESPACE)]);
    x.open("return");
    x.opt_leaf("ersReference", ers_reference);
    x.leaf("resultCode", &code.to_string());
    x.leaf("resultDescription", description);
    body(&mut x);
    x.close("return");
    x.close(&name);
    close_envelope(&mut x);
    x.into_string()
}

/// A SOAP 1.1 fault, as sent with HTTP 500.
pub fn write_fault(faultcode: &str, faultstring: &str) -> String {
    let mut x = XmlOut::new();
    open_envelope(&mut x);
    x.open("soapenv:Fault");
    x.leaf("faultcode", faultcode);
    x.leaf("faultstring", faultstring);
    x.close("soapenv:Fault");
    close_envelope(&mut x);
    x.into_string()
}

/// Replaces the text of every `<password>` element, for request/response traces.
pub fn redact_passwords(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(start) = rest.find("<password>") {
        let after = start + "<password>".len();
        out.push_str(&rest[..after]);
        out.push_str("***");
        match rest[after..].find("</password>") {
            Some(end) => rest = &rest[after + end..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use secrecy::SecretString;
    use std::str::FromStr;

    fn ctx() -> ClientContext {
        ClientContext {
            client_id: "Acme BackOffice".into(),
            principal: Principal::ResellerUser { reseller_id: "acme-se".into(), user_id: "9900".into() },
            password: SecretString::from("s3cret<&>"),
            who: "shop stockholm-1".into(),
        }
    }

    #[test]
    fn a_context_printed_for_debugging_hides_its_password() {
        let printed = format!("{:?}", ctx());
        assert!(printed.contains("acme-se") && !printed.contains("s3cret"), "{printed}");
    }

    #[test]
    fn cashier_name_with_markup_characters_is_escaped() {
        let mut inv = Invoice::simple("Coffee", "SEK", Decimal::from_str("10.50").unwrap());
        inv.cashier_id = Some("O'Brien & <Sons>".into());
        let xml = write_request(&ctx(), "r1", &Request::SendInvoice { invoice: inv });
        assert!(xml.contains("<cashierId>O&apos;Brien &amp; &lt;Sons&gt;</cashierId>"), "{xml}");
    }

    #[test]
    fn redaction_hides_every_password_element() {
        let req = Request::RegisterTerminal {
            external_terminal_id: "POS-2".into(),
            password: SecretString::from("terminal-pass-123"),
            name: "POS #2".into(),
        };
        let xml = write_request(&ctx(), "r1", &req);
        assert!(xml.contains("terminal-pass-123"));
        let red = redact_passwords(&xml);
        assert!(!red.contains("terminal-pass-123") && !red.contains("s3cret"), "{red}");
        assert_eq!(red.matches("<password>***</password>").count(), 2);
    }
}
