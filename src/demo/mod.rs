//! `make demo`: a trading day end to end on this machine. Starts the simulator
//! on a free port, registers terminals, plays a day of sales with faults, runs
//! the close (mark, fetch, reconcile, CSVs, `.eml` files), writes the late
//! posts and runs the next close, then scores the exceptions against the
//! generator's ground truth.
//!
//! [`till`] is the till that plays the day against the simulator and writes
//! what a POS writes; [`score`] compares the closes with its ground truth.

pub mod score;
pub mod till;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use chrono::Utc;
use rand::distr::{Alphanumeric, SampleString};
use secrecy::SecretString;

use crate::close::{run_batch, Batch, CloseContext, CloseOutcome};
use crate::config::{Config, Level};
use crate::domain::{Category, ShopId};
use crate::seqr::{ClientContext, Principal, RetryPolicy, SeqrClient};
use crate::sim::{Faults, SimConfig};
use crate::store::Store;
use till::{DayOptions, FaultRates, GenShop, TruthRow};

/// A demo shop: its id, SEQR reseller, password variable, level and terminal count.
#[derive(Debug, Clone)]
pub struct DemoShop {
    /// Our id for the shop.
    pub id: ShopId,
    /// Its name, for people.
    pub name: String,
    /// The simulator's reseller id for it.
    pub reseller: String,
    /// The variable holding its reseller password.
    pub password_env: String,
    /// Its currency.
    pub currency: String,
    /// Shop-level or terminal-level periods.
    pub level: Level,
    /// How many terminals it has.
    pub terminals: usize,
}

impl DemoShop {
    /// A shop of `terminals` terminals, with a reseller and password variable named after it.
    pub fn new(id: &str, currency: &str, level: Level, terminals: usize) -> DemoShop {
        DemoShop {
            id: ShopId::parse(id).unwrap_or_else(|e| panic!("demo shop id {id:?} {e}")),
            name: format!("Shop {id}"),
            reseller: format!("reseller-{id}"),
            password_env: format!("SEQR_DEMO_PASSWORD_{}", id.replace('-', "_").to_uppercase()),
            currency: currency.into(),
            level,
            terminals,
        }
    }
}

/// `make demo`'s shops: one shop-level in SEK, one terminal-level in NOK.
pub fn default_shops() -> Vec<DemoShop> {
    vec![DemoShop::new("stockholm-1", "SEK", Level::Shop, 3), DemoShop::new("oslo-1", "NOK", Level::Terminal, 2)]
}

/// `n` shops of `terminals` terminals each, alternating shop- and terminal-level.
pub fn many_shops(n: usize, terminals: usize) -> Vec<DemoShop> {
    (1..=n)
        .map(|i| {
            DemoShop::new(
                &format!("shop-{i:02}"),
                "SEK",
                if i % 2 == 0 { Level::Terminal } else { Level::Shop },
                terminals,
            )
        })
        .collect()
}

/// The outcome, for printing and tests.
pub struct DemoOutcome {
    /// Sales played.
    pub sales: usize,
    /// Precision and recall per category.
    pub scores: BTreeMap<String, score::Score>,
    /// The folders the closes wrote their CSVs to.
    pub report_dirs: Vec<PathBuf>,
    /// Where the emails are.
    pub outbox: PathBuf,
    /// Wall time of the whole demo.
    pub seconds: f64,
}

/// Sets the shops' reseller passwords in the environment; call before starting threads.
pub fn set_demo_passwords(shops: &[DemoShop]) {
    for s in shops {
        if std::env::var(&s.password_env).is_err() {
            std::env::set_var(&s.password_env, format!("demo-{}-password", s.reseller));
        }
    }
}

fn sim_config(shops: &[DemoShop], time_scale: f64) -> anyhow::Result<SimConfig> {
    let mut text = format!("time_scale = {time_scale}\nreport_not_ready_calls = 1\n");
    for s in shops {
        let pw = std::env::var(&s.password_env).with_context(|| format!("{} is not set", s.password_env))?;
        text.push_str(&format!(
            "[[reseller]]\nid = \"{}\"\npassword = \"{pw}\"\ncurrency = \"{}\"\n",
            s.reseller, s.currency
        ));
    }
    Ok(toml::from_str(&text)?)
}

