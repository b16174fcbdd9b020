//! The outbox's table: what was queued, handed to SMTP, sent.

use std::path::{Path, PathBuf};

use super::{queries, Store};
use crate::domain::{EmailKind, ShopId};

/// An email to record as queued.
pub struct EmailRow<'a> {
    /// Unique id of the email.
    pub email_id: &'a str,
    /// The shop it is about.
    pub shop_id: Option<&'a str>,
    /// The period it reports.
    pub period_id: Option<&'a str>,
    /// Report or alert.
    pub kind: EmailKind,
    /// Subject line.
    pub subject: &'a str,
    /// From address.
    pub sender: &'a str,
    /// To addresses.
    pub recipients: &'a [String],
    /// The `.eml` file in the outbox.
    pub eml_path: &'a Path,
}

/// An email still waiting in the outbox.
#[derive(Debug)]
pub struct PendingEmail {
    /// Its id.
    pub email_id: String,
    /// From address.
    pub sender: String,
    /// To addresses, comma-separated.
    pub recipients: String,
    /// The `.eml` file to send.
    pub eml_path: PathBuf,
}

impl Store {
    /// Whether an email with this id was queued.
    pub fn email_exists(&self, email_id: &str) -> anyhow::Result<bool> {
        self.query_one(queries::EMAIL_EXISTS, &[("email_id", &email_id)], |r| r.get(0))
    }

    /// Whether SMTP (or the file transport) took the email.
    pub fn email_sent(&self, email_id: &str) -> anyhow::Result<bool> {
        self.query_one(queries::EMAIL_SENT, &[("email_id", &email_id)], |r| r.get(0))
    }

    /// Records an email as queued.
    pub fn insert_email(&self, e: &EmailRow<'_>) -> anyhow::Result<()> {
        self.execute(
            queries::INSERT_EMAIL,
            &[
                ("email_id", &e.email_id),
                ("shop_id", &e.shop_id),
                ("period_id", &e.period_id),
                ("kind", &e.kind),
                ("subject", &e.subject),
                ("sender", &e.sender),
                ("recipients", &e.recipients.join(",")),
                ("eml_path", &e.eml_path.display().to_string()),
            ],
        )?;
        Ok(())
    }

    /// Emails handed to SMTP by a run that stopped before recording the outcome.
    pub fn emails_in_doubt(&self, shop_id: Option<&ShopId>) -> anyhow::Result<usize> {
        let n: i64 = self.query_one(queries::EMAILS_IN_DOUBT, &[("shop_id", &shop_id)], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Queued emails never handed to SMTP, oldest first.
    pub fn emails_to_send(&self, shop_id: Option<&ShopId>) -> anyhow::Result<Vec<PendingEmail>> {
        self.query_all(queries::EMAILS_TO_SEND, &[("shop_id", &shop_id)], |r| {
            Ok(PendingEmail {
                email_id: r.get(0)?,
                sender: r.get(1)?,
                recipients: r.get(2)?,
                eml_path: PathBuf::from(r.get::<_, String>(3)?),
            })
        })
    }

    /// Marks an email as being handed to SMTP (`sending` true) or clears that after a failed hand-over.
    pub fn set_email_sending(&self, email_id: &str, sending: bool) -> anyhow::Result<()> {
        self.execute(queries::EMAIL_SENDING, &[("email_id", &email_id), ("sending", &sending)])?;
        Ok(())
    }

    /// Records that SMTP (or the file transport) took it, and where its file
    /// is now; a close's report makes its close `emailed`, whichever run sent it.
    pub fn email_delivered(&self, email_id: &str, eml_path: &Path) -> anyhow::Result<()> {
        let tx = self.transaction()?;
        tx.execute(
            queries::EMAIL_DELIVERED,
            &[("email_id", &email_id), ("eml_path", &eml_path.display().to_string())],
        )?;
        tx.execute(queries::REPORT_DELIVERED, &[("email_id", &email_id)])?;
        tx.commit()
    }

    /// Records that the mail server refused it for good: it is not retried.
    pub fn email_refused(&self, email_id: &str, error: &str) -> anyhow::Result<()> {
        self.execute(queries::EMAIL_REFUSED, &[("email_id", &email_id), ("error", &error)])?;
        Ok(())
    }

    /// Records a failed attempt.
    pub fn email_failed(&self, email_id: &str, error: &str) -> anyhow::Result<()> {
        self.execute(queries::EMAIL_FAILED, &[("email_id", &email_id), ("error", &error)])?;
        Ok(())
    }

    /// A shop's undelivered mail.
    pub fn mail_waiting(&self, shop_id: &ShopId) -> anyhow::Result<MailWaiting> {
        self.query_one(queries::MAIL_WAITING, &[("shop_id", &shop_id)], |r| {
            Ok(MailWaiting { queued: r.get(0)?, in_doubt: r.get(1)?, refused: r.get(2)? })
        })
    }

    /// Where the `.eml` file of an email is now.
    pub fn eml_path(&self, email_id: &str) -> anyhow::Result<Option<PathBuf>> {
        let path: Option<String> = self.query_optional(queries::EML_PATH, &[("email_id", &email_id)], |r| r.get(0))?;
        Ok(path.map(PathBuf::from))
    }

    /// How many report emails a close has had (the first and every resend).
    pub fn report_email_count(&self, close_id: &str) -> anyhow::Result<i64> {
        self.query_one(queries::REPORT_EMAIL_COUNT, &[("close_id", &close_id)], |r| r.get(0))
    }
}

/// A shop's mail not delivered, by why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailWaiting {
    /// Still queued: the next run tries again.
    pub queued: i64,
    /// Handed to SMTP without an answer: maybe delivered, never sent again by itself.
    pub in_doubt: i64,
    /// Refused for good by the mail server: `resend` after fixing the address.
    pub refused: i64,
}
