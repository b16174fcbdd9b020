//! Back-office operations on SEQR: terminals and refunds.
//! Each checks what it can in the database before asking SEQR.

use std::str::FromStr;

use anyhow::Context;
use rand::distr::{Alphanumeric, SampleString};
use rust_decimal::Decimal;
use secrecy::SecretString;

use crate::config::{Config, Shop};
use crate::seqr::types::{check_ers_reference, Invoice};
use crate::seqr::{ClientContext, Principal, SeqrClient};
use crate::store::refunds::{KnownPayment, RefundRecord};
use crate::store::Store;

/// A terminal password: 20 characters from the thread's CSPRNG (ChaCha, seeded by the OS).
pub fn generate_terminal_password() -> SecretString {
    SecretString::from(Alphanumeric.sample_string(&mut rand::rng(), 20))
}

/// The TERMINALID context of a configured terminal.
pub fn terminal_context(cfg: &Config, terminal_id: &str) -> anyhow::Result<(Shop, ClientContext)> {
    for shop in &cfg.shops {
        if let Some(t) = shop.terminals.iter().find(|t| t.id == terminal_id) {
            let ctx = ClientContext {
                client_id: cfg.seqr.client_id.clone(),
                principal: Principal::Terminal { terminal_id: t.id.clone() },
                password: t.password()?,
                who: format!("terminal {} of shop {}", t.id, shop.id),
            };
            return Ok((shop.clone(), ctx));
        }
    }
    anyhow::bail!(
        "terminal {terminal_id} is not in {}: add it as [[shop.terminal]] with its password_env first",
        cfg.path.display()
    )
}

/// What `terminal register` made.
pub struct Registered {
    /// SEQR's id for the new terminal.
    pub terminal_id: String,
    /// The password generated for it; shown once, never stored.
    pub password: SecretString,
    /// The environment variable the config should name for it.
    pub password_env: String,
}

/// Registers a terminal for `shop` and records it (never its password).
pub async fn register_terminal(
    cfg: &Config,
    store: &Store,
    client: &SeqrClient,
    shop: &Shop,
    external_id: &str,
    name: &str,
) -> anyhow::Result<Registered> {
    let ctx = shop.reseller_context(&cfg.seqr.client_id)?;
    let password = generate_terminal_password();
    let terminal_id = client.register_terminal(&ctx, external_id, &password, name).await?;
    store.record_registered_terminal(&terminal_id, &shop.id, name, external_id)?;
    let password_env = format!(
        "SEQR_PASSWORD_{}_{}",
        shop.id.replace('-', "_").to_uppercase(),
        external_id
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' })
            .collect::<String>()
    );
    Ok(Registered { terminal_id: terminal_id.into_string(), password, password_env })
}

/// A SEQR id as printed on the sticker: letters and digits only.
pub fn check_seqr_id(seqr_id: &str) -> anyhow::Result<()> {
    if seqr_id.is_empty() || !seqr_id.chars().all(|c| c.is_ascii_alphanumeric()) {
        anyhow::bail!(
            "--seqr-id {seqr_id:?}: a SEQR id is the letters and digits printed on the sticker, nothing else \
             (SEQR would answer code 53 INVALID_SEQR_ID)"
        );
    }
    Ok(())
}

/// Assigns a SEQR sticker id to a configured terminal and records it.
pub async fn assign_seqr_id(
    cfg: &Config,
    store: &Store,
    client: &SeqrClient,
    terminal_id: &str,
    seqr_id: &str,
) -> anyhow::Result<()> {
    check_seqr_id(seqr_id)?;
    let (_, ctx) = terminal_context(cfg, terminal_id)?;
    client.assign_seqr_id(&ctx, seqr_id).await?;
    store.record_seqr_id(terminal_id, seqr_id)?;
    Ok(())
}

/// Unregisters a configured terminal at SEQR and records when.
pub async fn unregister_terminal(
    cfg: &Config,
    store: &Store,
    client: &SeqrClient,
    terminal_id: &str,
) -> anyhow::Result<()> {
    let (_, ctx) = terminal_context(cfg, terminal_id)?;
    client.unregister_terminal(&ctx).await?;
    store.record_unregistered(terminal_id)?;
    Ok(())
}