fn demo_config(shops: &[DemoShop], endpoint: &str, terminals: &BTreeMap<String, Vec<String>>) -> String {
    let mut text = format!(
        r#"# Written by `seqr-recon demo`: the product's config, pointed at the demo's simulator.
[seqr]
endpoint = "{endpoint}"
client_id = "Acme BackOffice demo"
timeout_seconds = 10
report_first_wait_seconds = 0.2     # the demo's SEQR runs fast; production keeps 3
report_poll_interval_seconds = 0.2
report_max_attempts = 20

[store]
database = "seqr-recon.duckdb"   # relative paths: from this file's folder

[pos]
inbox = "inbox"

[reports]
dir = "reports"

[email]
transport = "file"
outbox = "reports/outbox"
from = "SEQR reconciliation <recon@example.com>"
to = ["backoffice@example.com"]
alert_to = ["ops@example.com"]

[lake]
dir = "lake"                     # each close as Parquet, as head office would read it (make lake-spark)
"#
    );
    // Every shop closes at once, as at a real close: the marks come right after
    // the last sales, so those are in SEQR's period and (seconds old) in transit.
    text.push_str(&format!("\n[schedule]\nmax_concurrent_shops = {}\n", shops.len().max(1)));
    for s in shops {
        text.push_str(&format!(
            "\n[[shop]]\nid = \"{}\"\nname = \"{}\"\ncurrency = \"{}\"\ntimezone = \"Europe/Stockholm\"\nclose_at = \"0 0 22 * * *\"\nlevel = \"{}\"\nreseller_id = \"{}\"\nreseller_user_id = \"9900\"\npassword_env = \"{}\"\n",
            s.id, s.name, s.currency, s.level.as_str(), s.reseller, s.password_env
        ));
        for (i, t) in terminals[s.id.as_str()].iter().enumerate() {
            text.push_str(&format!(
                "\n[[shop.terminal]]\nid = \"{t}\"\nname = \"POS {}\"\npassword_env = \"SEQR_DEMO_TERMINAL_{}_{}\"\n",
                i + 1,
                s.id.replace('-', "_").to_uppercase(),
                i + 1
            ));
        }
    }
    text
}

/// A demo's SEQR and shops, set up and not yet trading.
pub struct World {
    /// The simulator.
    pub sim: Arc<crate::sim::Simulator>,
    /// The simulator's base URL.
    pub base_url: String,
    /// A client for the tills and the back office.
    pub client: SeqrClient,
    /// The shops, with their registered terminals, for the trading-day generator.
    pub shops: Vec<GenShop>,
    /// The product's config, written to `config_path`.
    pub cfg: Arc<Config>,
    /// Where the config is.
    pub config_path: PathBuf,
}

/// The file that marks a folder as the demo's own, which a later demo may wipe.
pub const DEMO_MARKER: &str = ".seqr-recon-demo";

/// Empties `dir` for a demo: only a folder that is missing, empty or an
/// earlier demo's (it holds [`DEMO_MARKER`]), unless `force`.
pub fn clear_dir(dir: &Path, force: bool) -> anyhow::Result<()> {
    let Ok(mut entries) = std::fs::read_dir(dir) else {
        return Ok(());
    };
    if !force && entries.next().is_some() && !dir.join(DEMO_MARKER).exists() {
        return Err(crate::exit::UsageError(format!(
            "{} holds files that are not an earlier demo's (no {DEMO_MARKER} in it), and the demo wipes its \
             folder: choose another --dir, or add --force to wipe this one",
            dir.display()
        ))
        .into());
    }
    std::fs::remove_dir_all(dir).with_context(|| format!("clearing {}", dir.display()))
}

