//! The full-text index: FTS5 on SQLite, tsvector on PostgreSQL. The only
//! database-specific SQL outside migrations lives here.
//!
//! The index is derived: a ticket's row is rebuilt from `tickets` and `comments`
//! whenever its words change, inside the same transaction as the change.

use sqlx::{Any, AnyConnection, Transaction};

use super::{Backend, StoreError};

/// Which database a connection talks to; write helpers get a transaction, not a Store.
pub(super) fn backend_of(conn: &AnyConnection) -> Backend {
    if conn.backend_name() == "PostgreSQL" {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A user's text as a PostgreSQL `tsquery`: the function to call (with the `simple`
/// configuration) and the text to bind for it. `phraseto_tsquery` runs the text through
/// the same parser as the documents, so a word matches whole words and several words
/// match the phrase; a single word with a trailing `*` asks for a prefix, as on SQLite.
/// The user's text is only ever bound, quoted as one lexeme, never read as syntax.
pub fn pg_query(text: &str) -> (&'static str, String) {
    let words: Vec<&str> = text.split_whitespace().collect();
    if let [word] = words.as_slice()
        && let Some(prefix) = word.strip_suffix('*').filter(|w| has_words(w))
    {
        let lexeme = format!("'{}':*", prefix.replace('\\', "\\\\").replace('\'', "''"));
        return ("to_tsquery", lexeme);
    }
    ("phraseto_tsquery", words.join(" "))
}

/// The document column a search looks in: customers never search internal notes.
pub fn pg_column(customer: bool) -> &'static str {
    if customer { "public_doc" } else { "all_doc" }
}

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
    if backend_of(tx) == Backend::Postgres {
        return pg_index_range(tx, ticket_id, ticket_id).await;
    }
    sqlx::query("DELETE FROM ticket_search WHERE rowid = $1")
        .bind(ticket_id)
        .execute(&mut **tx)
        .await?;
    index_new(tx, ticket_id, ticket_id).await
}

/// Adds the rows of tickets `from..=to`, none of which is in the index yet.
pub async fn index_new(
    tx: &mut Transaction<'static, Any>,
    from: i64,
    to: i64,
) -> Result<(), StoreError> {
    if backend_of(tx) == Backend::Postgres {
        return pg_index_range(tx, from, to).await;
    }
    // group_concat over an empty set is NULL, which FTS5 indexes as no words.
    sqlx::query(
        "INSERT INTO ticket_search (rowid, title, description, public_comments, internal_notes)
         SELECT t.id, t.title, t.description,
                (SELECT group_concat(body, ' ') FROM comments
                  WHERE ticket_id = t.id AND visibility = 'public'),
                (SELECT group_concat(body, ' ') FROM comments
                  WHERE ticket_id = t.id AND visibility = 'internal')
           FROM tickets t WHERE t.id BETWEEN $1 AND $2",
    )
    .bind(from)
    .bind(to)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// (Re)builds the PostgreSQL rows of tickets `from..=to` in one statement: one ticket
/// after a change, a whole batch after a bulk load.
pub async fn pg_index_range(
    tx: &mut Transaction<'static, Any>,
    from: i64,
    to: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO ticket_search (ticket_id, public_doc, all_doc)
         SELECT t.id,
                to_tsvector('simple', concat_ws(' ', t.title, t.description, p.body)),
                to_tsvector('simple', concat_ws(' ', t.title, t.description, p.body, i.body))
           FROM tickets t
           LEFT JOIN (SELECT ticket_id, string_agg(body, ' ' ORDER BY id) AS body
                        FROM comments WHERE visibility = 'public'
                         AND ticket_id BETWEEN $1 AND $2 GROUP BY ticket_id) p
                  ON p.ticket_id = t.id
           LEFT JOIN (SELECT ticket_id, string_agg(body, ' ' ORDER BY id) AS body
                        FROM comments WHERE visibility = 'internal'
                         AND ticket_id BETWEEN $1 AND $2 GROUP BY ticket_id) i
                  ON i.ticket_id = t.id
          WHERE t.id BETWEEN $1 AND $2
         ON CONFLICT (ticket_id) DO UPDATE
            SET public_doc = excluded.public_doc, all_doc = excluded.all_doc",
    )
    .bind(from)
    .bind(to)
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
        assert_eq!(pg_query("print*"), ("to_tsquery", "'print':*".into()));
        assert_eq!(pg_query("it's*").1, "'it''s':*");
        assert_eq!(
            pg_query(" on  fire "),
            ("phraseto_tsquery", "on fire".into())
        );
        assert_eq!(pg_query("*"), ("phraseto_tsquery", "*".into()));
        assert!(has_words("ü"));
    }
}
