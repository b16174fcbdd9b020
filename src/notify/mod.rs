//! Email: one report per shop period, alerts for failed closes, and an outbox
//! so no report is lost. Every message is first written as an `.eml` file and
//! recorded in the `emails` table, then delivered (SMTP) or left as the file
//! (file transport). Unsent mail is retried by the next run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use secrecy::ExposeSecret;

mod report;
mod smtp;

pub(crate) use report::is_flood;
pub(crate) use report::report_email;
pub use report::{
    failed_close_alert, flood_alert, no_posts_alert, refused_files_alert, run_without_database_alert,
    schedule_could_not_run_alert,
};

use crate::config::{secret_from_env, EmailSettings, Transport};
use crate::domain::{EmailKind, ShopId};
use crate::store::{EmailRow, PendingEmail as Pending, Store};

/// A message ready to queue.
pub struct Outgoing {
    /// Unique id; queuing the same id twice does nothing.
    pub email_id: String,
    /// The shop it is about, if any.
    pub shop_id: Option<ShopId>,
    /// The period it reports, if any.
    pub period_id: Option<String>,
    /// A report or an alert.
    pub kind: EmailKind,
    /// The subject line.
    pub subject: String,
    /// The addresses it goes to.
    pub recipients: Vec<String>,
    /// The plain-text part.
    pub text: String,
    /// The HTML part, if any.
    pub html: Option<String>,
    /// Attachments: file name and bytes.
    pub attachments: Vec<(String, Vec<u8>)>,
}

fn mailbox(s: &str, key: &str) -> anyhow::Result<Mailbox> {
    s.parse().with_context(|| format!("[email] {key}: {s:?} is not an email address like `Name <a@b.example>`"))
}

fn build(settings: &EmailSettings, out: &Outgoing) -> anyhow::Result<Message> {
    let mut b = Message::builder().from(mailbox(&settings.from, "from")?).subject(&out.subject);
    for r in &out.recipients {
        b = b.to(mailbox(r, "to")?);
    }
    let body = match &out.html {
        Some(html) => MultiPart::alternative_plain_html(out.text.clone(), html.clone()),
        None => MultiPart::alternative().singlepart(SinglePart::plain(out.text.clone())),
    };
    let mut mixed = MultiPart::mixed().multipart(body);
    for (name, bytes) in &out.attachments {
        let ct = if name.ends_with(".xlsx") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else {
            "text/csv; charset=utf-8"
        };
        let ct = ContentType::parse(ct).expect("valid content type");
        mixed = mixed.singlepart(Attachment::new(name.clone()).body(bytes.clone(), ct));
    }
    Ok(b.multipart(mixed)?)
}

/// Writes the message into the outbox and records it; queuing the same
/// `email_id` twice does nothing (so a resumed close does not mail twice).
/// The `.eml` file is on disk (synced) before the row that points at it commits.
pub fn queue(store: &Store, settings: &EmailSettings, out: &Outgoing) -> anyhow::Result<()> {
    if store.email_exists(&out.email_id)? {
        return Ok(());
    }
    let path = write_eml(settings, out)?;
    store.insert_email(&EmailRow {
        email_id: &out.email_id,
        shop_id: out.shop_id.as_deref(),
        period_id: out.period_id.as_deref(),
        kind: out.kind,
        subject: &out.subject,
        sender: &settings.from,
        recipients: &out.recipients,
        eml_path: &path,
    })
}

/// Writes `out` as `{outbox}/queue/{email_id}.eml`, synced, and returns the path.
fn write_eml(settings: &EmailSettings, out: &Outgoing) -> anyhow::Result<PathBuf> {
    if out.recipients.is_empty() {
        anyhow::bail!("no recipients for {:?}: set [email] to (or alert_to) or the shop's email_to", out.subject);
    }
    let message = build(settings, out)?;
    let dir = settings.outbox.join("queue");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating the outbox {}", dir.display()))?;
    let name = crate::paths::file_name(&out.email_id, ".eml")?;
    let path = dir.join(&name);
    crate::paths::write_synced(&path, &message.formatted())?;
    Ok(path)
}