/// Starts a simulator for `shops`, registers their terminals as a back office
/// does, and writes the product's config for them into `dir` (wiped first).
pub async fn set_up(dir: &Path, shops: &[DemoShop], time_scale: f64) -> anyhow::Result<World> {
    clear_dir(dir, false)?;
    std::fs::create_dir_all(dir.join("inbox"))?;
    std::fs::write(dir.join(DEMO_MARKER), "seqr-recon demo folder: `seqr-recon demo` wipes it on its next run\n")?;
    let (base_url, sim) = crate::sim::spawn(sim_config(shops, time_scale)?, None).await?;
    let endpoint = format!("{base_url}/soap/merchant/cashregister-2");
    let client = SeqrClient::new(&endpoint, std::time::Duration::from_secs(10), RetryPolicy::default());

    let mut gen_shops = Vec::new();
    let mut terminal_ids: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in shops {
        let reseller = ClientContext {
            client_id: "Acme BackOffice demo".into(),
            principal: Principal::ResellerUser { reseller_id: s.reseller.clone(), user_id: "9900".into() },
            password: SecretString::from(std::env::var(&s.password_env)?),
            who: format!("shop {}", s.id),
        };
        let mut terms = Vec::new();
        for i in 0..s.terminals {
            let password = SecretString::from(Alphanumeric.sample_string(&mut rand::rng(), 20));
            let id = client
                .register_terminal(&reseller, &format!("{}-POS-{}", s.id, i + 1), &password, &format!("POS {}", i + 1))
                .await?;
            let ctx = ClientContext {
                client_id: "Acme POS demo".into(),
                principal: Principal::Terminal { terminal_id: id.to_string() },
                password,
                who: format!("terminal {id}"),
            };
            client.assign_seqr_id(&ctx, &format!("{}{}", s.reseller.replace('-', "").to_uppercase(), 1000 + i)).await?;
            terminal_ids.entry(s.id.to_string()).or_default().push(id.into_string());
            terms.push(ctx);
        }
        gen_shops.push(GenShop { id: s.id.to_string(), currency: s.currency.clone(), terminals: terms });
    }
    let config_path = dir.join("seqr-recon.toml");
    std::fs::write(&config_path, demo_config(shops, &endpoint, &terminal_ids))?;
    let cfg = Arc::new(Config::load(&config_path)?);
    Ok(World { sim, base_url, client, shops: gen_shops, cfg, config_path })
}

/// SEQR's summary disagrees with its details in each period of the first close.
fn summary_mismatches(shops: &[DemoShop]) -> Vec<TruthRow> {
    let mut rows = Vec::new();
    for s in shops {
        let periods = if s.level == Level::Shop { 1 } else { s.terminals };
        for _ in 0..periods {
            rows.push(TruthRow {
                category: Category::SummaryMismatch,
                shop_id: s.id.to_string(),
                key: "*".into(),
                close: 1,
            });
        }
    }
    rows
}

/// What the accountants do after the first close: book one late sale per shop
/// by hand before its post arrives (the post must then match the resolution,
/// not raise a new exception), and take on a wrong amount (the second close's
/// email marks it as in hand).
fn accountants_work(store: &Store, shops: &[DemoShop], truth: &[TruthRow]) -> anyhow::Result<()> {
    for s in shops {
        let late = truth.iter().find(|t| {
            t.shop_id == s.id
                && t.category == Category::MissingLocally
                && truth.iter().any(|u| u.key == t.key && u.category == Category::LateMatched)
        });
        if let Some(t) = late {
            let why = "booked by hand from the receipt before the post arrived";
            crate::worklist::resolve(store, &s.id, &t.key, crate::domain::Resolution::Correction, why, "demo")?;
        }
        let mismatch = truth.iter().find(|t| t.shop_id == s.id && t.category == Category::AmountMismatch);
        if let Some(t) = mismatch {
            crate::worklist::acknowledge(store, &s.id, &t.key, "checking the receipt with the cashier", "demo")?;
        }
    }
    Ok(())
}

/// The till exports its day file again, grown by the late posts (only those
/// are new), from another exporter that ends its lines \r\n.
fn re_export_grown(
    path: &Path,
    posts: &[till::PostRow],
    late_posts: &[till::PostRow],
    now: chrono::DateTime<Utc>,
) -> anyhow::Result<()> {
    let grown: Vec<_> = posts
        .iter()
        .cloned()
        .chain(late_posts.iter().cloned().map(|p| till::PostRow { posted_at: now, ..p }))
        .collect();
    till::write_posts(path, &grown)?;
    till::end_lines_with_crlf_from(path, posts.len() + 2)
}

