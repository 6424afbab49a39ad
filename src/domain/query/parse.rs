//! Text to [`Query`]. A hand-written scanner over `char`s, so that error columns count
//! characters the way a user sees them in the filter bar, not bytes.
//!
//! The parser only ever produces ASTs that [`super::print::print`] can write back (see
//! the validity rules there), which is what makes `parse(print(q)) == q` hold.

use std::fmt;

use super::{
    AgeUnit, Cmp, Field, Query, SlaState, Sort, SortKey, Term, TermKind, TimeField, TimeValue,
};

/// Ages above this are rejected: 100 000 weeks is ~1900 years, far beyond any ticket,
/// and keeps `amount * unit` comfortably inside `i64` milliseconds.
pub(super) const MAX_AGE: i64 = 100_000;

/// Every field name the language knows, in the order error messages list them.
const FIELD_NAMES: [&str; 13] = [
    "status",
    "priority",
    "category",
    "assignee",
    "requester",
    "tag",
    "key",
    "sla",
    "created",
    "updated",
    "resolved",
    "due",
    "sort",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based character (not byte) column in the input where the problem is.
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "column {}: {}", self.column, self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parses a query. Empty or whitespace-only input is the empty query (matches all).
/// Control characters (a NUL, say) are refused, and so is a query of more than
/// [`MAX_TERMS`] terms: neither is something a person types, and both reach the database.
pub fn parse(input: &str) -> Result<Query, ParseError> {
    check_shape(input)?;
    Parser::new(input).query()
}

/// The most whitespace-separated terms a query may have.
pub const MAX_TERMS: usize = 64;

/// Refuses control characters (other than whitespace) and too many terms.
pub fn check_shape(input: &str) -> Result<(), ParseError> {
    if let Some(i) = input
        .chars()
        .position(|c| c.is_control() && !c.is_whitespace())
    {
        return Err(ParseError {
            column: i + 1,
            message: "control characters are not allowed in a query".into(),
        });
    }
    let terms = input.split_whitespace().count();
    if terms > MAX_TERMS {
        return Err(ParseError {
            column: 1,
            message: format!("a query may have at most {MAX_TERMS} terms, this one has {terms}"),
        });
    }
    Ok(())
}

/// What a `name:` prefix turned out to be.
#[derive(Clone, Copy)]
enum FieldKind {
    Filter(Field),
    Time(TimeField),
    Sla,
    Sort,
}

fn lookup_field(lowercase_name: &str) -> Option<FieldKind> {
    if let Some(field) = Field::ALL.into_iter().find(|f| f.name() == lowercase_name) {
        return Some(FieldKind::Filter(field));
    }
    match lowercase_name {
        "sla" => Some(FieldKind::Sla),
        "sort" => Some(FieldKind::Sort),
        "created" => Some(FieldKind::Time(TimeField::Created)),
        "updated" => Some(FieldKind::Time(TimeField::Updated)),
        "resolved" => Some(FieldKind::Time(TimeField::Resolved)),
        "due" => Some(FieldKind::Time(TimeField::Due)),
        _ => None,
    }
}

/// A value as read from the input, before trimming, with where it started.
struct RawValue {
    text: String,
    column: usize,
    quoted: bool,
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
}

impl Parser {
    fn new(input: &str) -> Self {
        Parser {
            chars: input.chars().collect(),
            pos: 0,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    /// The 1-based column of the next character (one past the end at end of input).
    fn column(&self) -> usize {
        self.pos + 1
    }

    fn error<T>(&self, column: usize, message: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            column,
            message: message.into(),
        })
    }

    fn at_term_end(&self) -> bool {
        self.peek().is_none_or(char::is_whitespace)
    }

    fn skip_whitespace(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from..to].iter().collect()
    }

    fn query(&mut self) -> Result<Query, ParseError> {
        let mut terms: Vec<Term> = Vec::new();
        self.skip_whitespace();
        while self.peek().is_some() {
            let start = self.column();
            let term = self.term()?;
            if let TermKind::Sort(_) = term.kind {
                if term.negated {
                    return self.error(
                        start,
                        "a sort cannot be negated (`sort:-FIELD` sorts in descending order)",
                    );
                }
                if terms.iter().any(|t| matches!(t.kind, TermKind::Sort(_))) {
                    return self.error(start, "only one `sort:` per query");
                }
            }
            terms.push(term);
            self.skip_whitespace();
        }
        Ok(Query { terms })
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        let negated = self.peek() == Some('-');
        if negated {
            self.pos += 1;
            if self.at_term_end() {
                return self.error(
                    self.column(),
                    "missing term after `-` (expected a filter like `-tag:spam` or text)",
                );
            }
        }
        let kind = self.term_body()?;
        Ok(Term { negated, kind })
    }

    fn term_body(&mut self) -> Result<TermKind, ParseError> {
        if self.peek() == Some('"') {
            return self.phrase();
        }
        let Some(name_len) = self.field_prefix() else {
            return self.bare_text();
        };
        let written = self.text(self.pos, self.pos + name_len);
        match lookup_field(&written.to_ascii_lowercase()) {
            Some(kind) => self.field_term(kind, &written),
            // A pasted URL (`https://…`) is identifier-shaped but obviously text.
            None if self.looks_like_url(name_len) => self.bare_text(),
            None => self.error(self.column(), unknown_field_message(&written)),
        }
    }

    /// If the term starts with `name:` where `name` looks like an identifier, the length
    /// of `name`. Anything else with a colon (`10:30`) is plain text, so only
    /// identifier-shaped prefixes are held to the list of known fields.
    fn field_prefix(&self) -> Option<usize> {
        let len = self.chars[self.pos..]
            .iter()
            .take_while(|c| c.is_ascii_alphabetic() || **c == '_')
            .count();
        (len > 0 && self.peek_at(len) == Some(':')).then_some(len)
    }

    fn looks_like_url(&self, scheme_len: usize) -> bool {
        self.peek_at(scheme_len + 1) == Some('/') && self.peek_at(scheme_len + 2) == Some('/')
    }

    fn field_term(&mut self, kind: FieldKind, written: &str) -> Result<TermKind, ParseError> {
        let term_start = self.pos;
        self.pos += written.chars().count() + 1;
        if self.at_term_end() {
            return self.error(self.column(), format!("missing value after `{written}:`"));
        }
        match kind {
            FieldKind::Filter(field) => self.filter_term(field, term_start),
            FieldKind::Time(field) => self.time_term(field, written),
            FieldKind::Sla => self.sla_term(),
            FieldKind::Sort => self.sort_term(),
        }
    }

    fn filter_term(&mut self, field: Field, term_start: usize) -> Result<TermKind, ParseError> {
        let mut values = Vec::new();
        loop {
            let raw = self.value()?;
            let trimmed = raw.text.trim();
            if trimmed.is_empty() {
                let message = format!(
                    "empty value in `{}` (expected a non-blank value{})",
                    self.raw_term(term_start),
                    if raw.quoted { "" } else { " between commas" }
                );
                return self.error(raw.column, message);
            }
            values.push(trimmed.to_string());
            if self.peek() != Some(',') {
                return Ok(TermKind::Filter { field, values });
            }
            self.pos += 1;
        }
    }

    /// One value of a list: a quoted string or a bare run up to whitespace, `,` or end.
    fn value(&mut self) -> Result<RawValue, ParseError> {
        let column = self.column();
        if self.peek() == Some('"') {
            let text = self.quoted(true)?;
            return Ok(RawValue {
                text,
                column,
                quoted: true,
            });
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c == '"' {
                return self.error(
                    self.column(),
                    "unexpected `\"` inside a value (expected the whole value in quotes)",
                );
            }
            if c.is_whitespace() || c == ',' {
                break;
            }
            self.pos += 1;
        }
        Ok(RawValue {
            text: self.text(start, self.pos),
            column,
            quoted: false,
        })
    }

    /// A double-quoted string starting at the current `"`. Afterwards the term must end,
    /// or, `in_list`, may continue with a comma.
    fn quoted(&mut self, in_list: bool) -> Result<String, ParseError> {
        let open_column = self.column();
        self.pos += 1;
        let mut out = String::new();
        loop {
            match (self.peek(), self.peek_at(1)) {
                // A backslash as the last character escapes nothing: the quote is open.
                (None, _) | (Some('\\'), None) => {
                    return self.error(open_column, "unterminated quote (expected a closing `\"`)");
                }
                (Some('"'), _) => break,
                (Some('\\'), Some(c @ ('"' | '\\'))) => {
                    out.push(c);
                    self.pos += 2;
                }
                (Some('\\'), Some(c)) => {
                    return self.error(
                        self.column(),
                        format!("unknown escape `\\{c}` (expected `\\\"` or `\\\\`)"),
                    );
                }
                (Some(c), _) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        let list_continues = in_list && self.peek() == Some(',');
        if let Some(found) = self
            .peek()
            .filter(|c| !c.is_whitespace() && !list_continues)
        {
            let expected = if in_list { "a space or `,`" } else { "a space" };
            return self.error(
                self.column(),
                format!("unexpected `{found}` after closing quote (expected {expected})"),
            );
        }
        Ok(out)
    }

    /// The term starting at `start` as the user wrote it, for error messages: up to the
    /// next whitespace outside quotes.
    fn raw_term(&self, start: usize) -> String {
        let mut in_quotes = false;
        let mut escaped = false;
        let mut end = start;
        while let Some(&c) = self.chars.get(end) {
            if !in_quotes && c.is_whitespace() {
                break;
            }
            if escaped {
                escaped = false;
            } else if in_quotes && c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = !in_quotes;
            }
            end += 1;
        }
        self.text(start, end)
    }

    /// A run up to the next whitespace: the shape of time and SLA values, which are
    /// never quoted.
    fn word(&mut self) -> (String, usize) {
        let column = self.column();
        let start = self.pos;
        while !self.at_term_end() {
            self.pos += 1;
        }
        (self.text(start, self.pos), column)
    }

    fn time_term(&mut self, field: TimeField, written: &str) -> Result<TermKind, ParseError> {
        let Some(cmp) = self.comparison() else {
            return self.error(
                self.column(),
                format!(
                    "missing comparison after `{written}:` (expected <, <=, > or >=, \
                     as in `{written}:>7d` or `{written}:<2026-01-31`)"
                ),
            );
        };
        let (word, column) = self.word();
        if let Some(comma) = word.find(',') {
            let comma_column = column + word[..comma].chars().count();
            return self.error(
                comma_column,
                format!("unexpected `,` after `{written}:` (time filters take a single value)"),
            );
        }
        let value = time_value(&word).map_err(|problem| ParseError {
            column,
            message: problem.message(written, cmp),
        })?;
        Ok(TermKind::Time { field, cmp, value })
    }

    fn comparison(&mut self) -> Option<Cmp> {
        let (cmp, len) = match (self.peek(), self.peek_at(1)) {
            (Some('<'), Some('=')) => (Cmp::Le, 2),
            (Some('>'), Some('=')) => (Cmp::Ge, 2),
            (Some('<'), _) => (Cmp::Lt, 1),
            (Some('>'), _) => (Cmp::Gt, 1),
            _ => return None,
        };
        self.pos += len;
        Some(cmp)
    }

    fn sla_term(&mut self) -> Result<TermKind, ParseError> {
        let (word, column) = self.word();
        if let Some(comma) = word.find(',') {
            let comma_column = column + word[..comma].chars().count();
            return self.error(
                comma_column,
                "unexpected `,` after `sla:` (expected a single state: breached, ok, paused or missed)",
            );
        }
        let state = match word.to_lowercase().as_str() {
            "breached" => SlaState::Breached,
            "ok" => SlaState::Ok,
            "paused" => SlaState::Paused,
            "missed" => SlaState::Missed,
            _ => {
                return self.error(
                    column,
                    format!("unknown sla state `{word}` (expected breached, ok, paused or missed)"),
                );
            }
        };
        Ok(TermKind::Sla(state))
    }

    fn sort_term(&mut self) -> Result<TermKind, ParseError> {
        let (word, column) = self.word();
        let (descending, name) = match word.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, word.as_str()),
        };
        match SortKey::from_name(name) {
            Some(key) => Ok(TermKind::Sort(Sort { key, descending })),
            None => {
                let names: Vec<&str> = SortKey::ALL.iter().map(|k| k.name()).collect();
                self.error(
                    column,
                    format!(
                        "cannot sort by `{word}` (expected one of {}, `-` first for descending)",
                        names.join(", ")
                    ),
                )
            }
        }
    }

    fn phrase(&mut self) -> Result<TermKind, ParseError> {
        let column = self.column();
        let text = self.quoted(false)?;
        // A blank phrase would match every ticket while looking like a restriction.
        if text.trim().is_empty() {
            return self.error(
                column,
                "empty phrase (expected some text between the quotes)",
            );
        }
        Ok(TermKind::Text(text))
    }

    fn bare_text(&mut self) -> Result<TermKind, ParseError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                break;
            }
            if c == '"' {
                return self.error(
                    self.column(),
                    "unexpected `\"` inside a word (expected the whole phrase in quotes)",
                );
            }
            self.pos += 1;
        }
        Ok(TermKind::Text(self.text(start, self.pos)))
    }
}