/// Sends an alert when the database cannot be used (it failed, or another
/// process holds it): no outbox row, so it is sent now or written as a file.
/// When the outbox cannot be written either (its disk is full), SMTP gets it
/// straight from memory, so the alert never depends on the disk that failed.
/// Errors are logged, never raised: this is the last way to reach ops.
pub fn alert_without_store(settings: &EmailSettings, subject: &str, text: &str) {
    if settings.alert_to.is_empty() {
        return;
    }
    let out = Outgoing {
        email_id: format!("alert-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S%.6f")),
        shop_id: None,
        period_id: None,
        kind: EmailKind::Alert,
        subject: subject.to_string(),
        recipients: settings.alert_to.clone(),
        text: text.to_string(),
        html: None,
        attachments: vec![],
    };
    let pending = |eml_path: PathBuf| Pending {
        email_id: out.email_id.clone(),
        sender: settings.from.clone(),
        recipients: out.recipients.join(","),
        eml_path,
    };
    let sent = match write_eml(settings, &out) {
        Ok(path) => deliver(settings, &pending(path)).map_err(HandOver::into_error),
        Err(e) if settings.transport == Transport::Smtp => {
            tracing::error!(error = %format!("{e:#}"), "the outbox cannot be written; sending the alert straight to SMTP");
            build(settings, &out)
                .map_err(HandOver::NotSent)
                .and_then(|m| smtp::hand_over(settings, &pending(PathBuf::new()), &m.formatted()))
                .map(|()| PathBuf::from("(not written: sent from memory)"))
                .map_err(HandOver::into_error)
        }
        Err(e) => Err(e),
    };
    match sent {
        Ok(path) => tracing::warn!(subject, eml = %path.display(), "alert sent without the database"),
        Err(e) => tracing::error!(subject, error = %format!("{e:#}"), "the alert could not be sent either"),
    }
}

/// What one flush of the outbox did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Flushed {
    /// Delivered in this flush.
    pub sent: usize,
    /// Not delivered; they stay queued for the next run.
    pub left: usize,
    /// Handed to SMTP by an earlier run that stopped before recording the
    /// outcome: maybe delivered, never sent again by themselves.
    pub unknown: usize,
}

/// Delivers every unsent email (of `shop` only, when given), retrying each
/// with back-off; what still fails stays queued for the next run.
///
/// Each email is marked `sending_at` before it is handed to SMTP, and
/// `sent_at` right after SMTP accepts it. An email found with the first and not
/// the second was perhaps delivered: by a run that stopped in between, or by a
/// hand-over whose answer never came (the message went out, the connection
/// dropped before SMTP's `250`). It is left alone (`resend` sends it again),
/// so a message SMTP may have accepted never goes out twice. A message the
/// server refuses for good (5xx) is not retried, and ops are alerted.
pub fn flush_outbox(
    store: &Store,
    settings: &EmailSettings,
    backoff: &[Duration],
    shop: Option<&ShopId>,
) -> anyhow::Result<Flushed> {
    let unknown = store.emails_in_doubt(shop)?;
    let mut flushed = Flushed { unknown, ..Flushed::default() };
    if unknown > 0 {
        tracing::warn!(
            count = unknown,
            "emails were handed to SMTP without a recorded answer; they are not sent again by themselves \
             (`seqr-recon status` lists them, `seqr-recon resend` sends a report again)"
        );
    }
    let mut refusals = Vec::new();
    for p in store.emails_to_send(shop)? {
        match deliver_with_retries(store, settings, backoff, &p)? {
            Delivery::Sent(final_path) => {
                store.email_delivered(&p.email_id, &final_path)?;
                flushed.sent += 1;
            }
            Delivery::Failed(e) => {
                tracing::warn!(email = %p.email_id, error = %format!("{e:#}"), "email not delivered; it stays in the outbox");
                store.email_failed(&p.email_id, &format!("{e:#}"))?;
                flushed.left += 1;
            }
            Delivery::InDoubt(e) => {
                tracing::error!(email = %p.email_id, error = %format!("{e:#}"), "email handed to SMTP without an answer: maybe delivered, not sent again by itself");
                store.email_failed(&p.email_id, &format!("handed over without an answer: {e:#}"))?;
                flushed.unknown += 1;
            }
            Delivery::Refused(e) => {
                tracing::error!(email = %p.email_id, error = %format!("{e:#}"), "email refused for good by the mail server");
                store.email_refused(&p.email_id, &format!("{e:#}"))?;
                flushed.left += 1;
                refusals.push((p, e));
            }
        }
    }
    // Ops hear of a refused email at once, unless it went to them (that is only logged).
    let ops = settings.alert_to.join(",");
    let alerts: Vec<Outgoing> = refusals
        .iter()
        .filter(|(p, _)| !settings.alert_to.is_empty() && p.recipients != ops)
        .map(|(p, e)| report::refused_email_alert(settings, &p.email_id, &p.recipients, e))
        .collect();
    for alert in &alerts {
        queue(store, settings, alert)?;
    }
    if !alerts.is_empty() {
        flush_outbox(store, settings, backoff, None)?;
    }
    Ok(flushed)
}

/// How one email's delivery ended.
enum Delivery {
    /// SMTP took it (or the file transport wrote it): where its file now is.
    Sent(PathBuf),
    /// Not handed over (no connection, a temporary refusal): the next run tries again.
    Failed(anyhow::Error),
    /// Handed over, but no answer came: maybe delivered; never sent again by itself.
    InDoubt(anyhow::Error),
    /// Refused for good (5xx): not retried.
    Refused(anyhow::Error),
}

