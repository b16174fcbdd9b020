//! Renders reconciliation reports in SEQR's published shape.

use rust_decimal::Decimal;

use super::state::ReportData;
use crate::seqr::envelope::XmlOut;

/// Which rows a report id carries.
pub fn is_detail_report(report_id: &str) -> bool {
    report_id.ends_with("STD_RECON_003.xml") || report_id.ends_with("STD_RECON_007.xml")
}

/// Whether a report id is one of the terminal reports.
pub fn is_terminal_report(report_id: &str) -> bool {
    report_id.ends_with("STD_RECON_006.xml") || report_id.ends_with("STD_RECON_007.xml")
}

/// Whether SEQR knows the report id.
pub fn is_known_report(report_id: &str) -> bool {
    ["Shop.xml", "STD_RECON_001.xml", "STD_RECON_003.xml", "STD_RECON_006.xml", "STD_RECON_007.xml"]
        .iter()
        .any(|r| report_id == format!("Reconciliation/{r}"))
}

/// The report document. With `quirks`, summary reports open and close their
/// root with different names, as SEQR's published samples do.
/// `summary_skew` is added to summary totals (a fault switch).
pub fn render(data: &ReportData, report_id: &str, quirks: bool, summary_skew: Decimal) -> String {
    let detail = is_detail_report(report_id);
    let (open, close) = match (detail, quirks) {
        (true, _) => ("TransactionDetails", "TransactionDetails"),
        (false, true) => ("CashierTransactionSummary", "TerminalTransactionSummary"),
        (false, false) => ("TransactionSummary", "TransactionSummary"),
    };
    let mut x = XmlOut::new();
    x.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    x.open(open);
    x.raw("\n");
    x.open("Meta");
    x.leaf("ResellerId", &data.reseller_id);
    if let Some(t) = &data.terminal_id {
        x.leaf("TerminalId", t);
    }
    x.leaf("TransactionPeriodId", &data.period_id);
    x.leaf("GeneratedAt", &data.generated_at.format("%Y-%m-%d %H:%M").to_string());
    x.close("Meta");
    x.raw("\n");
    if detail {
        for s in &data.sales {
            x.open("Row");
            x.leaf("TerminalId", &s.terminal_id);
            x.leaf("CashierId", s.cashier_id.as_deref().unwrap_or("NULL"));
            x.leaf("SalesAmount", &format!("{:.5}", s.amount));
            x.leaf("ErsReference", &s.ers_reference);
            x.close("Row");
            x.raw("\n");
        }
    } else {
        let total: Decimal = data.sales.iter().map(|s| s.amount).sum();
        x.open("Row");
        if let Some(t) = &data.terminal_id {
            x.leaf("TerminalId", t);
        }
        x.leaf("SalesCount", &data.sales.len().to_string());
        x.leaf("SalesTotal", &format!("{:.5}", total + summary_skew));
        x.close("Row");
        x.raw("\n");
    }
    x.close(close);
    x.into_string()
}