/// Why a time value was rejected; the message needs the field and operator as written.
enum TimeProblem {
    Shape,
    AgeTooLarge(String),
    NoSuchDay(String),
}

impl TimeProblem {
    fn message(&self, written: &str, cmp: Cmp) -> String {
        let op = cmp.symbol();
        match self {
            TimeProblem::Shape => {
                format!("expected a date like 2026-01-31 or an age like 7d after `{written}:{op}`")
            }
            TimeProblem::AgeTooLarge(word) => {
                format!("age `{word}` is too large (expected at most {MAX_AGE})")
            }
            TimeProblem::NoSuchDay(word) => {
                format!("`{word}` is not a calendar day (expected a real date like 2026-01-31)")
            }
        }
    }
}

fn time_value(word: &str) -> Result<TimeValue, TimeProblem> {
    if let Some(value) = age(word)? {
        return Ok(value);
    }
    date(word)
}

/// `<digits><m|h|d|w>`; `Ok(None)` when the word does not have that shape at all.
fn age(word: &str) -> Result<Option<TimeValue>, TimeProblem> {
    let Some(unit_char) = word.chars().last() else {
        return Ok(None);
    };
    let unit = match unit_char {
        'm' => AgeUnit::Minutes,
        'h' => AgeUnit::Hours,
        'd' => AgeUnit::Days,
        'w' => AgeUnit::Weeks,
        _ => return Ok(None),
    };
    let digits = &word[..word.len() - 1];
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(None);
    }
    // Digits only, so the sole failure is overflow: too large either way.
    match digits.parse::<i64>() {
        Ok(amount) if amount <= MAX_AGE => Ok(Some(TimeValue::Age { amount, unit })),
        _ => Err(TimeProblem::AgeTooLarge(word.to_string())),
    }
}

