//! The full-text index. The only SQLite-specific SQL outside migrations lives here
//! (FTS5); PostgreSQL's tsvector version will sit beside it.
//!
//! The index is contentless: a ticket's row is rebuilt from `tickets` and `comments`
//! whenever its words change, inside the same transaction as the change.

use sqlx::{Any, Transaction};

use super::StoreError;

/// True when the text has something a word index can look for.
pub fn has_words(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// A user's text as an FTS5 expression that cannot be read as FTS syntax: a word
/// matches whole words, a phrase matches the phrase, and a trailing `*` asks for a prefix
/// (`print*` finds "printer"). Prefixes are opt-in because FTS5 merges every matching
/// term's whole list for them: on a common word that costs tens of milliseconds where a
/// whole-word match streams. Customers search without internal notes.
pub fn match_expr(text: &str, customer: bool) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let quoted = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    let expr = match words.as_slice() {
        [word] => match word.strip_suffix('*').filter(|w| has_words(w)) {
            Some(prefix) => format!("{}*", quoted(prefix)),
            None => quoted(word),
        },
        _ => quoted(&words.join(" ")),
    };
    if customer {
        format!("{{title description public_comments}} : {expr}")
    } else {
        expr
    }
}

/// Rebuilds a ticket's row in the index from the stored text.
pub async fn reindex(tx: &mut Transaction<'static, Any>, ticket_id: i64) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM ticket_search WHERE rowid = $1")
        .bind(ticket_id)
        .execute(&mut **tx)
        .await?;
    index_new(tx, ticket_id).await
}

/// Adds a ticket's row; for tickets not yet in the index.
pub async fn index_new(
    tx: &mut Transaction<'static, Any>,
    ticket_id: i64,
) -> Result<(), StoreError> {
    // group_concat over an empty set is NULL, which FTS5 indexes as no words.
    sqlx::query(
        "INSERT INTO ticket_search (rowid, title, description, public_comments, internal_notes)
         SELECT t.id, t.title, t.description,
                (SELECT group_concat(body, ' ') FROM comments
                  WHERE ticket_id = t.id AND visibility = 'public'),
                (SELECT group_concat(body, ' ') FROM comments
                  WHERE ticket_id = t.id AND visibility = 'internal')
           FROM tickets t WHERE t.id = $1",
    )
    .bind(ticket_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_never_becomes_fts_syntax() {
        assert_eq!(match_expr("print", false), "\"print\"");
        assert_eq!(match_expr("print*", false), "\"print\"*");
        assert_eq!(match_expr("*", false), "\"*\"");
        assert_eq!(match_expr("on fire", false), "\"on fire\"");
        assert_eq!(match_expr("a\"b OR c", false), "\"a\"\"b OR c\"");
        assert_eq!(
            match_expr("x", true),
            "{title description public_comments} : \"x\""
        );
        assert!(!has_words("!!! --"));
        assert!(has_words("ü"));
    }
}
