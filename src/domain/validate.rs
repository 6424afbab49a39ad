//! Limits on what people type. Every operation checks its input against these before it
//! touches the store, and says which field is wrong.

use super::model::CustomFields;

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 50_000;
pub const COMMENT_MAX: usize = 20_000;
pub const NOTE_MAX: usize = 5_000;
pub const NAME_MAX: usize = 120;
pub const EMAIL_MAX: usize = 254;
pub const CUSTOM_FIELDS_MAX: usize = 50;
pub const CUSTOM_KEY_MAX: usize = 64;
pub const CUSTOM_VALUE_MAX_BYTES: usize = 16 * 1024;

/// A field that failed validation and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct Invalid {
    pub field: &'static str,
    pub message: String,
}

pub fn invalid(field: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        field,
        message: message.into(),
    }
}

/// Trims and checks a required single-line text.
pub fn required_text(field: &'static str, raw: &str, max: usize) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(invalid(field, "is required"));
    }
    bounded_text(field, text, max)
}

/// Checks a text's length (in characters) and rejects control characters other than
/// newlines and tabs, which would garble a terminal.
pub fn bounded_text(field: &'static str, text: &str, max: usize) -> Result<String, Invalid> {
    let len = text.chars().count();
    if len > max {
        return Err(invalid(
            field,
            format!("is {len} characters long; the limit is {max}"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(text.to_string())
}

/// A plausible email: one `@`, something on both sides, a dot in the domain, no spaces.
/// Folded to lowercase: emails identify people here and must compare equal.
pub fn email(field: &'static str, raw: &str) -> Result<String, Invalid> {
    let email = raw.trim().to_lowercase();
    let bad = || invalid(field, format!("`{}` is not an email address", raw.trim()));
    if email.is_empty() {
        return Err(invalid(field, "is required"));
    }
    if email.len() > EMAIL_MAX || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(bad());
    };
    if local.is_empty()
        || domain.is_empty()
        || domain.contains('@')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || (!domain.contains('.') && domain != "localhost")
    {
        return Err(bad());
    }
    Ok(email)
}

/// Custom fields only staff write: a supervisor's notes (seed 002), and what desk keeps
/// of a customer's own priority and tags when they file.
pub const STAFF_FIELDS: &[&str] = &["supervisor_notes", "requested_priority", "requested_tags"];

pub fn custom_fields(fields: &CustomFields) -> Result<(), Invalid> {
    if fields.len() > CUSTOM_FIELDS_MAX {
        return Err(invalid(
            "custom_fields",
            format!("at most {CUSTOM_FIELDS_MAX} custom fields"),
        ));
    }
    for (key, value) in fields {
        let key_ok = (1..=CUSTOM_KEY_MAX).contains(&key.chars().count())
            && key
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !key_ok {
            return Err(invalid(
                "custom_fields",
                format!(
                    "`{key}` is not a field name (1–{CUSTOM_KEY_MAX} letters, digits, `_`, `-`, `.`)"
                ),
            ));
        }
        if value.to_string().len() > CUSTOM_VALUE_MAX_BYTES {
            return Err(invalid(
                "custom_fields",
                format!("`{key}` is larger than {CUSTOM_VALUE_MAX_BYTES} bytes"),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_trimmed_and_bounded() {
        assert_eq!(required_text("title", "  hi ", 10).unwrap(), "hi");
        assert_eq!(
            required_text("title", "   ", 10).unwrap_err().message,
            "is required"
        );
        let long = required_text("title", &"é".repeat(11), 10).unwrap_err();
        assert!(long.message.contains("11 characters"), "{long}");
        assert!(bounded_text("body", "bell\x07", 10).is_err());
        assert!(bounded_text("body", "two\nlines\tok", 20).is_ok());
    }

    #[test]
    fn emails_are_checked_and_folded() {
        assert_eq!(
            email("email", " Jane@Example.com ").unwrap(),
            "jane@example.com"
        );
        assert_eq!(email("email", "me@localhost").unwrap(), "me@localhost");
        for bad in [
            "", "jane", "@x.com", "a@", "a@b", "a b@c.d", "a@b@c.d", "a@.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn custom_fields_are_bounded() {
        let mut f = CustomFields::new();
        f.insert("trip_id".into(), serde_json::json!("T-1"));
        assert!(custom_fields(&f).is_ok());
        f.insert("bad key".into(), serde_json::json!(1));
        assert!(custom_fields(&f).is_err());
    }
}