/// A quiet spell longer than the in-transit window (`window` seconds), then
/// the last sales: paid moments before the close, their posts written just after it.
async fn last_sales(
    dir: &Path,
    sim: &crate::sim::Simulator,
    client: &SeqrClient,
    shops: &[GenShop],
    opts: &DayOptions,
    window: f64,
) -> anyhow::Result<till::Day> {
    tokio::time::sleep(sim.clock().real(std::time::Duration::from_secs_f64(window))).await;
    let edge = till::edge_of_close(client, shops, opts).await?;
    till::write_journal(&dir.join("inbox/journal-day1-edge.csv"), &edge.journal)?;
    Ok(edge)
}

/// Closes every shop of the demo now, noting each shop's first close and each
/// close's reports folder.
async fn close_all(
    store: &Store,
    ctx: &Arc<CloseContext>,
    first_seq: &mut BTreeMap<ShopId, i64>,
    report_dirs: &mut Vec<PathBuf>,
) -> anyhow::Result<()> {
    let batch = Batch {
        shops: ctx.cfg.shops.iter().map(|s| (s.clone(), Utc::now())).collect(),
        confirm_remark: false,
        close_slot_after_resume: false,
    };
    let outcome = run_batch(store, ctx, batch).await?;
    if let Some((_, rejected)) = outcome.inbox.rejected.first() {
        anyhow::bail!("the demo's own POS files were refused: {rejected}");
    }
    for (shop, result) in outcome.results {
        if let CloseOutcome::Closed { close, files, .. } = result.with_context(|| format!("closing {}", shop.id))? {
            first_seq.entry(shop.id.clone()).or_insert(close.close_seq);
            report_dirs.push(files.dir);
        }
    }
    Ok(())
}

/// Plays the demo for `shops` in `dir` (wiped first).
pub async fn run(
    dir: &Path,
    shops: &[DemoShop],
    sales_per_terminal: usize,
    seed: u64,
    time_scale: f64,
) -> anyhow::Result<DemoOutcome> {
    let started = Instant::now();
    let World { sim, base_url, client, shops: gen_shops, cfg, .. } = set_up(dir, shops, time_scale).await?;

    // The day.
    let opts = DayOptions {
        sales_per_terminal,
        seed,
        faults: FaultRates::demo(),
        clock: sim.clock().clone(),
        sim_url: base_url.clone(),
    };
    // The first refunds of the day SEQR lists under their payment's reference.
    sim.set_faults(Faults { refund_shares_reference: 3, ..Default::default() });
    let day = till::trading_day(&client, &gen_shops, &opts).await?;
    till::write_posts(&dir.join("inbox/posts-day1.csv"), &day.posts)?;
    till::write_journal(&dir.join("inbox/journal-day1.csv"), &day.journal)?;
    let mut truth = day.truth.clone();

    // SEQR's summary disagrees with its details tonight (simulator switch).
    sim.set_faults(Faults { summary_skew: Some(rust_decimal::Decimal::new(-1000, 2)), ..Default::default() });
    truth.extend(summary_mismatches(shops));

    let window = f64::from(cfg.reconcile.in_transit_window_seconds) + 5.0;
    let edge = last_sales(dir, &sim, &client, &gen_shops, &opts, window).await?;
    truth.extend(edge.truth);
    let late_posts: Vec<till::PostRow> = day.late_posts.iter().chain(&edge.late_posts).cloned().collect();
    let sales = day.sales + edge.sales;

    // The close comes a little after the last sale, as at a real shop.
    tokio::time::sleep(sim.clock().real(std::time::Duration::from_secs(2))).await;
    let store = Store::open_configured(&cfg.store)?;
    let ctx = Arc::new(CloseContext::new(cfg.clone()));
    let mut first_seq = BTreeMap::new();
    let mut report_dirs = Vec::new();
    for night in 1..=2 {
        close_all(&store, &ctx, &mut first_seq, &mut report_dirs).await?;
        if night == 1 {
            accountants_work(&store, shops, &truth)?;
            // After the close: the summary agrees again, and the late posts arrive.
            sim.set_faults(Faults::default());
            re_export_grown(&dir.join("inbox/posts-day1.csv"), &day.posts, &late_posts, sim.clock().now())?;
        }
    }
    till::write_truth(&dir.join("truth.csv"), &truth)?;
    let scores = score::score(&store, &truth, &first_seq, 2)?;
    Ok(DemoOutcome {
        sales,
        scores,
        report_dirs,
        outbox: cfg.email.outbox.clone(),
        seconds: started.elapsed().as_secs_f64(),
    })
}