/// Delivers one email, retrying (with `backoff`) only while nothing was handed over.
fn deliver_with_retries(
    store: &Store,
    settings: &EmailSettings,
    backoff: &[Duration],
    p: &Pending,
) -> anyhow::Result<Delivery> {
    let mut waits = backoff.iter();
    loop {
        // Marked only while a hand-over may be in flight: an attempt that surely failed clears it.
        store.set_email_sending(&p.email_id, true)?;
        let outcome = match deliver(settings, p) {
            Ok(path) => return Ok(Delivery::Sent(path)),
            Err(HandOver::InDoubt(e)) => return Ok(Delivery::InDoubt(e)),
            Err(HandOver::Refused(e)) => Delivery::Refused(e),
            Err(HandOver::NotSent(e)) => Delivery::Failed(e),
        };
        store.set_email_sending(&p.email_id, false)?;
        match (outcome, waits.next()) {
            (Delivery::Failed(_), Some(wait)) => std::thread::sleep(*wait),
            (outcome, _) => return Ok(outcome),
        }
    }
}

impl HandOver {
    fn into_error(self) -> anyhow::Error {
        match self {
            HandOver::NotSent(e) | HandOver::InDoubt(e) | HandOver::Refused(e) => e,
        }
    }
}

/// Why a hand-over to SMTP did not end in an accepted message.
enum HandOver {
    /// Nothing was handed over, or the server refused it for now (4xx): try again.
    NotSent(anyhow::Error),
    /// The whole message was sent and no clean answer came: maybe delivered.
    InDoubt(anyhow::Error),
    /// The server refused it for good (5xx), naming why.
    Refused(anyhow::Error),
}

/// Sends one queued email; returns where its `.eml` file now is. Once SMTP has
/// accepted the message this never fails: moving the file is tidying, and a
/// failure to move it is logged, not returned (returning it would send again).
fn deliver(settings: &EmailSettings, p: &Pending) -> Result<PathBuf, HandOver> {
    let name = p.eml_path.file_name().context("an .eml file has a name").map_err(HandOver::NotSent)?;
    let done_dir = match settings.transport {
        Transport::File => settings.outbox.clone(),
        Transport::Smtp => {
            let bytes = std::fs::read(&p.eml_path)
                .with_context(|| format!("reading {}", p.eml_path.display()))
                .map_err(HandOver::NotSent)?;
            smtp::hand_over(settings, p, &bytes)?;
            crate::failpoint::failpoint("smtp_accepted");
            settings.outbox.join("sent")
        }
    };
    let to = done_dir.join(name);
    let moved = std::fs::create_dir_all(&done_dir).and_then(|()| std::fs::rename(&p.eml_path, &to));
    match moved {
        Ok(()) => Ok(to),
        Err(e) if settings.transport == Transport::Smtp => {
            tracing::warn!(email = %p.email_id, error = %e, "sent, but the .eml file could not be moved to sent/");
            Ok(p.eml_path.clone())
        }
        Err(e) => Err(HandOver::NotSent(anyhow::Error::new(e).context(format!(
            "moving {} to {}",
            p.eml_path.display(),
            to.display()
        )))),
    }
}

/// The SMTP login, when `[email]` names one: both variables must be set.
/// A named variable that is missing is an error, never a send without login.
pub fn smtp_credentials(s: &EmailSettings) -> anyhow::Result<Option<(String, secrecy::SecretString)>> {
    if s.transport != Transport::Smtp {
        return Ok(None);
    }
    match (&s.smtp_user_env, &s.smtp_password_env) {
        (None, None) => Ok(None),
        (Some(user_env), Some(pass_env)) => {
            let user = secret_from_env(user_env, "the SMTP login")
                .context("[email] smtp_user_env")?
                .expose_secret()
                .to_string();
            let password = secret_from_env(pass_env, "the SMTP user").context("[email] smtp_password_env")?;
            Ok(Some((user, password)))
        }
        (None, Some(_)) => anyhow::bail!(
            "[email] smtp_password_env is set but smtp_user_env is not: name the variable with the SMTP user"
        ),
        (Some(_), None) => anyhow::bail!(
            "[email] smtp_user_env is set but smtp_password_env is not: name the variable with the SMTP password"
        ),
    }
}

/// Reads a file for attaching.
pub fn read_attachment(path: &Path) -> anyhow::Result<(String, Vec<u8>)> {
    let name = path.file_name().context("attachment has a name")?.to_string_lossy().into_owned();
    Ok((name, std::fs::read(path).with_context(|| format!("reading {}", path.display()))?))
}
