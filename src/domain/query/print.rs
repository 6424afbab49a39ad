//! [`Query`] to its canonical text: what the filter bar shows after parsing, and what
//! saved views and API links store.
//!
//! Not every AST can be written down. `print` is the inverse of
//! [`parse`](super::parse) exactly for *valid* ASTs, which are the ones `parse` produces:
//!
//! - `Filter`: at least one value; every value non-empty and already trimmed (no
//!   leading or trailing whitespace), since the parser trims.
//! - `Text`: contains at least one non-whitespace character (it is not trimmed).
//! - `Time` with `Age`: `0 <= amount <= 100_000`.
//! - `Time` with `Date`: a real calendar day with a four-digit year (`0..=9999`).
//!
//! Anything may appear inside values and text (quotes, backslashes, commas, unicode,
//! leading `-`): it is quoted and escaped as needed.

use std::fmt::Write;

use super::{Query, Term, TermKind, TimeValue};

/// Canonical form: terms separated by single spaces, lowercase field names, values
/// quoted only when they could not be read back bare.
pub fn print(query: &Query) -> String {
    let mut out = String::new();
    for (i, term) in query.terms.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        write_term(&mut out, term);
    }
    out
}

fn write_term(out: &mut String, term: &Term) {
    if term.negated {
        out.push('-');
    }
    match &term.kind {
        TermKind::Filter { field, values } => {
            out.push_str(field.name());
            out.push(':');
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_maybe_quoted(out, value, value_needs_quotes(value));
            }
        }
        TermKind::Time { field, cmp, value } => {
            out.push_str(field.name());
            out.push(':');
            out.push_str(cmp.symbol());
            write_time_value(out, *value);
        }
        TermKind::Sla(state) => {
            out.push_str("sla:");
            out.push_str(state.name());
        }
        TermKind::Text(text) => write_maybe_quoted(out, text, text_needs_quotes(text)),
        TermKind::Sort(sort) => {
            let _ = write!(out, "sort:{sort}");
        }
    }
}

fn write_time_value(out: &mut String, value: TimeValue) {
    // Writing to a String cannot fail.
    let _ = match value {
        TimeValue::Age { amount, unit } => write!(out, "{amount}{}", unit.suffix()),
        TimeValue::Date { year, month, day } => write!(out, "{year:04}-{month:02}-{day:02}"),
    };
}

