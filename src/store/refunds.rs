//! Back-office refunds as the store keeps them: every attempt (`refund_attempts`,
//! written before SEQR is asked), the refunds SEQR made (`refunds`), and the
//! local REFUND post each gets so the close matches SEQR's refund row.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::ingest::Feed;
use super::{queries, Store};
use crate::domain::ShopId;

/// A refund SEQR made, to record.
#[derive(Debug, Clone)]
pub struct RefundRecord<'a> {
    /// The shop of the payment.
    pub shop_id: &'a str,
    /// The terminal of the payment.
    pub terminal_id: Option<&'a str>,
    /// The payment refunded.
    pub original: &'a str,
    /// SEQR's reference for the refund.
    pub refund_ers: &'a str,
    /// What was given back (positive).
    pub amount: Decimal,
    /// Why, as the operator said.
    pub reason: Option<&'a str>,
    /// Who refunded.
    pub by: &'a str,
    /// The payment's currency.
    pub currency: &'a str,
    /// SEQR's time of the refund when known (a linked refund), else now.
    pub posted_at: Option<DateTime<Utc>>,
}

/// A payment as the database knows it, with what was refunded so far.
#[derive(Debug)]
pub struct KnownPayment {
    /// The shop of the payment.
    pub shop_id: ShopId,
    /// Its terminal.
    pub terminal_id: Option<String>,
    /// What was paid.
    pub amount: Decimal,
    /// Refunded so far.
    pub refunded: Decimal,
}

/// A refund attempt whose outcome is not known: its id, amount and UTC time.
pub type RefundInDoubt = (String, Decimal, String);

