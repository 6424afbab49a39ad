//! What script commands print: a table for people, or JSON, NDJSON or CSV for programs.
//! Commands build their whole answer as text and hand it back; it is written only once
//! the command has succeeded, so a failure never leaves half an answer on stdout.

use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::fail::{Fail, Outcome};

/// `--json`, `--ndjson` or `--csv` for commands that print lists.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
#[group(id = "format", multiple = false)]
pub struct ListFormat {
    /// Print JSON: the same shapes as the HTTP API.
    #[arg(long)]
    pub json: bool,
    /// Print one JSON object per line.
    #[arg(long)]
    pub ndjson: bool,
    /// Print CSV with a header row.
    #[arg(long)]
    pub csv: bool,
}

/// `--json` for commands that print one thing.
#[derive(Debug, Clone, Copy, Default, clap::Args)]
pub struct JsonFormat {
    /// Print JSON: the same shape as the HTTP API.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Ndjson,
    Csv,
}

impl ListFormat {
    pub fn format(self) -> Format {
        if self.json {
            Format::Json
        } else if self.ndjson {
            Format::Ndjson
        } else if self.csv {
            Format::Csv
        } else {
            Format::Human
        }
    }
}

/// How the human output may look on this stdout.
#[derive(Debug, Clone, Copy)]
pub struct Screen {
    /// Columns to fit tables into; `None` when stdout is not a terminal (nothing is cut).
    pub width: Option<usize>,
    pub colour: bool,
}

impl Screen {
    pub fn detect() -> Screen {
        let stdout = std::io::stdout();
        if !stdout.is_terminal() {
            return Screen {
                width: None,
                colour: false,
            };
        }
        let width = terminal_size::terminal_size_of(&stdout)
            .map(|(w, _)| usize::from(w.0))
            .or_else(|| {
                std::env::var("COLUMNS")
                    .ok()
                    .and_then(|c| c.trim().parse().ok())
            })
            .filter(|w| *w > 0)
            .unwrap_or(80);
        let no_colour = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
            || std::env::var("TERM").is_ok_and(|t| t == "dumb");
        Screen {
            width: Some(width),
            colour: !no_colour,
        }
    }
}

/// Pretty JSON and a final newline.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Outcome<String> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| Fail::unavailable(format!("cannot write JSON: {e}")))?;
    text.push('\n');
    Ok(text)
}

/// One compact JSON value per line.
pub fn ndjson<T: Serialize>(items: &[T]) -> Outcome<String> {
    let mut text = String::new();
    for item in items {
        text.push_str(
            &serde_json::to_string(item)
                .map_err(|e| Fail::unavailable(format!("cannot write JSON: {e}")))?,
        );
        text.push('\n');
    }
    Ok(text)
}

/// RFC 4180 CSV: a header row, then one row per record, CRLF-free (`\n` line ends).
pub fn csv(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let mut line = |cells: &mut dyn Iterator<Item = &str>| {
        for (i, cell) in cells.enumerate() {
            if i > 0 {
                out.push(',');
            }
            if cell.contains([',', '"', '\n', '\r']) || cell.starts_with(' ') {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push('\n');
    };
    line(&mut header.iter().copied());
    for row in rows {
        line(&mut row.iter().map(String::as_str));
    }
    out
}

/// Writes the answer to stdout. A reader that went away (`desk … | head`) is not an
/// error.
pub fn emit(text: &str) -> Outcome<()> {
    if text.is_empty() {
        return Ok(());
    }
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fail::unavailable(format!("cannot write the output: {e}"))),
    }
}

/// A note for a person at the terminal (hints, confirmations); scripts never see it
/// mixed with their data.
pub fn note(text: &str) {
    eprintln!("{text}");
}

/// Whether a person is reading stderr (so hints are worth printing).
pub fn stderr_is_terminal() -> bool {
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let out = csv(
            &["a", "b"],
            &[
                vec!["plain".into(), "with, comma".into()],
                vec!["say \"hi\"".into(), "two\nlines".into()],
            ],
        );
        assert_eq!(
            out,
            "a,b\nplain,\"with, comma\"\n\"say \"\"hi\"\"\",\"two\nlines\"\n"
        );
    }
}