fn write_maybe_quoted(out: &mut String, s: &str, quote: bool) {
    if !quote {
        out.push_str(s);
        return;
    }
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// Characters that end or break a bare value, plus a leading `-` which reads as
/// negation to a human even where the parser would not take it so.
fn value_needs_quotes(s: &str) -> bool {
    s.is_empty()
        || s.starts_with('-')
        || s.chars()
            .any(|c| c.is_whitespace() || matches!(c, ',' | '"' | '\\'))
}

/// Bare text is stricter: at the start of a term a `-` negates, a `name:` prefix would
/// be a field, and a leading comparison would look like a half-written time filter.
fn text_needs_quotes(s: &str) -> bool {
    value_needs_quotes(s) || s.contains(':') || s.starts_with(['<', '>'])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::super::parse::MAX_AGE;
    use super::super::{AgeUnit, Cmp, Field, SlaState, Sort, SortKey, TimeField};
    use super::*;
    use crate::domain::query::parse;

    fn term(negated: bool, kind: TermKind) -> Term {
        Term { negated, kind }
    }

    fn text(s: &str) -> Term {
        term(false, TermKind::Text(s.into()))
    }

    #[test]
    fn empty_query_prints_empty() {
        assert_eq!(print(&Query::default()), "");
    }

    #[test]
    fn canonical_form_normalizes_spacing_case_and_quotes() {
        let q = parse(
            "  Status:open   PRIORITY:High,\"critical\"  -Tag:spam  category:\"Billing & Payments\" ",
        )
        .unwrap();
        assert_eq!(
            print(&q),
            "status:open priority:High,critical -tag:spam category:\"Billing & Payments\""
        );
    }

    #[test]
    fn time_and_sla_terms_print_canonically() {
        let q = Query {
            terms: vec![
                term(
                    false,
                    TermKind::Time {
                        field: TimeField::Created,
                        cmp: Cmp::Gt,
                        value: TimeValue::Age {
                            amount: 7,
                            unit: AgeUnit::Days,
                        },
                    },
                ),
                term(
                    true,
                    TermKind::Time {
                        field: TimeField::Updated,
                        cmp: Cmp::Le,
                        value: TimeValue::Date {
                            year: 2026,
                            month: 1,
                            day: 5,
                        },
                    },
                ),
                term(false, TermKind::Sla(SlaState::Ok)),
            ],
        };
        assert_eq!(print(&q), "created:>7d -updated:<=2026-01-05 sla:ok");
        assert_eq!(print(&parse("created:>=007d").unwrap()), "created:>=7d");
    }

    #[test]
    fn values_and_text_are_quoted_only_when_needed() {
        let cases = [
            (text("printer"), "printer"),
            (text("printer on fire"), "\"printer on fire\""),
            (text("10:30"), "\"10:30\""),
            (text("-x"), "\"-x\""),
            (text(">7d"), "\">7d\""),
            (text("a,b"), "\"a,b\""),
            (text("say \"hi\" \\o/"), r#""say \"hi\" \\o/""#),
            (text("日本"), "日本"),
            (
                term(
                    false,
                    TermKind::Filter {
                        field: Field::Requester,
                        values: vec!["a:b@x".into(), "-y".into(), "é ü".into()],
                    },
                ),
                "requester:a:b@x,\"-y\",\"é ü\"",
            ),
        ];
        for (t, expected) in cases {
            assert_eq!(print(&Query { terms: vec![t] }), expected);
        }
    }

    // ---- property tests -------------------------------------------------------------

    /// Characters chosen to stress quoting: separators, quotes, escapes, operators,
    /// unicode (including a non-ASCII whitespace) and ordinary letters.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => prop::sample::select(vec![
                ' ', '\t', '\n', '\u{3000}', '\u{a0}', ',', '"', '\\', '-', ':', '<', '>', '=',
                '&', '@', '.', '_', '/', 'é', '日', '🔥', '\u{0}',
            ]),
            3 => prop::char::range('a', 'z'),
            1 => any::<char>(),
        ]
    }

    fn tricky_string() -> impl Strategy<Value = String> {
        prop::collection::vec(tricky_char(), 0..12).prop_map(|cs| cs.into_iter().collect())
    }

    fn realistic_value() -> impl Strategy<Value = String> {
        prop::sample::select(vec![
            "open",
            "in_progress",
            "High",
            "Billing & Payments",
            "me",
            "none",
            "jane@example.com",
            "TKT-42",
            "vip",
            // Values that only survive printing if quoted or placed carefully.
            "-spam",
            "//x",
            "http://x",
            "a:b",
            "tag:x",
            "created:>7d",
            ">7d",
            "<=",
            "a,b",
            "\"quoted\"",
            "back\\slash",
            "-",
        ])
        .prop_map(String::from)
    }

    fn filter_value() -> impl Strategy<Value = String> {
        prop_oneof![
            realistic_value(),
            tricky_string()
                .prop_map(|s| s.trim().to_string())
                .prop_filter("values are non-empty", |s| !s.is_empty()),
        ]
    }

    fn text_value() -> impl Strategy<Value = String> {
        prop_oneof![
            realistic_value(),
            tricky_string().prop_filter("text is not blank", |s| !s.trim().is_empty()),
        ]
    }

    fn time_value() -> impl Strategy<Value = TimeValue> {
        let unit = prop::sample::select(vec![
            AgeUnit::Minutes,
            AgeUnit::Hours,
            AgeUnit::Days,
            AgeUnit::Weeks,
        ]);
        let age = (0..=MAX_AGE, unit).prop_map(|(amount, unit)| TimeValue::Age { amount, unit });
        // Every day from 0000-01-01 to 9999-12-31.
        let first = chrono::NaiveDate::from_ymd_opt(0, 1, 1).unwrap();
        let span = (chrono::NaiveDate::from_ymd_opt(9999, 12, 31).unwrap() - first).num_days();
        let date = (0..=span).prop_map(move |offset| {
            use chrono::Datelike;
            let d = first + chrono::Duration::days(offset);
            TimeValue::Date {
                year: d.year(),
                month: d.month(),
                day: d.day(),
            }
        });
        prop_oneof![age, date]
    }

    fn term_kind() -> impl Strategy<Value = TermKind> {
        let field = prop::sample::select(Field::ALL.to_vec());
        let filter = (field, prop::collection::vec(filter_value(), 1..4))
            .prop_map(|(field, values)| TermKind::Filter { field, values });
        let time_field = prop::sample::select(TimeField::ALL.to_vec());
        let cmp = prop::sample::select(vec![Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge]);
        let time = (time_field, cmp, time_value()).prop_map(|(field, cmp, value)| TermKind::Time {
            field,
            cmp,
            value,
        });
        let sla = prop::sample::select(SlaState::ALL.to_vec()).prop_map(TermKind::Sla);
        prop_oneof![
            3 => filter,
            1 => time,
            1 => sla,
            2 => text_value().prop_map(TermKind::Text),
        ]
    }

    fn query() -> impl Strategy<Value = Query> {
        let term = (any::<bool>(), term_kind()).prop_map(|(negated, kind)| Term { negated, kind });
        let sort = prop::option::of(
            (prop::sample::select(SortKey::ALL.to_vec()), any::<bool>())
                .prop_map(|(key, descending)| Sort { key, descending }),
        );
        // A sort is never negated and comes at most once.
        (prop::collection::vec(term, 0..6), sort)
            .prop_map(|(terms, sort)| Query { terms }.with_sort(sort))
    }

    /// Strings that are mostly query-shaped, so the parser gets past the first term.
    fn query_like_string() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            prop::sample::select(vec![
                "status:",
                "tag:",
                "-",
                "created:>",
                "updated:<=",
                "sla:",
                "\"",
                ",",
                " ",
                "\\",
                "7d",
                "2026-01-31",
                "open",
                "Key:",
                "prio:",
                "10:30",
                "日本",
            ])
            .prop_map(String::from),
            tricky_string(),
        ];
        prop::collection::vec(piece, 0..10).prop_map(|ps| ps.concat())
    }

    #[derive(Debug, Clone)]
    enum Edit {
        Insert(usize, char),
        Delete(usize),
        Swap(usize),
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            (any::<usize>(), tricky_char()).prop_map(|(i, c)| Edit::Insert(i, c)),
            any::<usize>().prop_map(Edit::Delete),
            any::<usize>().prop_map(Edit::Swap),
        ]
    }

    fn apply(s: &str, edits: &[Edit]) -> String {
        let mut cs: Vec<char> = s.chars().collect();
        for e in edits {
            let n = cs.len();
            match *e {
                Edit::Insert(i, c) => cs.insert(i % (n + 1), c),
                Edit::Delete(i) if n > 0 => {
                    cs.remove(i % n);
                }
                Edit::Swap(i) if n > 1 => cs.swap(i % (n - 1), i % (n - 1) + 1),
                _ => {}
            }
        }
        cs.into_iter().collect()
    }

    /// Whatever parses prints to something that parses back to the same AST, and any
    /// error points inside the input (or just past its end).
    fn check_parse_outcome(input: &str) -> Result<(), TestCaseError> {
        match parse(input) {
            Ok(q) => {
                let printed = print(&q);
                prop_assert_eq!(parse(&printed), Ok(q), "printed as {:?}", printed);
                prop_assert_eq!(print(&parse(&printed).unwrap()), printed);
            }
            Err(e) => {
                prop_assert!(e.column >= 1 && e.column <= input.chars().count() + 1);
                prop_assert!(!e.message.is_empty());
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn printed_valid_asts_parse_back(q in query()) {
            let printed = print(&q);
            // Values with control characters are not valid queries (issue 23).
            prop_assume!(!printed.chars().any(|c| c.is_control() && !c.is_whitespace()));
            prop_assert_eq!(parse(&printed), Ok(q), "printed as {:?}", printed);
        }

        #[test]
        fn arbitrary_strings_never_panic_and_normalize(s in any::<String>()) {
            check_parse_outcome(&s)?;
        }

        #[test]
        fn query_like_strings_never_panic_and_normalize(s in query_like_string()) {
            check_parse_outcome(&s)?;
        }

        #[test]
        fn mutated_valid_queries_never_panic(
            q in query(),
            edits in prop::collection::vec(edit(), 1..4),
        ) {
            check_parse_outcome(&apply(&print(&q), &edits))?;
        }
    }
}
