//! Who is signed in: argon2 password checks, sessions held in memory (a
//! restart signs everyone out), a CSRF token per session and per sign-in
//! form, and a brake on guessing passwords.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rand::distr::{Alphanumeric, SampleString};

use crate::config::WebUser;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "seqr_session";
/// The sign-in form's cookie: it carries the form's CSRF token.
pub const LOGIN_COOKIE: &str = "seqr_login";

/// Wrong passwords in a row, for one name or one address, before sign-in is refused for a while.
const ALLOWED_FAILURES: u32 = 5;
/// How long sign-in stays refused after that, and how long failures are remembered.
const BRAKE: Duration = Duration::from_secs(300);

/// The argon2id hash of `password`, as `[[web.user]] password_hash` takes it.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default().hash_password(password.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(hash.to_string())
}

/// Whether `password` is `user`'s.
pub fn password_matches(user: &WebUser, password: &str) -> bool {
    PasswordHash::new(&user.password_hash)
        .is_ok_and(|hash| Argon2::default().verify_password(password.as_bytes(), &hash).is_ok())
}

/// A random token for cookies and forms.
pub fn token() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), 40)
}

/// Whether two tokens are equal, in time that does not depend on where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// One signed-in user.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user's name.
    pub user: String,
    /// The token every form of this session carries.
    pub csrf: String,
    expires: Instant,
}

/// The sessions and the sign-in brake of one `seqr-recon serve`.
#[derive(Debug, Default)]
pub struct Sessions {
    open: Mutex<HashMap<String, Session>>,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Sessions {
    /// Opens a session for `user` lasting `hours`: its cookie token.
    pub fn open(&self, user: &str, hours: f64) -> String {
        let key = token();
        let session = Session {
            user: user.into(),
            csrf: token(),
            expires: Instant::now() + Duration::from_secs_f64(hours * 3600.0),
        };
        self.open.lock().expect("sessions").insert(key.clone(), session);
        key
    }

    /// The live session of a cookie token.
    pub fn get(&self, key: &str) -> Option<Session> {
        let mut open = self.open.lock().expect("sessions");
        open.retain(|_, s| s.expires > Instant::now());
        open.get(key).cloned()
    }

    /// Ends a session.
    pub fn close(&self, key: &str) {
        self.open.lock().expect("sessions").remove(key);
    }

    /// Whether sign-in is refused for now for any of `keys` (a name, an address).
    pub fn braked(&self, keys: &[&str]) -> bool {
        let mut failures = self.failures.lock().expect("failures");
        failures.retain(|_, (_, last)| last.elapsed() < BRAKE);
        keys.iter().any(|k| failures.get(*k).is_some_and(|(n, _)| *n >= ALLOWED_FAILURES))
    }

    /// Counts a wrong password against each of `keys`.
    pub fn failed(&self, keys: &[&str]) {
        let mut failures = self.failures.lock().expect("failures");
        for key in keys {
            let entry = failures.entry((*key).to_string()).or_insert((0, Instant::now()));
            *entry = (entry.0 + 1, Instant::now());
        }
    }

    /// Forgets the failures of `keys` after a right password.
    pub fn succeeded(&self, keys: &[&str]) {
        let mut failures = self.failures.lock().expect("failures");
        keys.iter().for_each(|k| {
            failures.remove(*k);
        });
    }
}

/// The value of cookie `name` in a `Cookie` header.
pub fn cookie<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|c| c.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_checks_its_password_and_no_other() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$") && !hash.contains("correct horse"));
        let user = WebUser { name: "eva".into(), password_hash: hash, shops: vec!["*".into()] };
        assert!(password_matches(&user, "correct horse"));
        assert!(!password_matches(&user, "correct horse "));
    }

    #[test]
    fn five_wrong_passwords_brake_the_name_and_a_right_one_clears_it() {
        let sessions = Sessions::default();
        for _ in 0..ALLOWED_FAILURES {
            assert!(!sessions.braked(&["eva"]));
            sessions.failed(&["eva", "127.0.0.1"]);
        }
        assert!(sessions.braked(&["eva"]) && sessions.braked(&["someone", "127.0.0.1"]));
        sessions.succeeded(&["eva", "127.0.0.1"]);
        assert!(!sessions.braked(&["eva", "127.0.0.1"]));
        assert_eq!(cookie("a=1; seqr_session=xyz; b=2", SESSION_COOKIE), Some("xyz"));
        assert!(same_token("abc", "abc") && !same_token("abc", "abd") && !same_token("abc", "ab"));
    }
}
