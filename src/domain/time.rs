//! Time as the store keeps it: Unix milliseconds, UTC. Integers bind the same way on
//! SQLite and PostgreSQL and sort correctly as keyset cursors.

use chrono::{DateTime, SecondsFormat, Utc};

pub type Millis = i64;

pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

pub fn now() -> Millis {
    Utc::now().timestamp_millis()
}

/// Hours (possibly fractional, from reference data) as milliseconds.
pub fn hours(h: f64) -> Millis {
    (h * HOUR as f64).round() as Millis
}

/// RFC 3339 UTC with millisecond precision and a `Z`, fixed width: what every API shows.
pub fn to_rfc3339(ms: Millis) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => String::from("invalid-time"),
    }
}

pub fn parse_rfc3339(s: &str) -> Option<Millis> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|t| t.with_timezone(&Utc).timestamp_millis())
}

/// A short human duration: `45s`, `12m`, `3h`, `2d`, `5w`.
pub fn humanize(ms: Millis) -> String {
    let ms = ms.abs();
    if ms < MINUTE {
        format!("{}s", ms / SECOND)
    } else if ms < HOUR {
        format!("{}m", ms / MINUTE)
    } else if ms < DAY {
        format!("{}h", ms / HOUR)
    } else if ms < 7 * DAY * 8 {
        format!("{}d", ms / DAY)
    } else {
        format!("{}w", ms / (7 * DAY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips_with_millis() {
        let t = 1_732_000_000_123;
        let s = to_rfc3339(t);
        assert_eq!(s, "2024-11-19T07:06:40.123Z");
        assert_eq!(parse_rfc3339(&s), Some(t));
    }

    #[test]
    fn humanize_picks_the_largest_unit() {
        assert_eq!(humanize(30 * SECOND), "30s");
        assert_eq!(humanize(90 * MINUTE), "1h");
        assert_eq!(humanize(-3 * DAY), "3d");
    }
}

/// Serde for a required time as RFC 3339 text: how every API and `--json` shows time.
pub mod rfc3339 {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Millis;

    pub fn serialize<S: Serializer>(ms: &Millis, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::to_rfc3339(*ms))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Millis, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_rfc3339(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time")))
    }
}

/// Serde for an optional time as RFC 3339 text or null.
pub mod rfc3339_opt {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Millis;

    pub fn serialize<S: Serializer>(ms: &Option<Millis>, s: S) -> Result<S::Ok, S::Error> {
        match ms {
            Some(ms) => s.serialize_str(&super::to_rfc3339(*ms)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Millis>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(text) => super::parse_rfc3339(&text).map(Some).ok_or_else(|| {
                serde::de::Error::custom(format!("`{text}` is not an RFC 3339 time"))
            }),
        }
    }
}
