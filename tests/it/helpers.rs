//! Test bench: a simulator on a random port, clients for its principals, temp stores.

use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use seqr_recon::seqr::{ClientContext, Principal, RetryPolicy, SeqrClient};
use seqr_recon::sim::{Faults, SimConfig, Simulator};

pub const RESELLER: &str = "acme-se";
pub const RESELLER_PASSWORD: &str = "reseller-pass";
pub const TERMINAL: &str = "t-pos-1";
pub const TERMINAL_PASSWORD: &str = "terminal-pass-1";

/// A simulator config: one reseller with one terminal; `time_scale` speeds SEQR's clock.
pub fn sim_config(time_scale: f64) -> SimConfig {
    let text = format!(
        r#"
        time_scale = {time_scale}
        report_not_ready_calls = 1
        [[reseller]]
        id = "{RESELLER}"
        user_id = "9900"
        password = "{RESELLER_PASSWORD}"
        currency = "SEK"
        [[reseller.terminal]]
        id = "{TERMINAL}"
        password = "{TERMINAL_PASSWORD}"
        name = "POS 1"
        "#
    );
    toml::from_str(&text).unwrap()
}

pub struct Bench {
    pub base_url: String,
    pub sim: Arc<Simulator>,
    pub client: SeqrClient,
}

impl Bench {
    pub async fn start(cfg: SimConfig) -> Bench {
        let (base_url, sim) = seqr_recon::sim::spawn(cfg, None).await.unwrap();
        let retry =
            RetryPolicy { max_attempts: 4, base_delay: Duration::from_millis(5), max_delay: Duration::from_millis(20) };
        let client =
            SeqrClient::new(&format!("{base_url}/soap/merchant/cashregister-2"), Duration::from_secs(5), retry);
        Bench { base_url, sim, client }
    }

    pub fn reseller(&self) -> ClientContext {
        reseller_ctx(RESELLER_PASSWORD)
    }

    pub fn terminal(&self) -> ClientContext {
        terminal_ctx(TERMINAL, TERMINAL_PASSWORD)
    }

    /// What the customer's phone does, over the simulator's admin HTTP.
    pub async fn customer_pays(&self, invoice_reference: &str) {
        let r = reqwest::Client::new()
            .post(format!("{}/sim/customer/pay", self.base_url))
            .header("content-type", "application/json")
            .body(serde_json::json!({ "invoice_reference": invoice_reference }).to_string())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "pay failed: {}", r.text().await.unwrap());
    }

    pub async fn set_faults(&self, f: Faults) {
        let r = reqwest::Client::new()
            .post(format!("{}/sim/faults", self.base_url))
            .header("content-type", "application/json")
            .body(serde_json::to_string(&f).unwrap())
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
    }

    pub fn calls(&self, op: &str) -> u64 {
        self.sim.calls().get(op).copied().unwrap_or(0)
    }
}

pub fn reseller_ctx(password: &str) -> ClientContext {
    ClientContext {
        client_id: "seqr-recon tests".into(),
        principal: Principal::ResellerUser { reseller_id: RESELLER.into(), user_id: "9900".into() },
        password: SecretString::from(password),
        who: "shop stockholm-1".into(),
    }
}

pub fn terminal_ctx(id: &str, password: &str) -> ClientContext {
    ClientContext {
        client_id: "seqr-recon tests".into(),
        principal: Principal::Terminal { terminal_id: id.into() },
        password: SecretString::from(password),
        who: format!("terminal {id}"),
    }
}

pub fn dec(s: &str) -> rust_decimal::Decimal {
    s.parse().unwrap()
}

/// A fetched report around `report`, for tests that store reports without a simulator.
pub fn fetched(report: seqr_recon::seqr::report::Report) -> seqr_recon::seqr::FetchedReport {
    seqr_recon::seqr::FetchedReport {
        report,
        report_zst: seqr_recon::seqr::client::compress_report(b"<r/>").unwrap(),
        response_sha256: "0".repeat(64),
        client_reference: "test".into(),
        attempts: 1,
        not_ready: vec![],
    }
}

/// Every row that the read `sql` returns from `store` for `params`, each made a value by `row`; any
/// error panics with the SQL.
pub fn read_rows<T>(
    store: &seqr_recon::store::Store,
    sql: &str,
    params: impl duckdb::Params,
    row: impl FnMut(&duckdb::Row) -> duckdb::Result<T>,
) -> Vec<T> {
    store.read_for_test(sql, params, row).unwrap_or_else(|e| panic!("{e:#}\n{sql}"))
}

/// The first row that the read `sql` returns from `store`, made a value by `row`.
pub fn read_one<T>(
    store: &seqr_recon::store::Store,
    sql: &str,
    params: impl duckdb::Params,
    row: impl FnMut(&duckdb::Row) -> duckdb::Result<T>,
) -> anyhow::Result<T> {
    let first = store.read_for_test(sql, params, row)?.into_iter().next();
    first.ok_or_else(|| anyhow::anyhow!("no row: {sql}"))
}

/// Every row that `sql` returns for `params`, each made a value by `row`; any error panics with the SQL.
pub fn rows<T>(
    conn: &duckdb::Connection,
    sql: &str,
    params: impl duckdb::Params,
    row: impl FnMut(&duckdb::Row) -> duckdb::Result<T>,
) -> Vec<T> {
    let mut stmt = conn.prepare(sql).unwrap_or_else(|e| panic!("{e}\n{sql}"));
    stmt.query_map(params, row).unwrap_or_else(|e| panic!("{e}\n{sql}")).map(Result::unwrap).collect()
}
