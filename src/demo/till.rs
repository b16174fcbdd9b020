//! A POS load generator: cashiers and customers playing a trading day against
//! SEQR over SOAP, exactly as a point of sale does (seeds `003_…`, `004_…`),
//! with faults injected at chosen rates. It writes what a POS writes — the
//! transaction-post CSV and the invoice journal — and a ground-truth CSV of
//! every break it caused. Nothing in the reconciliation core knows about it.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::domain::{Category, PostKind};
use crate::seqr::types::{Invoice, InvoiceRow, InvoiceStatus, ReceiptDocument};
use crate::seqr::{ClientContext, SeqrClient};
use crate::sim::SimClock;

/// One shop the generator plays.
#[derive(Debug, Clone)]
pub struct GenShop {
    /// Our id for the shop.
    pub id: String,
    /// Its currency.
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
    /// The shop.
    pub shop_id: String,
    /// The terminal the till is.
    pub terminal_id: String,
    /// The cashier who rang it up.
    pub cashier_id: String,
    /// SEQR's reference of the payment or refund.
    pub ers_reference: String,
    /// The invoice it paid (empty for a refund).
    pub invoice_reference: String,
    /// Positive for a payment, negative for a refund.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// Payment or refund.
    pub kind: PostKind,
    /// When the till wrote it.
    pub posted_at: DateTime<Utc>,
}

/// An invoice-journal row.
#[derive(Debug, Clone)]
pub struct JournalRow {
    /// The shop.
    pub shop_id: String,
    /// The terminal that sent the invoice.
    pub terminal_id: String,
    /// SEQR's reference of the invoice.
    pub invoice_reference: String,
    /// What the invoice asked for.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// The last status the till saw.
    pub last_status: Option<InvoiceStatus>,
    /// When it saw it.
    pub last_polled_at: Option<DateTime<Utc>>,
}

/// One injected break and the category the close must give it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthRow {
    /// The category the close must give it.
    pub category: Category,
    /// The shop it happened in.
    pub shop_id: String,
    /// ersReference, or the invoice reference for UNPOLLED_REVERSED.
    pub key: String,
    /// 1: the first close after the day; 2: the one after (late posts).
    pub close: u8,
}

/// What a day produced.
#[derive(Debug, Default)]
pub struct Day {
    /// Posts the till writes during the day.
    pub posts: Vec<PostRow>,
    /// Posts the POS writes after the close.
    pub late_posts: Vec<PostRow>,
    /// The invoice journal.
    pub journal: Vec<JournalRow>,
    /// Every injected break.
    pub truth: Vec<TruthRow>,
    /// Sales played.
    pub sales: usize,
}

/// How the day is played.
pub struct DayOptions {
    /// Sales each terminal plays.
    pub sales_per_terminal: usize,
    /// Seed of the random choices.
    pub seed: u64,
    /// How often each fault happens.
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

/// What can go wrong with one sale; each sale carries one fault at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The customer never pays; the cashier cancels.
    NoPay,
    /// The till stops polling while ISSUED: SEQR reverses the payment.
    Unpolled,
    /// The till learnt PAID but died before writing its post.
    Crash,
    /// The till writes its post twice.
    Duplicate,
    /// The post's amount is keyed wrong.
    MiskeyedValue,
    /// The post's ersReference has one digit wrong.
    MistypedReference,
    /// The post names another terminal.
    WrongTerminal,
    /// The post is written after the close.
    Late,
    /// Paid and polled seconds before the mark, posted just after it.
    InTransit,
}

impl FaultRates {
    /// Which single fault (if any) a sale carries, from one roll in `[0, 1)`.
    fn pick(&self, roll: f64) -> Option<Fault> {
        let mut acc = 0.0;
        for (rate, fault) in [
            (self.no_pay, Fault::NoPay),
            (self.unpolled, Fault::Unpolled),
            (self.crash_before_post, Fault::Crash),
            (self.duplicate_post, Fault::Duplicate),
            (self.miskeyed_value, Fault::MiskeyedValue),
            (self.mistyped_reference, Fault::MistypedReference),
            (self.wrong_terminal, Fault::WrongTerminal),
            (self.late_post, Fault::Late),
        ] {
            acc += rate;
            if roll < acc {
                return Some(fault);
            }
        }
        None
    }
}