/// Strictly `YYYY-MM-DD`, so that what prints back is what was typed.
fn date(word: &str) -> Result<TimeValue, TimeProblem> {
    let bytes = word.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shaped {
        return Err(TimeProblem::Shape);
    }
    let number = |range: std::ops::Range<usize>| word[range].parse::<u32>().ok();
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return Err(TimeProblem::Shape);
    };
    let year = year as i32; // four digits always fit
    match chrono::NaiveDate::from_ymd_opt(year, month, day) {
        Some(_) => Ok(TimeValue::Date { year, month, day }),
        None => Err(TimeProblem::NoSuchDay(word.to_string())),
    }
}

fn unknown_field_message(written: &str) -> String {
    let mut message = format!(
        "unknown field `{written}` (expected one of {})",
        FIELD_NAMES.join(", ")
    );
    if let Some(suggestion) = suggest_field(&written.to_ascii_lowercase()) {
        message.push_str(&format!("; did you mean `{suggestion}`?"));
    }
    message
}

/// The closest field name, if any is close enough to be a plausible typo or an
/// abbreviation (`stauts`, `prio`).
fn suggest_field(name: &str) -> Option<&'static str> {
    if name.len() >= 3
        && let Some(full) = FIELD_NAMES.iter().find(|f| f.starts_with(name))
    {
        return Some(full);
    }
    FIELD_NAMES
        .iter()
        .map(|f| (edit_distance(name, f), *f))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, f)| f)
}

