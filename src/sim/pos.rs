//! A POS load generator: cashiers and customers playing a trading day against
//! SEQR over SOAP, exactly as a point of sale does (seeds `003_…`, `004_…`),
//! with faults injected at chosen rates. It writes what a POS writes — the
//! transaction-post CSV and the invoice journal — and a ground-truth CSV of
//! every break it caused. Nothing in the reconciliation core knows about it.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::server::SimClock;
use crate::seqr::types::{Invoice, InvoiceRow, InvoiceStatus, ReceiptDocument};
use crate::seqr::{ClientContext, SeqrClient};

/// One shop the generator plays.
#[derive(Debug, Clone)]
pub struct GenShop {
    pub id: String,
    pub currency: String,
    /// Terminal contexts (TERMINALID principals), already registered.
    pub terminals: Vec<ClientContext>,
}

/// How often each fault happens, per sale (0.0 to 1.0).
#[derive(Debug, Clone)]
pub struct FaultRates {
    /// The POS stops polling after the customer paid: SEQR reverses the payment.
    pub unpolled: f64,
    /// The POS crashes after PAID but before writing its post.
    pub crash_before_post: f64,
    /// The POS writes its post twice.
    pub duplicate_post: f64,
    /// The post's value is keyed wrong (differs from what SEQR charged).
    pub miskeyed_value: f64,
    /// The cashier keys the post's ersReference with one digit wrong.
    pub mistyped_reference: f64,
    /// The post names another terminal.
    pub wrong_terminal: f64,
    /// The post is written after the shop's close: it belongs to the next period.
    pub late_post: f64,
    /// A refund (partial or full) follows the sale; the till books half of
    /// them under the payment's ersReference, as many tills do.
    pub refund: f64,
    /// The till records a refund under the payment's reference that was never
    /// made at SEQR (cash handed back, or a slip of the cashier).
    pub refund_not_at_seqr: f64,
    /// A preliminary payment (RESERVED → updateInvoice → commitReservation).
    pub reservation: f64,
    /// The customer never pays; the cashier cancels.
    pub no_pay: f64,
}

impl FaultRates {
    /// Rates for a demo day: every fault shows up in a few hundred sales.
    pub fn demo() -> FaultRates {
        FaultRates {
            unpolled: 0.02,
            crash_before_post: 0.02,
            duplicate_post: 0.02,
            miskeyed_value: 0.02,
            mistyped_reference: 0.02,
            wrong_terminal: 0.02,
            late_post: 0.02,
            refund: 0.05,
            refund_not_at_seqr: 0.02,
            reservation: 0.05,
            no_pay: 0.03,
        }
    }
}

/// A transaction post as the POS writes it.
#[derive(Debug, Clone)]
pub struct PostRow {
    pub shop_id: String,
    pub terminal_id: String,
    pub cashier_id: String,
    pub ers_reference: String,
    pub invoice_reference: String,
    pub amount: Decimal,
    pub currency: String,
    pub kind: &'static str,
    pub posted_at: DateTime<Utc>,
}

/// An invoice-journal row.
#[derive(Debug, Clone)]
pub struct JournalRow {
    pub shop_id: String,
    pub terminal_id: String,
    pub invoice_reference: String,
    pub amount: Decimal,
    pub currency: String,
    pub sent_at: DateTime<Utc>,
    pub last_status: Option<InvoiceStatus>,
    pub last_polled_at: Option<DateTime<Utc>>,
}

/// One injected break and the category the close must give it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthRow {
    pub category: String,
    pub shop_id: String,
    /// ersReference, or the invoice reference for UNPOLLED_REVERSED.
    pub key: String,
    /// 1: the first close after the day; 2: the one after (late posts).
    pub close: u8,
}

/// What a day produced.
#[derive(Debug, Default)]
pub struct Day {
    pub posts: Vec<PostRow>,
    /// Posts the POS writes after the close.
    pub late_posts: Vec<PostRow>,
    pub journal: Vec<JournalRow>,
    pub truth: Vec<TruthRow>,
    pub sales: usize,
}

/// How the day is played.
pub struct DayOptions {
    pub sales_per_terminal: usize,
    pub seed: u64,
    pub faults: FaultRates,
    /// SEQR's clock (the simulator's), for timestamps and waits.
    pub clock: SimClock,
    /// The simulator's base URL, for the customer's phone.
    pub sim_url: String,
}

