//! SEQR's ids. They arrive from outside (SEQR's answers, the mark journal,
//! the command line) and some become folder and file names, so each is
//! checked once where it enters and carried as its type from there.

use chrono::{DateTime, Utc};

/// Declares a checked id: a `String` that passed `$check`.
macro_rules! checked_id {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Checks `id`; the error says what is wrong in words that follow "which".
            pub fn parse(id: impl Into<String>) -> Result<Self, String> {
                let id = id.into();
                let check: fn(&str) -> Result<(), String> = $check;
                check(&id)?;
                Ok($name(id))
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }

            /// An id written in the program (a test's, the demo's).
            ///
            /// # Panics
            /// When `id` fails the check: a mistake in the program, not in its input.
            pub fn from_static(id: &'static str) -> Self {
                $name::parse(id).unwrap_or_else(|e| panic!("{id:?} {e}"))
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl duckdb::types::ToSql for $name {
            fn to_sql(&self) -> duckdb::Result<duckdb::types::ToSqlOutput<'_>> {
                Ok(duckdb::types::ToSqlOutput::Borrowed(duckdb::types::ValueRef::Text(self.0.as_bytes())))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let id = String::deserialize(d)?;
                $name::parse(id.clone()).map_err(|e| serde::de::Error::custom(format!("{id:?} {e}")))
            }
        }

        impl duckdb::types::FromSql for $name {
            fn column_result(value: duckdb::types::ValueRef<'_>) -> duckdb::types::FromSqlResult<Self> {
                $name::parse(value.as_str()?).map_err(|e| duckdb::types::FromSqlError::Other(e.into()))
            }
        }
    };
}

checked_id!(
    /// A transactionPeriodId: 25 digits, the first 14 SEQR's UTC time of the mark.
    PeriodId,
    check_period_id
);

checked_id!(
    /// An ersReference: digits only (25 in SEQR's samples).
    ErsReference,
    check_ers_reference
);

checked_id!(
    /// A terminalId: letters, digits, '-' and '_', at most 64 characters.
    TerminalId,
    check_plain_id
);

checked_id!(
    /// Our id for a shop (`[[shop]] id`): letters, digits, '-' and '_', at
    /// most 64 characters, as it names the shop's reports folder.
    ShopId,
    check_plain_id
);

impl PeriodId {
    /// SEQR's time of the mark (`2026112121003312301000044` → 2026-11-21
    /// 21:00:33 UTC). SEQR's clock, not ours, decides which sales fall in the
    /// period, so local posts are cut at this time.
    pub fn seqr_time(&self) -> DateTime<Utc> {
        seqr_time(&self.0).expect("a checked period id starts with a time")
    }
}

/// The UTC time in the first 14 digits of a SEQR id, when it has one.
pub fn seqr_time(id: &str) -> Option<DateTime<Utc>> {
    id.get(..14).and_then(|t| chrono::NaiveDateTime::parse_from_str(t, "%Y%m%d%H%M%S").ok()).map(|t| t.and_utc())
}

/// See [`PeriodId`].
pub fn check_period_id(id: &str) -> Result<(), String> {
    if id.len() == 25 && id.bytes().all(|b| b.is_ascii_digit()) && seqr_time(id).is_some() {
        Ok(())
    } else {
        Err("is not SEQR's 25-digit period id".into())
    }
}

/// See [`ErsReference`].
pub fn check_ers_reference(id: &str) -> Result<(), String> {
    if !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err("is not an ersReference (digits only)".into())
    }
}

/// An invoiceReference or terminalId: letters, digits, '-' and '_', at most 64 characters.
pub fn check_plain_id(id: &str) -> Result<(), String> {
    if !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        Ok(())
    } else {
        Err("holds characters other than letters, digits, '-' and '_' (or is empty or over 64)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_from_seqr_are_refused_unless_they_have_seqrs_shape() {
        let p = PeriodId::parse("2026112121003312301000044").unwrap();
        assert_eq!(p.seqr_time().to_rfc3339(), "2026-11-21T21:00:33+00:00");
        for bad in ["../../x", "", "2026112121003312301000044/..", "202611212100331230100004a", "1"] {
            assert!(PeriodId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ErsReference::parse("2026112114225170101000311").is_ok());
        assert!(ErsReference::parse("12 3").is_err() && ErsReference::parse("").is_err());
        assert!(TerminalId::parse("5c1d0a7e93b44f4c8e2a61f0b7d3a9e2").is_ok());
        assert!(TerminalId::parse("../t").is_err());
    }
}

/// One close of one shop, as the statements that classify, check and read
/// many closes at once take them (at most one per shop).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CloseKey<'a> {
    /// The shop.
    pub shop_id: &'a ShopId,
    /// Its close number, 1 for the shop's first.
    pub close_seq: i64,
}

impl<'a> CloseKey<'a> {
    /// The close `close_seq` of `shop_id`.
    pub fn new(shop_id: &'a ShopId, close_seq: i64) -> Self {
        CloseKey { shop_id, close_seq }
    }
}

impl std::fmt::Display for CloseKey<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "shop {}, close {}", self.shop_id, self.close_seq)
    }
}