impl Store {
    /// Looks a payment up in SEQR's rows (first) and the POS's posts.
    pub fn known_payment(&self, ers_reference: &str) -> anyhow::Result<Option<KnownPayment>> {
        let params: &[super::Param<'_>] = &[("ers_reference", &ers_reference)];
        let found: Option<(ShopId, Option<String>, Decimal)> =
            self.query_optional(queries::KNOWN_PAYMENT, params, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let Some((shop_id, terminal_id, amount)) = found else { return Ok(None) };
        let refunded = self.query_one(queries::REFUNDED_SO_FAR, params, |r| r.get(0))?;
        Ok(Some(KnownPayment { shop_id, terminal_id, amount, refunded }))
    }

    /// The first attempt to refund `original` whose outcome is unknown (in flight, or no clean answer).
    pub fn refund_in_doubt(&self, original: &str) -> anyhow::Result<Option<RefundInDoubt>> {
        self.query_optional(queries::REFUND_IN_DOUBT, &[("original", &original)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
    }

    /// How many refunds of `shop_id` have an unknown outcome.
    pub fn refunds_in_doubt(&self, shop_id: &ShopId) -> anyhow::Result<i64> {
        self.query_one(queries::REFUNDS_IN_DOUBT, &[("shop_id", &shop_id)], |r| r.get(0))
    }

    /// Records an attempt as `sending`, before SEQR is asked. `refund_ers`
    /// and `posted_at` of `attempt` are not used yet.
    pub fn begin_refund_attempt(&self, attempt_id: &str, attempt: &RefundRecord<'_>) -> anyhow::Result<()> {
        self.execute(
            queries::BEGIN_REFUND_ATTEMPT,
            &[
                ("attempt_id", &attempt_id),
                ("original", &attempt.original),
                ("shop_id", &attempt.shop_id),
                ("terminal_id", &attempt.terminal_id),
                ("amount", &attempt.amount),
                ("reason", &attempt.reason),
                ("attempted_by", &attempt.by),
                ("attempted_at", &Utc::now()),
            ],
        )?;
        Ok(())
    }

    /// Ends an attempt that did not give a refund reference: `refused` or `unknown`.
    pub fn end_refund_attempt(&self, attempt_id: &str, outcome: &str, detail: &str) -> anyhow::Result<()> {
        self.execute(
            queries::END_REFUND_ATTEMPT,
            &[("outcome", &outcome), ("detail", &detail), ("attempt_id", &attempt_id)],
        )?;
        Ok(())
    }

    /// Ends an attempt SEQR answered with its refund reference, and records the refund.
    pub fn complete_refund_attempt(&self, attempt_id: &str, refund: &RefundRecord<'_>) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        tx.execute(
            queries::COMPLETE_REFUND_ATTEMPT,
            &[("refund_ers", &refund.refund_ers), ("attempt_id", &attempt_id)],
        )?;
        tx.record_refund(refund)?;
        tx.commit()
    }

    /// Links refunds of `shop_id` whose outcome was unknown to SEQR's refund
    /// rows (`queries/store/unknown_refund_links.sql`), before a close
    /// classifies: the link records the refund and its REFUND post, so the row
    /// is MATCHED instead of MISSING_LOCALLY ("refund the customer", which
    /// would refund twice). Returns the refunds linked.
    pub fn link_unknown_refunds(&self, shop_id: &ShopId, currency: &str) -> anyhow::Result<usize> {
        // Most closes have none: a count is cheaper than the search over every post.
        if self.refunds_in_doubt(shop_id)? == 0 {
            return Ok(0);
        }
        type Link = (String, String, Option<String>, Decimal, Option<String>, String, String);
        let links: Vec<Link> = self.query_all(queries::UNKNOWN_REFUND_LINKS, &[("shop_id", &shop_id)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?))
        })?;
        let tx = self.transaction()?;
        let mut linked_attempts = std::collections::HashSet::new();
        for (attempt, original, terminal, amount, reason, by, refund_ers) in links {
            // One SEQR row per attempt, and two attempts never take the same row.
            let taken: bool = tx.query_one(queries::REFUND_ROW_TAKEN, &[("refund_ers", &refund_ers)], |r| r.get(0))?;
            if taken || linked_attempts.contains(&attempt) {
                continue;
            }
            linked_attempts.insert(attempt.clone());
            let refund = RefundRecord {
                shop_id,
                terminal_id: terminal.as_deref(),
                original: &original,
                refund_ers: &refund_ers,
                amount,
                reason: reason.as_deref(),
                by: &by,
                currency,
                posted_at: crate::seqr::types::seqr_time(&refund_ers),
            };
            tx.record_refund(&refund)?;
            tx.execute(queries::LINK_REFUND_ATTEMPT, &[("refund_ers", &refund_ers), ("attempt_id", &attempt)])?;
            tracing::info!(attempt = %attempt, refund = %refund_ers, "a refund with an unknown outcome was found in SEQR's report");
        }
        tx.commit()?;
        Ok(linked_attempts.len())
    }
}

impl Store {
    /// Records a refund SEQR made: the `refunds` row and a local REFUND post
    /// (in a file of its own) so the close matches SEQR's refund row. Runs in
    /// the caller's transaction.
    fn record_refund(&self, r: &RefundRecord<'_>) -> anyhow::Result<()> {
        self.execute(
            queries::INSERT_REFUND,
            &[
                ("refund_ers", &r.refund_ers),
                ("original", &r.original),
                ("shop_id", &r.shop_id),
                ("terminal_id", &r.terminal_id),
                ("amount", &r.amount),
                ("reason", &r.reason),
                ("refunded_by", &r.by),
            ],
        )?;
        let file_id = self.next_file_id()?;
        let file_name = format!("backoffice-refund-{}", r.refund_ers);
        self.record_pos_file(file_id, &file_name, &format!("refund:{}", r.refund_ers), Feed::Posts, 1)?;
        self.execute(
            queries::INSERT_REFUND_POST,
            &[
                ("file_id", &file_id),
                ("shop_id", &r.shop_id),
                ("terminal_id", &r.terminal_id.unwrap_or_default()),
                ("cashier_id", &r.by),
                ("ers_reference", &r.refund_ers),
                ("amount", &-r.amount),
                ("currency", &r.currency),
                ("description", &format!("SEQR refund of {}", r.original)),
                ("posted_at", &r.posted_at),
            ],
        )?;
        Ok(())
    }
}