struct Poll {
    status: InvoiceStatus,
    ers: Option<String>,
    at: DateTime<Utc>,
}

/// Plays the day: terminals in parallel, sales one after another on each.
pub async fn trading_day(client: &SeqrClient, shops: &[GenShop], opts: &DayOptions) -> anyhow::Result<Day> {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for (si, shop) in shops.iter().enumerate() {
        for (ti, term) in shop.terminals.iter().enumerate() {
            let (client, shop, term, http) = (client.clone(), shop.clone(), term.clone(), http.clone());
            let other =
                shop.terminals.iter().map(term_id).find(|t| *t != term_id(&term)).unwrap_or_else(|| "T-UNKNOWN".into());
            let seed = opts.seed ^ ((si as u64) << 32) ^ ti as u64;
            let (n, faults, clock, url) =
                (opts.sales_per_terminal, opts.faults.clone(), opts.clock.clone(), opts.sim_url.clone());
            tasks.push(tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed);
                let mut day = Day::default();
                for i in 0..n {
                    let cashier = format!("cashier-{}", rng.random_range(1..=4));
                    one_sale(
                        &client, &http, &url, &clock, &shop, &term, &other, &cashier, i, &faults, None, &mut rng,
                        &mut day,
                    )
                    .await?;
                }
                anyhow::Ok(day)
            }));
        }
    }
    gather(tasks).await
}

/// The last sales before the close: one per shop, on its first terminal, paid
/// and polled moments before the mark, its post written just after it (the
/// shape IN_TRANSIT is for). Play it right before the close, after a pause
/// longer than `[reconcile] in_transit_window_seconds`, so that no other sale
/// of the day falls in that window.
pub async fn edge_of_close(client: &SeqrClient, shops: &[GenShop], opts: &DayOptions) -> anyhow::Result<Day> {
    let http = reqwest::Client::new();
    // All shops at once: the sales must all land within the window before the marks.
    let mut tasks = Vec::new();
    for (si, shop) in shops.iter().enumerate() {
        let Some(term) = shop.terminals.first().cloned() else { continue };
        let (client, http, shop) = (client.clone(), http.clone(), shop.clone());
        let (url, clock, faults) = (opts.sim_url.clone(), opts.clock.clone(), opts.faults.clone());
        let seed = opts.seed ^ 0xED6E ^ si as u64;
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut day = Day::default();
            let n = usize::MAX - si;
            one_sale(
                &client,
                &http,
                &url,
                &clock,
                &shop,
                &term,
                &term_id(&term),
                "cashier-1",
                n,
                &faults,
                Some("in_transit"),
                &mut rng,
                &mut day,
            )
            .await?;
            anyhow::Ok(day)
        }));
    }
    gather(tasks).await
}

/// One day from the days the tasks played, truth in order.
async fn gather(tasks: Vec<tokio::task::JoinHandle<anyhow::Result<Day>>>) -> anyhow::Result<Day> {
    let mut day = Day::default();
    for t in tasks {
        let d = t.await??;
        day.posts.extend(d.posts);
        day.late_posts.extend(d.late_posts);
        day.journal.extend(d.journal);
        day.truth.extend(d.truth);
        day.sales += d.sales;
    }
    day.truth.sort();
    Ok(day)
}

fn term_id(c: &ClientContext) -> String {
    match &c.principal {
        crate::seqr::Principal::Terminal { terminal_id } => terminal_id.clone(),
        crate::seqr::Principal::ResellerUser { reseller_id, .. } => reseller_id.clone(),
    }
}

async fn sim_sleep(clock: &SimClock, seconds: f64) {
    tokio::time::sleep(clock.real(Duration::from_secs_f64(seconds))).await;
}

/// Rows that sum to `total`, some with a negative discount row.
fn invoice_rows(rng: &mut StdRng, total: Decimal) -> Vec<InvoiceRow> {
    let items = rng.random_range(1..=3);
    let discount = if rng.random_bool(0.3) { Decimal::new(rng.random_range(100..=1000), 2) } else { Decimal::ZERO };
    let gross = total + discount;
    let mut rows = Vec::new();
    let mut left = gross;
    for k in 0..items {
        let part = if k + 1 == items { left } else { (gross / Decimal::from(items)).round_dp(2) };
        left -= part;
        rows.push(InvoiceRow {
            description: Some(format!("Item {}", k + 1)),
            quantity: Decimal::ONE,
            total: part,
            ..Default::default()
        });
    }
    if discount > Decimal::ZERO {
        rows.push(InvoiceRow {
            description: Some("Discount".into()),
            quantity: Decimal::ONE,
            total: -discount,
            ..Default::default()
        });
    }
    rows
}

