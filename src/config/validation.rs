//! The checks a loaded configuration must pass, each naming the file, the key
//! and what to do: what serde's types cannot say (unique ids, currencies, a
//! reseller's one shop-level shop, web users) and the time zones and
//! schedules parsed into their types. A shop id that cannot name a folder is
//! refused as it is read (`ShopId`).

use std::collections::HashSet;

use serde::Deserialize;

use super::{Config, ConfigError, Level, Shop, Transport};

impl Config {
    /// Parses each shop's time zone and schedule, then checks what the types
    /// cannot; the first problem found is the error.
    pub(super) fn check(&mut self, file: &str) -> Result<(), ConfigError> {
        let err = |key: String, what: String| ConfigError { file: file.into(), key, what };
        for (i, shop) in self.shops.iter_mut().enumerate() {
            let key = |k: &str| format!("shop[{i}] ({}).{k}", shop.id);
            shop.tz = parse_timezone(&shop.timezone).map_err(|what| err(key("timezone"), what))?;
            shop.schedule = Some(parse_schedule(&shop.close_at).map_err(|what| err(key("close_at"), what))?);
        }
        let mut ids = HashSet::new();
        for (i, shop) in self.shops.iter().enumerate() {
            if !ids.insert(shop.id.as_str()) {
                return Err(err(
                    format!("shop[{i}] ({}).id", shop.id),
                    "another shop has the same id; shop ids must be unique".into(),
                ));
            }
            check_shop(i, shop).map_err(|(key, what)| err(key, what))?;
        }
        // A RESELLERUSER mark without TERMINALID closes the reseller's whole
        // period, every terminal's sales in it: a shop-level shop must be its
        // reseller's only shop, or it would take the other shop's sales (and
        // they would read MISSING_LOCALLY, "refund the customer").
        for (i, shop) in self.shops.iter().enumerate() {
            if shop.level != Level::Shop {
                continue;
            }
            if let Some(other) = self.shops.iter().find(|o| o.id != shop.id && o.reseller_id == shop.reseller_id) {
                return Err(err(
                    format!("shop[{i}] ({}).reseller_id", shop.id),
                    format!(
                        "shop {} is shop-level and shares reseller {} with shop {}: a shop-level mark closes the \
                         reseller's whole period, so it would take {}'s sales. Make them one shop, or make both \
                         level = \"terminal\" (one period per terminal)",
                        shop.id, shop.reseller_id, other.id, other.id
                    ),
                ));
            }
        }
        self.check_web(file)?;
        if self.email.transport == Transport::Smtp
            && self.email.to.is_empty()
            && self.shops.iter().any(|s| s.email_to.is_none())
        {
            return Err(err(
                "email.to".into(),
                "SMTP delivery needs recipients: set [email] to or each shop's email_to".into(),
            ));
        }
        Ok(())
    }

    /// `[[web.user]]`: unique names, argon2 hashes (never a password), shops that exist.
    fn check_web(&self, file: &str) -> Result<(), ConfigError> {
        let err = |key: String, what: String| ConfigError { file: file.into(), key, what };
        let mut names = HashSet::new();
        for (i, user) in self.web.users.iter().enumerate() {
            let key = |k: &str| format!("web.user[{i}] ({}).{k}", user.name);
            if user.name.trim().is_empty() || !names.insert(user.name.as_str()) {
                return Err(err(key("name"), "each user needs a name of its own".into()));
            }
            if argon2::PasswordHash::new(&user.password_hash)
                .map_or(true, |h| !h.algorithm.as_str().starts_with("argon2"))
            {
                return Err(err(
                    key("password_hash"),
                    "not an argon2 hash: the config never holds a password. Run `seqr-recon user add --name NAME` \
                     and paste the hash it prints"
                        .into(),
                ));
            }
            if let Some(unknown) =
                user.shops.iter().find(|s| *s != "*" && !self.shops.iter().any(|shop| &shop.id == *s))
            {
                return Err(err(key("shops"), format!("no [[shop]] has the id {unknown:?}; use shop ids or \"*\"")));
            }
        }
        Ok(())
    }
}

