//! Tags are a case-insensitive set. They are stored folded to lowercase so that `VIP`
//! and `vip` are one tag everywhere (filters, facets, counts).

pub const MAX_TAG_LEN: usize = 50;
pub const MAX_TAGS: usize = 50;

/// Folds one tag; `Err` says why it is not a tag.
pub fn normalize_tag(raw: &str) -> Result<String, String> {
    let tag = raw.trim().to_lowercase();
    if tag.is_empty() {
        return Err("a tag cannot be empty".into());
    }
    if tag.chars().count() > MAX_TAG_LEN {
        return Err(format!(
            "tag `{tag}` is longer than {MAX_TAG_LEN} characters"
        ));
    }
    if tag
        .chars()
        .any(|c| c.is_whitespace() || c == ',' || c.is_control())
    {
        return Err(format!("tag `{tag}` may not contain spaces or commas"));
    }
    Ok(tag)
}

/// Folds a list into a sorted set.
pub fn normalize_tags<I, S>(raw: I) -> Result<Vec<String>, String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let mut tags = raw
        .into_iter()
        .map(|t| normalize_tag(t.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    tags.sort();
    tags.dedup();
    if tags.len() > MAX_TAGS {
        return Err(format!("a ticket may carry at most {MAX_TAGS} tags"));
    }
    Ok(tags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_a_case_insensitive_set() {
        assert_eq!(
            normalize_tags(["VIP", "vip", " Billing "]).unwrap(),
            vec!["billing", "vip"]
        );
    }

    #[test]
    fn bad_tags_say_why() {
        assert!(normalize_tag("  ").unwrap_err().contains("empty"));
        assert!(normalize_tag("a b").unwrap_err().contains("spaces"));
        assert!(
            normalize_tag(&"x".repeat(51))
                .unwrap_err()
                .contains("longer")
        );
    }
}