/// One terminal of one shop, as its till plays sales against SEQR.
#[derive(Clone)]
struct Till {
    client: SeqrClient,
    /// For the customer's phone, which pays through the simulator.
    http: reqwest::Client,
    sim_url: String,
    clock: SimClock,
    shop: GenShop,
    term: ClientContext,
    terminal: String,
    /// Another terminal of the shop, for posts that name the wrong one.
    other_terminal: String,
    rates: FaultRates,
}

/// One sale: its number on the terminal, the cashier, and a fault forced on it.
struct Sale {
    n: usize,
    cashier: String,
    forced: Option<Fault>,
}

/// Where a sale stands once the customer and the till are done with SEQR.
struct Paid {
    ers: String,
    amount: Decimal,
}

/// Plays the day: terminals in parallel, sales one after another on each.
pub async fn trading_day(client: &SeqrClient, shops: &[GenShop], opts: &DayOptions) -> anyhow::Result<Day> {
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for (si, shop) in shops.iter().enumerate() {
        for (ti, term) in shop.terminals.iter().enumerate() {
            let till = Till::new(client, &http, opts, shop, term);
            let seed = opts.seed ^ ((si as u64) << 32) ^ ti as u64;
            let n = opts.sales_per_terminal;
            tasks.push(tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed);
                let mut day = Day::default();
                for i in 0..n {
                    let cashier = format!("cashier-{}", rng.random_range(1..=4));
                    till.sell(&Sale { n: i, cashier, forced: None }, &mut rng, &mut day).await?;
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
        let Some(term) = shop.terminals.first() else { continue };
        let mut till = Till::new(client, &http, opts, shop, term);
        till.other_terminal = till.terminal.clone();
        let seed = opts.seed ^ 0xED6E ^ si as u64;
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            let mut day = Day::default();
            let sale = Sale { n: usize::MAX - si, cashier: "cashier-1".into(), forced: Some(Fault::InTransit) };
            till.sell(&sale, &mut rng, &mut day).await?;
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

impl Till {
    fn new(
        client: &SeqrClient,
        http: &reqwest::Client,
        opts: &DayOptions,
        shop: &GenShop,
        term: &ClientContext,
    ) -> Till {
        let terminal = term_id(term);
        let other_terminal =
            shop.terminals.iter().map(term_id).find(|t| *t != terminal).unwrap_or_else(|| "T-UNKNOWN".into());
        Till {
            client: client.clone(),
            http: http.clone(),
            sim_url: opts.sim_url.clone(),
            clock: opts.clock.clone(),
            shop: shop.clone(),
            term: term.clone(),
            terminal,
            other_terminal,
            rates: opts.faults.clone(),
        }
    }

    fn truth(&self, category: Category, key: &str, close: u8) -> TruthRow {
        TruthRow { category, shop_id: self.shop.id.clone(), key: key.to_string(), close }
    }

    fn post(&self, cashier: &str, ers: &str, invoice: &str, amount: Decimal, kind: PostKind) -> PostRow {
        PostRow {
            shop_id: self.shop.id.clone(),
            terminal_id: self.terminal.clone(),
            cashier_id: cashier.to_string(),
            ers_reference: ers.to_string(),
            invoice_reference: invoice.to_string(),
            amount,
            currency: self.shop.currency.clone(),
            kind,
            posted_at: self.clock.now(),
        }
    }

    /// Plays one sale end to end and records what the till wrote and what it broke.
    async fn sell(&self, sale: &Sale, rng: &mut StdRng, day: &mut Day) -> anyhow::Result<()> {
        let total = Decimal::new(rng.random_range(1000..=50000), 2);
        let reservation = sale.forced.is_none() && rng.random_bool(self.rates.reservation);
        let mut invoice = Invoice::simple("Purchase", &self.shop.currency, total);
        invoice.rows = invoice_rows(rng, total);
        invoice.cashier_id = Some(sale.cashier.clone());
        invoice.client_invoice_id = Some(format!("{}-{}", self.terminal, sale.n));
        if reservation {
            invoice.payment_mode = Some("RESERVATION_REQUIRED".into());
        }
        let sent_at = self.clock.now();
        let reference = self.client.send_invoice(&self.term, invoice).await?.invoice_reference;
        day.sales += 1;
        // Reservations and refunds stay clean.
        let roll: f64 = rng.random();
        let fault = if reservation { sale.forced } else { sale.forced.or_else(|| self.rates.pick(roll)) };
        let mut journal = JournalRow {
            shop_id: self.shop.id.clone(),
            terminal_id: self.terminal.clone(),
            invoice_reference: reference.clone(),
            amount: total,
            currency: self.shop.currency.clone(),
            sent_at,
            last_status: None,
            last_polled_at: None,
        };
        let Some(paid) = self.take_payment(rng, fault, total, &mut journal, day).await? else { return Ok(()) };
        if fault == Some(Fault::Crash) {
            // The till learnt PAID but died before writing anything: its journal still says ISSUED.
            journal.last_status = Some(InvoiceStatus::Issued);
            journal.last_polled_at = Some(sent_at);
            day.journal.push(journal);
            day.truth.push(self.truth(Category::MissingLocally, &paid.ers, 1));
            day.truth.push(self.truth(Category::UnpolledReversed, &reference, 1));
            return Ok(());
        }
        journal.last_status = Some(InvoiceStatus::Paid);
        day.journal.push(journal);
        let receipt = ReceiptDocument {
            mime_type: "Base64".into(),
            data: format!("receipt {}", paid.ers).into_bytes(),
            receipt_type: None,
        };
        self.client.submit_payment_receipt(&self.term, &paid.ers, receipt).await?;
        let post = self.post(&sale.cashier, &paid.ers, &reference, paid.amount, PostKind::Payment);
        match fault {
            Some(Fault::InTransit) => {
                self.write_faulty_post(Fault::InTransit, post, rng, day);
                self.refund_in_transit(&sale.cashier, &paid, day).await?;
            }
            Some(fault) => self.write_faulty_post(fault, post, rng, day),
            None => {
                day.posts.push(post);
                self.maybe_refund(&sale.cashier, &paid, rng, day).await?;
            }
        }
        Ok(())
    }

    /// The customer of the close's last sale gets half back at once: SEQR's
    /// refund row comes seconds before the mark, the till's refund post just
    /// after it, as the sale's own post does.
    async fn refund_in_transit(&self, cashier: &str, paid: &Paid, day: &mut Day) -> anyhow::Result<()> {
        let part = (paid.amount / Decimal::TWO).round_dp(2);
        let refund = Invoice::simple("Refund", &self.shop.currency, part);
        let refund_ers = self.client.refund_payment(&self.term, &paid.ers, refund).await?.into_string();
        day.late_posts.push(self.post(cashier, &refund_ers, "", -part, PostKind::Refund));
        day.truth.push(self.truth(Category::InTransit, &refund_ers, 1));
        day.truth.push(self.truth(Category::LateMatched, &refund_ers, 2));
        Ok(())
    }

    /// The customer pays (or not) while the till polls; a reservation is
    /// updated and committed. `None` when the sale ends without a payment
    /// the till can post (cancelled, unpolled, or a commit the till lost).
    async fn take_payment(
        &self,
        rng: &mut StdRng,
        fault: Option<Fault>,
        total: Decimal,
        journal: &mut JournalRow,
        day: &mut Day,
    ) -> anyhow::Result<Option<Paid>> {
        let reference = journal.invoice_reference.clone();
        let pay_after = rng.random_range(1.0..6.0);
        let customer = self.customer(&reference, pay_after, fault != Some(Fault::NoPay));
        let mut poll = self.poll(&reference, fault == Some(Fault::Unpolled)).await?;
        customer.await?;
        if fault == Some(Fault::NoPay) {
            self.client.cancel_invoice(&self.term, &reference).await?;
            poll = Poll { status: InvoiceStatus::Canceled, ers: None, at: self.clock.now() };
        }
        journal.last_status = Some(poll.status);
        journal.last_polled_at = Some(poll.at);
        if fault == Some(Fault::Unpolled) {
            day.journal.push(journal.clone());
            day.truth.push(self.truth(Category::UnpolledReversed, &reference, 1));
            return Ok(None);
        }
        match poll.status {
            InvoiceStatus::Paid => Ok(Some(Paid { ers: poll.ers.expect("PAID has an ersReference"), amount: total })),
            InvoiceStatus::Reserved => {
                let amount = (total * Decimal::new(rng.random_range(50..=100), 2)).round_dp(2).max(Decimal::ONE);
                let final_invoice = Invoice::simple("Purchase", &self.shop.currency, amount);
                self.client.update_invoice(&self.term, &reference, final_invoice).await?;
                let ers = self
                    .client
                    .commit_reservation(&self.term, &reference)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("commit gave no ersReference"))?;
                if rng.random_bool(0.2) {
                    // The till committed at the final amount, then died before recording
                    // anything: its journal still says RESERVED at the reserved amount.
                    day.journal.push(journal.clone());
                    day.truth.push(self.truth(Category::MissingLocally, &ers, 1));
                    return Ok(None);
                }
                Ok(Some(Paid { ers: ers.into_string(), amount }))
            }
            _ => {
                day.journal.push(journal.clone());
                Ok(None)
            }
        }
    }

    /// The customer's phone: pays `pay_after` simulated seconds from now, unless `pays` is false.
    fn customer(&self, reference: &str, pay_after: f64, pays: bool) -> tokio::task::JoinHandle<()> {
        let (http, url, clock, reference) =
            (self.http.clone(), self.sim_url.clone(), self.clock.clone(), reference.to_string());
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
    }

    /// Polls once a second for 30 seconds, acknowledging the version seen;
    /// `gives_up` stops after the first poll (the cashier closed the dialog).
    async fn poll(&self, reference: &str, gives_up: bool) -> anyhow::Result<Poll> {
        let mut version = 0;
        let mut last: Option<Poll> = None;
        for _ in 0..30 {
            if gives_up && last.is_some() {
                break;
            }
            let st = self.client.payment_status(&self.term, reference, version).await?;
            version = st.version;
            last = Some(Poll { status: st.status, ers: st.ers_reference.clone(), at: self.clock.now() });
            if st.status != InvoiceStatus::Issued {
                break;
            }
            sim_sleep(&self.clock, 1.0).await;
        }
        Ok(last.expect("polled at least once"))
    }

    /// Writes the post as `fault` spoils it, with the truth of what the close must find.
    fn write_faulty_post(&self, fault: Fault, post: PostRow, rng: &mut StdRng, day: &mut Day) {
        let ers = post.ers_reference.clone();
        match fault {
            Fault::Duplicate => {
                day.posts.push(post.clone());
                day.posts.push(PostRow { posted_at: self.clock.now() + chrono::Duration::seconds(2), ..post });
                day.truth.push(self.truth(Category::DuplicateLocal, &ers, 1));
            }
            Fault::MiskeyedValue => {
                let delta = Decimal::new(rng.random_range(1..=900), 2);
                let amount = post.amount;
                let typed = if amount > delta && rng.random_bool(0.5) { amount - delta } else { amount + delta };
                day.posts.push(PostRow { amount: typed, ..post });
                day.truth.push(self.truth(Category::AmountMismatch, &ers, 1));
            }
            Fault::MistypedReference => {
                // One digit wrong (the first of the running number, which SEQR has not reached):
                // SEQR has no such payment, and the real one has no post.
                let typo: String = ers
                    .char_indices()
                    .map(|(i, c)| match (i, c) {
                        (14, '9') => '8',
                        (14, _) => '9',
                        _ => c,
                    })
                    .collect();
                day.truth.push(self.truth(Category::MissingAtSeqr, &typo, 1));
                day.truth.push(self.truth(Category::MissingLocally, &ers, 1));
                day.posts.push(PostRow { ers_reference: typo, ..post });
            }
            Fault::WrongTerminal => {
                day.posts.push(PostRow { terminal_id: self.other_terminal.clone(), ..post });
                day.truth.push(self.truth(Category::TerminalMismatch, &ers, 1));
            }
            Fault::Late | Fault::InTransit => {
                // Late: after the close. In transit: paid and polled seconds before the mark,
                // posted just after it.
                day.late_posts.push(post);
                let first = if fault == Fault::Late { Category::MissingLocally } else { Category::InTransit };
                day.truth.push(self.truth(first, &ers, 1));
                day.truth.push(self.truth(Category::LateMatched, &ers, 2));
            }
            Fault::NoPay | Fault::Unpolled | Fault::Crash => unreachable!("{fault:?} sales write no post"),
        }
    }

    /// A clean sale may be refunded (partly or fully) at SEQR, and the till
    /// may book the refund, under either reference, or forget it; or the
    /// till may book a refund SEQR never made.
    async fn maybe_refund(&self, cashier: &str, paid: &Paid, rng: &mut StdRng, day: &mut Day) -> anyhow::Result<()> {
        if rng.random_bool(self.rates.refund) {
            let part = if rng.random_bool(0.5) { paid.amount } else { (paid.amount / Decimal::TWO).round_dp(2) };
            let refund = Invoice::simple("Refund", &self.shop.currency, part);
            let refund_ers = self.client.refund_payment(&self.term, &paid.ers, refund).await?;
            if rng.random_bool(0.1) {
                // The till never recorded the refund SEQR made.
                day.truth.push(self.truth(Category::RefundMissingLocally, &refund_ers, 1));
                return Ok(());
            }
            // Half the tills book the refund under the payment's reference: it must
            // still match SEQR's refund row (never be a copy of the payment).
            let booked_under = if rng.random_bool(0.5) { paid.ers.clone() } else { refund_ers.into_string() };
            day.posts.push(self.post(cashier, &booked_under, "", -part, PostKind::Refund));
        } else if rng.random_bool(self.rates.refund_not_at_seqr) {
            let part = (paid.amount / Decimal::TWO).round_dp(2);
            day.posts.push(self.post(cashier, &paid.ers, "", -part, PostKind::Refund));
            day.truth.push(self.truth(Category::RefundUnmatched, &paid.ers, 1));
        }
        Ok(())
    }
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
            p.kind.as_str(),
            if p.kind == PostKind::Refund { "SEQR refund" } else { "SEQR payment" },
            &p.posted_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Rewrites a feed as a till's second exporter leaves it: from line `from`
/// (1 is the header) every line ends `\r\n`, and a blank `\r\n` line closes
/// the file. The reader must take such a file line for line.
pub fn end_lines_with_crlf_from(path: &Path, from: usize) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        match line.strip_suffix('\n') {
            Some(body) if i + 1 >= from => {
                out.push_str(body);
                out.push_str("\r\n");
            }
            _ => out.push_str(line),
        }
    }
    out.push_str("\r\n");
    std::fs::write(path, out)?;
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
            j.last_status.map(super::super::seqr::types::InvoiceStatus::as_str).unwrap_or(""),
            &j.last_polled_at.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)).unwrap_or_default(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// Writes the ground truth: `category,shop_id,key,close`.
pub fn write_truth(path: &Path, rows: &[TruthRow]) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_path(path)?;
    w.write_record(["category", "shop_id", "key", "close"])?;
    for t in rows {
        w.write_record([t.category.as_str(), &t.shop_id, &t.key, &t.close.to_string()])?;
    }
    w.flush()?;
    Ok(())
}