#[allow(clippy::too_many_arguments)]
async fn one_sale(
    client: &SeqrClient,
    http: &reqwest::Client,
    sim_url: &str,
    clock: &SimClock,
    shop: &GenShop,
    term: &ClientContext,
    other_terminal: &str,
    cashier: &str,
    n: usize,
    f: &FaultRates,
    forced: Option<&'static str>,
    rng: &mut StdRng,
    day: &mut Day,
) -> anyhow::Result<()> {
    let terminal = term_id(term);
    let total = Decimal::new(rng.random_range(1000..=50000), 2);
    let reservation = forced.is_none() && rng.random_bool(f.reservation);
    let mut invoice = Invoice::simple("Purchase", &shop.currency, total);
    invoice.rows = invoice_rows(rng, total);
    invoice.cashier_id = Some(cashier.to_string());
    invoice.client_invoice_id = Some(format!("{}-{n}", terminal));
    if reservation {
        invoice.payment_mode = Some("RESERVATION_REQUIRED".into());
    }
    let sent_at = clock.now();
    let sent = client.send_invoice(term, invoice).await?;
    let reference = sent.invoice_reference.clone();
    day.sales += 1;

    // Which single fault (if any) this sale carries; reservations and refunds stay clean.
    let roll: f64 = rng.random();
    let mut acc = 0.0;
    let mut pick = |rate: f64| {
        acc += rate;
        roll < acc
    };
    let fault = if forced.is_some() {
        forced
    } else if reservation {
        None
    } else if pick(f.no_pay) {
        Some("no_pay")
    } else if pick(f.unpolled) {
        Some("unpolled")
    } else if pick(f.crash_before_post) {
        Some("crash")
    } else if pick(f.duplicate_post) {
        Some("duplicate")
    } else if pick(f.miskeyed_value) {
        Some("mistyped")
    } else if pick(f.mistyped_reference) {
        Some("mistyped_reference")
    } else if pick(f.wrong_terminal) {
        Some("wrong_terminal")
    } else if pick(f.late_post) {
        Some("late")
    } else {
        None
    };

    let mut journal = JournalRow {
        shop_id: shop.id.clone(),
        terminal_id: terminal.clone(),
        invoice_reference: reference.clone(),
        amount: total,
        currency: shop.currency.clone(),
        sent_at,
        last_status: None,
        last_polled_at: None,
    };
    let pay_after = rng.random_range(1.0..6.0);
    let pays = fault != Some("no_pay");
    let customer = {
        let (http, url, clock, reference) = (http.clone(), sim_url.to_string(), clock.clone(), reference.clone());
        tokio::spawn(async move {
            if pays {
                sim_sleep(&clock, pay_after).await;
                let _ = http
                    .post(format!("{url}/sim/customer/pay"))
                    .header("content-type", "application/json")
                    .body(serde_json::json!({ "invoice_reference": reference }).to_string())
                    .send()
                    .await;
            }
        })
    };

    // Poll once a second for 30 seconds, acknowledging the version seen.
    let mut version = 0;
    let mut last: Option<Poll> = None;
    for _ in 0..30 {
        if fault == Some("unpolled") && last.is_some() {
            // The cashier closed the dialog: polling stops while ISSUED.
            break;
        }
        let st = client.payment_status(term, &reference, version).await?;
        version = st.version;
        last = Some(Poll { status: st.status, ers: st.ers_reference.clone(), at: clock.now() });
        if st.status != InvoiceStatus::Issued {
            break;
        }
        sim_sleep(clock, 1.0).await;
    }
    customer.await?;
    let mut poll = last.expect("polled at least once");
    if fault == Some("no_pay") {
        client.cancel_invoice(term, &reference).await?;
        poll = Poll { status: InvoiceStatus::Canceled, ers: None, at: clock.now() };
    }
    if fault == Some("unpolled") {
        journal.last_status = Some(poll.status);
        journal.last_polled_at = Some(poll.at);
        day.journal.push(journal);
        day.truth.push(TruthRow {
            category: "UNPOLLED_REVERSED".into(),
            shop_id: shop.id.clone(),
            key: reference,
            close: 1,
        });
        return Ok(());
    }

    let (ers, amount) = match poll.status {
        InvoiceStatus::Paid => (poll.ers.clone().expect("PAID has an ersReference"), total),
        InvoiceStatus::Reserved => {
            let final_amount = (total * Decimal::new(rng.random_range(50..=100), 2)).round_dp(2).max(Decimal::ONE);
            client.update_invoice(term, &reference, Invoice::simple("Purchase", &shop.currency, final_amount)).await?;
            let ers = client
                .commit_reservation(term, &reference)
                .await?
                .ok_or_else(|| anyhow::anyhow!("commit gave no ersReference"))?;
            if rng.random_bool(0.2) {
                // The POS committed at the final amount, then died before recording
                // anything: its journal still says RESERVED at the reserved amount.
                journal.last_status = Some(InvoiceStatus::Reserved);
                journal.last_polled_at = Some(poll.at);
                day.journal.push(journal);
                day.truth.push(TruthRow {
                    category: "MISSING_LOCALLY".into(),
                    shop_id: shop.id.clone(),
                    key: ers,
                    close: 1,
                });
                return Ok(());
            }
            (ers, final_amount)
        }
        _ => {
            journal.last_status = Some(poll.status);
            journal.last_polled_at = Some(poll.at);
            day.journal.push(journal);
            return Ok(());
        }
    };
    if fault == Some("crash") {
        // The POS learnt PAID but died before writing anything: its journal still says ISSUED.
        journal.last_status = Some(InvoiceStatus::Issued);
        journal.last_polled_at = Some(sent_at);
        day.journal.push(journal);
        day.truth.push(TruthRow { category: "MISSING_LOCALLY".into(), shop_id: shop.id.clone(), key: ers, close: 1 });
        day.truth.push(TruthRow {
            category: "UNPOLLED_REVERSED".into(),
            shop_id: shop.id.clone(),
            key: reference,
            close: 1,
        });
        return Ok(());
    }
    journal.last_status = Some(InvoiceStatus::Paid);
    journal.last_polled_at = Some(poll.at);
    day.journal.push(journal);
    let receipt =
        ReceiptDocument { mime_type: "Base64".into(), data: format!("receipt {ers}").into_bytes(), receipt_type: None };
    client.submit_payment_receipt(term, &ers, receipt).await?;

    let post = PostRow {
        shop_id: shop.id.clone(),
        terminal_id: terminal.clone(),
        cashier_id: cashier.to_string(),
        ers_reference: ers.clone(),
        invoice_reference: reference.clone(),
        amount,
        currency: shop.currency.clone(),
        kind: "PAYMENT",
        posted_at: clock.now(),
    };
    let truth = |category: &str, close: u8| TruthRow {
        category: category.into(),
        shop_id: shop.id.clone(),
        key: ers.clone(),
        close,
    };
    match fault {
        Some("duplicate") => {
            day.posts.push(post.clone());
            day.posts.push(PostRow { posted_at: clock.now() + chrono::Duration::seconds(2), ..post });
            day.truth.push(truth("DUPLICATE_LOCAL", 1));
        }
        Some("mistyped") => {
            let delta = Decimal::new(rng.random_range(1..=900), 2);
            let typed = if amount > delta && rng.random_bool(0.5) { amount - delta } else { amount + delta };
            day.posts.push(PostRow { amount: typed, ..post });
            day.truth.push(truth("AMOUNT_MISMATCH", 1));
        }
        Some("mistyped_reference") => {
            // One digit wrong (the first of the running number, which SEQR has not reached):
            // SEQR has no such payment, and the real one has no post.
            let typo: String = ers
                .char_indices()
                .map(|(i, c)| {
                    if i == 14 {
                        if c == '9' {
                            '8'
                        } else {
                            '9'
                        }
                    } else {
                        c
                    }
                })
                .collect();
            day.truth.push(TruthRow {
                category: "MISSING_AT_SEQR".into(),
                shop_id: shop.id.clone(),
                key: typo.clone(),
                close: 1,
            });
            day.truth.push(truth("MISSING_LOCALLY", 1));
            day.posts.push(PostRow { ers_reference: typo, ..post });
        }
        Some("wrong_terminal") => {
            day.posts.push(PostRow { terminal_id: other_terminal.to_string(), ..post });
            day.truth.push(truth("TERMINAL_MISMATCH", 1));
        }
        Some("late") => {
            day.late_posts.push(post);
            day.truth.push(truth("MISSING_LOCALLY", 1));
            day.truth.push(truth("LATE_MATCHED", 2));
        }
        Some("in_transit") => {
            // Paid and polled seconds before the mark; the post is written just after it.
            day.late_posts.push(post);
            day.truth.push(truth("IN_TRANSIT", 1));
            day.truth.push(truth("LATE_MATCHED", 2));
        }
        _ => {
            day.posts.push(post);
            if rng.random_bool(f.refund) {
                let part = if rng.random_bool(0.5) { amount } else { (amount / Decimal::TWO).round_dp(2) };
                let refund_ers =
                    client.refund_payment(term, &ers, Invoice::simple("Refund", &shop.currency, part)).await?;
                if rng.random_bool(0.1) {
                    // The till never recorded the refund SEQR made.
                    day.truth.push(TruthRow {
                        category: "REFUND_MISSING_LOCALLY".into(),
                        shop_id: shop.id.clone(),
                        key: refund_ers,
                        close: 1,
                    });
                    return Ok(());
                }
                // Half the tills book the refund under the payment's reference: it must
                // still match SEQR's refund row (never be a copy of the payment).
                let booked_under = if rng.random_bool(0.5) { ers.clone() } else { refund_ers };
                day.posts.push(PostRow {
                    shop_id: shop.id.clone(),
                    terminal_id: terminal.clone(),
                    cashier_id: cashier.to_string(),
                    ers_reference: booked_under,
                    invoice_reference: String::new(),
                    amount: -part,
                    currency: shop.currency.clone(),
                    kind: "REFUND",
                    posted_at: clock.now(),
                });
            } else if rng.random_bool(f.refund_not_at_seqr) {
                day.posts.push(PostRow {
                    shop_id: shop.id.clone(),
                    terminal_id: terminal.clone(),
                    cashier_id: cashier.to_string(),
                    ers_reference: ers.clone(),
                    invoice_reference: String::new(),
                    amount: -(amount / Decimal::TWO).round_dp(2),
                    currency: shop.currency.clone(),
                    kind: "REFUND",
                    posted_at: clock.now(),
                });
                day.truth.push(truth("REFUND_UNMATCHED", 1));
            }
        }
    }
    Ok(())
}