/// One `[[shop]]`'s own keys: no password in the file, an id that can name a
/// folder, a currency code, terminals for a terminal-level shop. The error is
/// the key and what is wrong.
fn check_shop(i: usize, shop: &Shop) -> Result<(), (String, String)> {
    let key = |k: &str| format!("shop[{i}] ({}).{k}", shop.id);
    if shop.password.is_some() {
        return Err((
            key("password"),
            "passwords are not kept in the config: remove it, put it in an environment variable and name \
                 that variable in password_env"
                .into(),
        ));
    }
    if shop.currency.len() != 3 || !shop.currency.chars().all(|c| c.is_ascii_uppercase()) {
        return Err((key("currency"), format!("{:?} is not a 3-letter ISO 4217 code like SEK", shop.currency)));
    }
    if shop.level == Level::Terminal && shop.terminals.is_empty() {
        return Err((key("terminal"), "a terminal-level shop needs at least one [[shop.terminal]]".into()));
    }
    for (j, t) in shop.terminals.iter().enumerate() {
        if t.password.is_some() {
            return Err((
                format!("shop[{i}].terminal[{j}].password"),
                "passwords are not kept in the config: put it in an environment variable and name it in \
                     password_env"
                    .into(),
            ));
        }
    }
    Ok(())
}

pub(super) fn parse_timezone(text: &str) -> Result<chrono_tz::Tz, String> {
    text.parse::<chrono_tz::Tz>().map_err(|_| format!("{text:?} is not an IANA time zone like Europe/Stockholm"))
}

/// The key written at byte `offset` of config text, with its table and line:
/// `[seqr] timeout_seconds (line 4)`.
pub(super) fn key_at(text: &str, offset: usize) -> String {
    let offset = offset.min(text.len());
    let line_no = text[..offset].matches('\n').count() + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = text[line_start..].lines().next().unwrap_or_default().trim();
    let table = text[..line_start].lines().rev().map(str::trim).find(|l| l.starts_with('['));
    let key = match line.split_once('=') {
        Some((key, _)) if !line.starts_with('[') => key.trim(),
        _ => "",
    };
    let table = if line.starts_with('[') { Some(line) } else { table };
    match (table, key) {
        (Some(table), "") => format!("{table} (line {line_no})"),
        (Some(table), key) => format!("{table} {key} (line {line_no})"),
        (None, "") => format!("line {line_no}"),
        (None, key) => format!("{key} (line {line_no})"),
    }
}

pub(super) fn parse_schedule(text: &str) -> Result<cron::Schedule, String> {
    use std::str::FromStr;
    let schedule = cron::Schedule::from_str(text).map_err(|e| {
        format!("{text:?} is not a cron expression with seconds (\"sec min hour day month weekday\"): {e}")
    })?;
    // A date that never comes (30 February) would leave the shop without a close.
    if schedule.upcoming(chrono::Utc).next().is_none() {
        return Err(format!(
            "{text:?} never fires (no such date comes); give a time every night, like \"0 0 22 * * *\""
        ));
    }
    Ok(schedule)
}

pub(super) fn url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<reqwest::Url, D::Error> {
    let text = String::deserialize(d)?;
    reqwest::Url::parse(&text).map_err(|e| {
        serde::de::Error::custom(format!("[seqr] endpoint: {text:?} is not a URL like https://host/path ({e})"))
    })
}

pub(super) fn optional_url<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<reqwest::Url>, D::Error> {
    let text = String::deserialize(d)?;
    reqwest::Url::parse(&text).map(Some).map_err(|e| {
        serde::de::Error::custom(format!("[web] base_url: {text:?} is not an address like https://host ({e})"))
    })
}