/// Levenshtein distance with adjacent transpositions counted as one edit, so the
/// classic `stauts` is one step from `status`. Inputs are short ASCII identifiers.
fn edit_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    // rows[i][j]: distance between a[..i] and b[..j].
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(input: &str) -> ParseError {
        parse(input).expect_err(input)
    }

    fn one(input: &str) -> Term {
        let q = parse(input).unwrap();
        assert_eq!(q.terms.len(), 1, "{input}");
        q.terms.into_iter().next().unwrap()
    }

    fn filter(field: Field, values: &[&str]) -> TermKind {
        TermKind::Filter {
            field,
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    #[test]
    fn empty_and_blank_inputs_are_the_empty_query() {
        assert_eq!(parse(""), Ok(Query::default()));
        assert_eq!(parse("  \t\n "), Ok(Query::default()));
    }

    #[test]
    fn every_filter_field_parses() {
        for field in Field::ALL {
            let t = one(&format!("{}:x", field.name()));
            assert_eq!(t.kind, filter(field, &["x"]));
            assert!(!t.negated);
        }
    }

    #[test]
    fn the_documented_example_parses() {
        let q = parse(
            "status:open priority:high,critical assignee:me category:\"Billing & Payments\" \
             tag:vip sla:breached requester:jane@example.com created:>7d -tag:spam \
             \"free text words\"",
        )
        .unwrap();
        assert_eq!(q.terms.len(), 10);
        assert_eq!(
            q.terms[1].kind,
            filter(Field::Priority, &["high", "critical"])
        );
        assert_eq!(
            q.terms[3].kind,
            filter(Field::Category, &["Billing & Payments"])
        );
        assert_eq!(q.terms[5].kind, TermKind::Sla(SlaState::Breached));
        assert_eq!(q.terms[8].kind, filter(Field::Tag, &["spam"]));
        assert!(q.terms[8].negated);
        assert_eq!(q.terms[9].kind, TermKind::Text("free text words".into()));
    }

    #[test]
    fn field_names_are_case_insensitive_and_values_kept_as_written() {
        assert_eq!(one("Status:Open").kind, filter(Field::Status, &["Open"]));
        assert_eq!(one("TAG:VIP").kind, filter(Field::Tag, &["VIP"]));
        assert_eq!(one("SLA:Paused").kind, TermKind::Sla(SlaState::Paused));
        assert!(matches!(
            one("CREATED:>1d").kind,
            TermKind::Time {
                field: TimeField::Created,
                ..
            }
        ));
    }

    #[test]
    fn quoted_values_unescape_and_trim() {
        assert_eq!(
            one(r#"tag:"a \"b\" \\c""#).kind,
            filter(Field::Tag, &[r#"a "b" \c"#])
        );
        assert_eq!(one(r#"tag:"  vip  ""#).kind, filter(Field::Tag, &["vip"]));
        assert_eq!(
            one(r#"category:"a,b",c,"d e""#).kind,
            filter(Field::Category, &["a,b", "c", "d e"])
        );
        assert_eq!(one("key:TKT-42").kind, filter(Field::Key, &["TKT-42"]));
        assert_eq!(one("tag:-x").kind, filter(Field::Tag, &["-x"]));
    }

    #[test]
    fn negation_applies_to_filters_and_text() {
        let t = one("-tag:spam");
        assert!(t.negated);
        assert_eq!(t.kind, filter(Field::Tag, &["spam"]));
        let t = one("-\"out of office\"");
        assert!(t.negated);
        assert_eq!(t.kind, TermKind::Text("out of office".into()));
        let t = one("--x");
        assert!(t.negated);
        assert_eq!(t.kind, TermKind::Text("-x".into()));
    }

    #[test]
    fn free_text_is_kept_as_written() {
        assert_eq!(one("Printer").kind, TermKind::Text("Printer".into()));
        assert_eq!(
            one("\" printer on fire \"").kind,
            TermKind::Text(" printer on fire ".into())
        );
        assert_eq!(one("日本語").kind, TermKind::Text("日本語".into()));
        assert_eq!(one("a,b").kind, TermKind::Text("a,b".into()));
    }

    #[test]
    fn colons_after_non_identifiers_are_text() {
        assert_eq!(one("10:30").kind, TermKind::Text("10:30".into()));
        assert_eq!(
            one("https://desk.test/t/42").kind,
            TermKind::Text("https://desk.test/t/42".into())
        );
        // Known fields win over the URL rule, so `tag://x` stays a tag.
        assert_eq!(one("tag://x").kind, filter(Field::Tag, &["//x"]));
        assert_eq!(one(":x").kind, TermKind::Text(":x".into()));
        assert_eq!(one("a-b:c").kind, TermKind::Text("a-b:c".into()));
        assert_eq!(one("tag2:x").kind, TermKind::Text("tag2:x".into()));
        // `http` is identifier-shaped, so `http:` alone is taken as a field.
        assert!(err("http:x").message.starts_with("unknown field `http`"));
    }

    #[test]
    fn time_terms_parse_ages_and_dates() {
        let cases = [
            (
                "created:>7d",
                TimeField::Created,
                Cmp::Gt,
                TimeValue::Age {
                    amount: 7,
                    unit: AgeUnit::Days,
                },
            ),
            (
                "created:>=30m",
                TimeField::Created,
                Cmp::Ge,
                TimeValue::Age {
                    amount: 30,
                    unit: AgeUnit::Minutes,
                },
            ),
            (
                "updated:<2h",
                TimeField::Updated,
                Cmp::Lt,
                TimeValue::Age {
                    amount: 2,
                    unit: AgeUnit::Hours,
                },
            ),
            (
                "updated:<=0w",
                TimeField::Updated,
                Cmp::Le,
                TimeValue::Age {
                    amount: 0,
                    unit: AgeUnit::Weeks,
                },
            ),
            (
                "created:>=2026-01-31",
                TimeField::Created,
                Cmp::Ge,
                TimeValue::Date {
                    year: 2026,
                    month: 1,
                    day: 31,
                },
            ),
            (
                "updated:<2024-02-29",
                TimeField::Updated,
                Cmp::Lt,
                TimeValue::Date {
                    year: 2024,
                    month: 2,
                    day: 29,
                },
            ),
            (
                "created:>100000w",
                TimeField::Created,
                Cmp::Gt,
                TimeValue::Age {
                    amount: MAX_AGE,
                    unit: AgeUnit::Weeks,
                },
            ),
        ];
        for (input, field, cmp, value) in cases {
            assert_eq!(
                one(input).kind,
                TermKind::Time { field, cmp, value },
                "{input}"
            );
        }
    }

    #[test]
    fn error_columns_point_at_the_problem() {
        let cases: &[(&str, usize, &str)] = &[
            (
                "status:open prio:high",
                13,
                "unknown field `prio` (expected one of status, priority, category, assignee, requester, tag, key, sla, created, updated, resolved, due, sort); did you mean `priority`?",
            ),
            (
                "stauts:open",
                1,
                "unknown field `stauts` (expected one of status, priority, category, assignee, requester, tag, key, sla, created, updated, resolved, due, sort); did you mean `status`?",
            ),
            (
                "zzz:open",
                1,
                "unknown field `zzz` (expected one of status, priority, category, assignee, requester, tag, key, sla, created, updated, resolved, due, sort)",
            ),
            ("priority:", 10, "missing value after `priority:`"),
            ("Priority: high", 10, "missing value after `Priority:`"),
            (
                "tag:\"vip",
                5,
                "unterminated quote (expected a closing `\"`)",
            ),
            (
                "\"printer on",
                1,
                "unterminated quote (expected a closing `\"`)",
            ),
            (
                "tag:\"a\\",
                5,
                "unterminated quote (expected a closing `\"`)",
            ),
            (
                "created:>",
                10,
                "expected a date like 2026-01-31 or an age like 7d after `created:>`",
            ),
            (
                "created:>=soon",
                11,
                "expected a date like 2026-01-31 or an age like 7d after `created:>=`",
            ),
            (
                "created:>7y",
                10,
                "expected a date like 2026-01-31 or an age like 7d after `created:>`",
            ),
            (
                "created:>26-1-31",
                10,
                "expected a date like 2026-01-31 or an age like 7d after `created:>`",
            ),
            (
                "created:7d",
                9,
                "missing comparison after `created:` (expected <, <=, > or >=, as in `created:>7d` or `created:<2026-01-31`)",
            ),
            (
                "updated:=7d",
                9,
                "missing comparison after `updated:` (expected <, <=, > or >=, as in `updated:>7d` or `updated:<2026-01-31`)",
            ),
            (
                "created:>100001d",
                10,
                "age `100001d` is too large (expected at most 100000)",
            ),
            (
                "created:>99999999999999999999d",
                10,
                "age `99999999999999999999d` is too large (expected at most 100000)",
            ),
            (
                "created:<2026-02-30",
                10,
                "`2026-02-30` is not a calendar day (expected a real date like 2026-01-31)",
            ),
            (
                "created:>7d,8d",
                12,
                "unexpected `,` after `created:` (time filters take a single value)",
            ),
            (
                "sla:late",
                5,
                "unknown sla state `late` (expected breached, ok, paused or missed)",
            ),
            (
                "sla:ok,breached",
                7,
                "unexpected `,` after `sla:` (expected a single state: breached, ok, paused or missed)",
            ),
            (
                "x tag:a,,b",
                9,
                "empty value in `tag:a,,b` (expected a non-blank value between commas)",
            ),
            (
                "tag:a,",
                7,
                "empty value in `tag:a,` (expected a non-blank value between commas)",
            ),
            (
                "tag:,a",
                5,
                "empty value in `tag:,a` (expected a non-blank value between commas)",
            ),
            (
                "tag:\"  \"",
                5,
                "empty value in `tag:\"  \"` (expected a non-blank value)",
            ),
            (
                "tag:a\"b\"",
                6,
                "unexpected `\"` inside a value (expected the whole value in quotes)",
            ),
            (
                "tag:\"a\"b",
                8,
                "unexpected `b` after closing quote (expected a space or `,`)",
            ),
            (
                "\"a\"b",
                4,
                "unexpected `b` after closing quote (expected a space)",
            ),
            (
                "ab\"c d\"",
                3,
                "unexpected `\"` inside a word (expected the whole phrase in quotes)",
            ),
            (
                "\"\"",
                1,
                "empty phrase (expected some text between the quotes)",
            ),
            (
                "a -",
                4,
                "missing term after `-` (expected a filter like `-tag:spam` or text)",
            ),
            (
                "- a",
                2,
                "missing term after `-` (expected a filter like `-tag:spam` or text)",
            ),
            (
                "tag:\"a\\nb\"",
                7,
                "unknown escape `\\n` (expected `\\\"` or `\\\\`)",
            ),
            (
                "日本 stauts:x",
                4,
                "unknown field `stauts` (expected one of status, priority, category, assignee, requester, tag, key, sla, created, updated, resolved, due, sort); did you mean `status`?",
            ),
        ];
        for (input, column, message) in cases {
            let e = err(input);
            assert_eq!(
                (e.column, e.message.as_str()),
                (*column, *message),
                "{input}"
            );
        }
    }

    #[test]
    fn sorts_name_a_column_and_a_direction_once() {
        let sort = |key, descending| TermKind::Sort(Sort { key, descending });
        assert_eq!(one("sort:-priority").kind, sort(SortKey::Priority, true));
        assert_eq!(one("SORT:Sla").kind, sort(SortKey::Sla, false));
        let q = parse("status:open sort:updated").unwrap();
        assert_eq!(
            q.sort(),
            Some(Sort {
                key: SortKey::Updated,
                descending: false
            })
        );
        assert_eq!(q.to_string(), "status:open sort:updated");
        let e = err("status:open sort:colour");
        assert_eq!(e.column, 18);
        assert!(
            e.message.contains("cannot sort by `colour`"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("priority"),
            "lists the columns: {}",
            e.message
        );
        assert_eq!(err("sort:key -sort:title").column, 10);
        assert!(err("-sort:title").message.contains("cannot be negated"));
        assert!(err("sort:key sort:title").message.contains("only one"));
    }

    #[test]
    fn error_display_leads_with_the_column() {
        assert_eq!(
            err("sla:late").to_string(),
            "column 5: unknown sla state `late` (expected breached, ok, paused or missed)"
        );
    }

    #[test]
    fn edit_distance_counts_transpositions_once() {
        assert_eq!(edit_distance("stauts", "status"), 1);
        assert_eq!(edit_distance("", "tag"), 3);
        assert_eq!(edit_distance("tga", "tag"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