/// Writes the transaction-post feed.
pub fn write_posts(path: &Path, rows: &[PostRow]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(crate::store::ingest::POSTS_HEADER)?;
    for p in rows {
        w.write_record([
            p.shop_id.as_str(),
            &p.terminal_id,
            &p.cashier_id,
            &p.ers_reference,
            &p.invoice_reference,
            &p.amount.to_string(),
            &p.currency,
            p.kind,
            if p.kind == "REFUND" { "SEQR refund" } else { "SEQR payment" },
            &p.posted_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the invoice-journal feed.
pub fn write_journal(path: &Path, rows: &[JournalRow]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(crate::store::ingest::INVOICES_HEADER)?;
    for j in rows {
        w.write_record([
            j.shop_id.as_str(),
            &j.terminal_id,
            &j.invoice_reference,
            &j.amount.to_string(),
            &j.currency,
            &j.sent_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            j.last_status.map(|s| s.as_str()).unwrap_or(""),
            &j.last_polled_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the ground truth: `category,shop_id,key,close`.
pub fn write_truth(path: &Path, rows: &[TruthRow]) -> anyhow::Result<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(f, "category,shop_id,key,close")?;
    for t in rows {
        writeln!(f, "{},{},{},{}", t.category, t.shop_id, t.key, t.close)?;
    }
    Ok(())
}

/// Reads a ground-truth file.
pub fn read_truth(path: &Path) -> anyhow::Result<Vec<TruthRow>> {
    let mut r = csv::Reader::from_path(path)?;
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec?;
        let bad = || anyhow::anyhow!("{}:{}: expected category,shop_id,key,close", path.display(), i + 2);
        out.push(TruthRow {
            category: rec.get(0).ok_or_else(bad)?.to_string(),
            shop_id: rec.get(1).ok_or_else(bad)?.to_string(),
            key: rec.get(2).ok_or_else(bad)?.to_string(),
            close: rec.get(3).and_then(|c| c.parse().ok()).ok_or_else(bad)?,
        });
    }
    Ok(out)
}
