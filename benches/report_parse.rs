//! Parsing a 1,000,000-row detail report (built here, in memory) on one core.
//! Run: `make bench` (or `cargo bench --profile dev --bench report_parse`).

use std::time::Instant;

use seqr_recon::seqr::report::parse_report;

fn main() {
    let rows = 1_000_000;
    let mut xml = String::with_capacity(rows * 200);
    xml.push_str(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TransactionDetails>\n<Meta>\n<ResellerId>acme-se</ResellerId>\n",
    );
    xml.push_str("<TransactionPeriodId>2026112121003312301000044</TransactionPeriodId>\n<GeneratedAt>2026-11-21 21:00</GeneratedAt>\n</Meta>\n");
    for i in 0..rows {
        let cashier = if i % 7 == 0 { "NULL".to_string() } else { format!("cashier-{}", i % 40) };
        xml.push_str(&format!(
            "<Row>\n<TerminalId>5c1d0a7e93b44f4c8e2a61f0b7d3a9{:02}</TerminalId>\n<CashierId>{cashier}</CashierId>\n\
             <SalesAmount>{}.{:05}</SalesAmount>\n<ErsReference>20261121142251{:011}</ErsReference>\n</Row>\n",
            i % 10,
            1 + i % 5000,
            (i * 37) % 100_000,
            i
        ));
    }
    xml.push_str("</TerminalTransactionSummary>\n");
    let mb = xml.len() as f64 / 1e6;

    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let report = parse_report(&xml, "Reconciliation/STD_RECON_003.xml", "2026112121003312301000044").unwrap();
        let secs = start.elapsed().as_secs_f64();
        assert_eq!(report.details.len(), rows);
        best = best.min(secs);
    }
    // The ceiling: quick-xml's reader alone, events counted and dropped.
    let start = Instant::now();
    let mut reader = quick_xml::Reader::from_str(&xml);
    reader.config_mut().check_end_names = false;
    let mut events = 0u64;
    while !matches!(reader.read_event().unwrap(), quick_xml::events::Event::Eof) {
        events += 1;
    }
    let raw = start.elapsed().as_secs_f64();
    println!("report_parse: quick-xml alone: {events} events in {raw:.3} s = {:.0} MB/s", mb / raw);
    println!("report_parse: {rows} rows, {mb:.1} MB of report text, best of 3: {best:.3} s = {:.0} MB/s", mb / best);
}
