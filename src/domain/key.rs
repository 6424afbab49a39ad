//! Human ticket keys: `TKT-1042`. The number is the ticket's id, so a key never drifts
//! from the id even after deletes (seed 004 had two numbering schemes that did).

/// Formats the key of ticket `number` with `prefix`.
pub fn format_key(prefix: &str, number: i64) -> String {
    format!("{prefix}-{number}")
}

/// Splits `TKT-1042` (case-insensitive prefix) into its number; accepts a bare `1042`
/// too, which is what people type. Returns `None` for anything else.
pub fn parse_key_number(prefix: &str, key: &str) -> Option<i64> {
    let key = key.trim();
    let digits = match key.rsplit_once('-') {
        Some((p, n)) if p.eq_ignore_ascii_case(prefix) => n,
        Some(_) => return None,
        None => key,
    };
    if digits.is_empty() || digits.len() > 18 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|n| *n > 0)
}

/// A prefix is 1–10 uppercase ASCII letters.
pub fn valid_prefix(prefix: &str) -> bool {
    (1..=10).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        assert_eq!(format_key("TKT", 1042), "TKT-1042");
        assert_eq!(parse_key_number("TKT", "TKT-1042"), Some(1042));
        assert_eq!(parse_key_number("TKT", "tkt-7"), Some(7));
        assert_eq!(parse_key_number("TKT", " 12 "), Some(12));
    }

    #[test]
    fn foreign_or_malformed_keys_are_refused() {
        for bad in [
            "SRV-1",
            "TKT-",
            "TKT-x1",
            "TKT--1",
            "0",
            "",
            "TKT-99999999999999999999",
        ] {
            assert_eq!(parse_key_number("TKT", bad), None, "{bad}");
        }
        assert!(valid_prefix("HELP"));
        assert!(!valid_prefix("tkt"));
        assert!(!valid_prefix(""));
    }
}
