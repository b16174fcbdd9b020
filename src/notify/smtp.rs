//! One hand-over of a message to SMTP, step by step, so that what went wrong
//! tells whether the message may have been delivered: anything before the
//! body (no connection, a refused sender or recipient) means it was not; a
//! body sent without the server's answer means it may have been.

use std::time::Duration;

use anyhow::Context;
use lettre::address::Address;
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{SmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use secrecy::ExposeSecret;

use super::{mailbox, HandOver, Pending};
use crate::config::{EmailSettings, SmtpTls};

/// Hands `bytes` (a whole message) to the SMTP server of `settings` for the
/// recipients of `p`.
pub(super) fn hand_over(settings: &EmailSettings, p: &Pending, bytes: &[u8]) -> Result<(), HandOver> {
    let not_sent = HandOver::NotSent;
    let server = format!("SMTP {}:{}", settings.smtp_host, settings.smtp_port);
    let from = mailbox(&p.sender, "from").map_err(not_sent)?.email;
    let to: Vec<Address> = p
        .recipients
        .split(',')
        .map(|r| mailbox(r, "to").map(|m| m.email))
        .collect::<anyhow::Result<_>>()
        .map_err(not_sent)?;
    let mut conn = connect(settings).with_context(|| format!("connecting to {server}")).map_err(not_sent)?;
    // A refusal before the body is an answer: 5xx for good, 4xx for now.
    let refused = |e: lettre::transport::smtp::Error, what: String| {
        let permanent = e.is_permanent();
        let e = anyhow::Error::new(e).context(format!("{server} refused {what}"));
        if permanent {
            HandOver::Refused(e)
        } else {
            HandOver::NotSent(e)
        }
    };
    let mut options = Vec::new();
    if !bytes.is_ascii() && conn.server_info().supports_feature(Extension::EightBitMime) {
        options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    conn.command(Mail::new(Some(from.clone()), options)).map_err(|e| refused(e, format!("the sender {from}")))?;
    for address in to {
        conn.command(Rcpt::new(address.clone(), vec![])).map_err(|e| refused(e, format!("the recipient {address}")))?;
    }
    conn.command(Data).map_err(|e| refused(e, "the message (at DATA)".into()))?;
    // The body goes in parts; once the last has been written, the server may
    // hold the whole message, and without its answer the outcome is unknown.
    let whole = std::cell::Cell::new(false);
    let parts = bytes.chunks(64 * 1024).map(Some).chain(std::iter::once(None)).map_while(|part| {
        whole.set(part.is_none());
        part
    });
    match conn.message_iter(parts) {
        Ok(_) => {
            let _ = conn.quit();
            Ok(())
        }
        Err(e) if e.is_permanent() || e.is_transient() => Err(refused(e, "the message".into())),
        Err(e) if !whole.get() => {
            Err(HandOver::NotSent(anyhow::Error::new(e).context(format!("{server} dropped the message halfway"))))
        }
        Err(e) => Err(HandOver::InDoubt(anyhow::Error::new(e).context(format!(
            "{server} was handed the whole message but its answer never came; it may have been delivered"
        )))),
    }
}

/// An SMTP connection as `[email]` says: TLS, STARTTLS or plain, logged in when a login is named.
fn connect(settings: &EmailSettings) -> anyhow::Result<SmtpConnection> {
    let hello = ClientId::default();
    let timeout = Some(Duration::from_secs_f64(settings.smtp_timeout_seconds.max(0.1)));
    let address = (settings.smtp_host.as_str(), settings.smtp_port);
    let tls = || TlsParameters::new(settings.smtp_host.clone());
    let mut conn = match settings.smtp_tls {
        SmtpTls::None => SmtpConnection::connect(address, timeout, &hello, None, None)?,
        SmtpTls::Tls => SmtpConnection::connect(address, timeout, &hello, Some(&tls()?), None)?,
        SmtpTls::Starttls => {
            let mut conn = SmtpConnection::connect(address, timeout, &hello, None, None)?;
            conn.starttls(&tls()?, &hello)?;
            conn
        }
    };
    if let Some((user, password)) = super::smtp_credentials(settings)? {
        let credentials = Credentials::new(user, password.expose_secret().to_string());
        conn.auth(&[Mechanism::Plain, Mechanism::Login], &credentials)?;
    }
    Ok(conn)
}