/// Checks a refund against the database before SEQR is asked. A refund of
/// the same payment whose outcome is unknown blocks another, unless the
/// operator checked with SEQR (`despite_unknown`): SEQR may have made it.
pub fn check_refund(
    store: &Store,
    ers_reference: &str,
    amount: Decimal,
    despite_unknown: bool,
) -> anyhow::Result<KnownPayment> {
    if amount <= Decimal::ZERO || amount.scale() > 5 {
        anyhow::bail!("--amount {amount}: give a positive amount with at most 5 decimals, e.g. 10.00");
    }
    let p = store.known_payment(ers_reference)?.with_context(|| {
        format!("no payment {ers_reference} in the database (neither in SEQR's reports nor in the POS posts); check the reference on the receipt")
    })?;
    let unknown = store.refund_in_doubt(ers_reference)?;
    if let Some((attempt, unknown_amount, at)) = unknown.filter(|_| !despite_unknown) {
        anyhow::bail!(
            "a refund of {unknown_amount} of payment {ers_reference} ({attempt}, {at} UTC) has an unknown outcome: \
             SEQR may have made it. Do not refund again yet: the next close links SEQR's refund row to it. If \
             SEQR support confirms it was not made, run this again with --despite-unknown"
        );
    }
    if p.refunded + amount > p.amount {
        anyhow::bail!(
            "refunding {amount} would bring refunds of {ers_reference} to {} but the payment was {}; at most {} remains",
            p.refunded + amount,
            p.amount,
            p.amount - p.refunded
        );
    }
    Ok(p)
}

/// Refunds through SEQR and records the refund, also as a local REFUND post so
/// the next close matches it. The attempt is recorded before SEQR is asked;
/// an answer that is not a clean refusal leaves it `unknown`, and the error
/// says so: never "try again".
#[allow(clippy::too_many_arguments)]
pub async fn refund(
    cfg: &Config,
    store: &Store,
    client: &SeqrClient,
    ers_reference: &str,
    amount: Decimal,
    reason: Option<&str>,
    by: &str,
    despite_unknown: bool,
) -> anyhow::Result<String> {
    check_ers_reference(ers_reference).map_err(|what| anyhow::anyhow!("--ers-reference {ers_reference:?} {what}"))?;
    let p = check_refund(store, ers_reference, amount, despite_unknown)?;
    let shop = cfg
        .shop(&p.shop_id)
        .with_context(|| format!("the payment belongs to shop {}, which is not in the config", p.shop_id))?;
    let ctx = shop.reseller_context(&cfg.seqr.client_id)?;
    let attempt_id = format!("refund-{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f"), std::process::id());
    let mut record = RefundRecord {
        shop_id: &p.shop_id,
        terminal_id: p.terminal_id.as_deref(),
        original: ers_reference,
        refund_ers: "",
        amount,
        reason,
        by,
        currency: &shop.currency,
        posted_at: None,
    };
    store.begin_refund_attempt(&attempt_id, &record)?;
    let invoice = Invoice::simple(reason.unwrap_or("Refund"), &shop.currency, amount);
    let refund_ers = match client.refund_payment(&ctx, ers_reference, invoice).await {
        Ok(r) => r,
        Err(e) => {
            let (outcome, advice) = if e.outcome_unknown() {
                (
                    "unknown",
                    format!(
                        " Recorded as refund attempt {attempt_id} with an unknown outcome: do NOT refund again. The \
                         next close links SEQR's refund row to it; `seqr-recon status` shows it until then."
                    ),
                )
            } else if e.result_code() == Some(crate::seqr::ResultCode::SUM_OF_REFUNDS_EXCEEDS_ORIGINAL) {
                (
                    "refused",
                    " SEQR counts refunds made elsewhere (e.g. at the till) that this database does not know of."
                        .into(),
                )
            } else {
                ("refused", String::new())
            };
            store.end_refund_attempt(&attempt_id, outcome, &e.to_string())?;
            anyhow::bail!("{e}.{advice}");
        }
    };
    record.refund_ers = &refund_ers;
    store.complete_refund_attempt(&attempt_id, &record)?;
    Ok(refund_ers.into_string())
}

/// Parses an amount argument exactly.
pub fn parse_amount(s: &str) -> Result<Decimal, String> {
    Decimal::from_str(s.trim()).map_err(|_| format!("{s:?} is not an amount like 10.00"))
}

/// The user running a command, for audit columns.
pub fn current_user() -> String {
    std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into())
}
