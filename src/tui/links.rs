//! OSC 8 hyperlinks: web addresses in the ticket text become links the terminal opens
//! on a click (ctrl-click in most), also over SSH. ratatui has no notion of links, and
//! escapes in a cell's symbol would upset its idea of widths, so links are found in
//! the finished frame and the terminal is told about them after ratatui has drawn:
//! the same cells printed again, in the same style, between the OSC 8 brackets.
//! Terminals that do not know OSC 8 ignore it.

use std::io::{self, Write};

use ratatui::backend::IntoCrossterm;
use ratatui::buffer::Buffer;
use ratatui::crossterm::queue;
use ratatui::crossterm::style::{
    Attribute, Print, SetAttribute, SetBackgroundColor, SetForegroundColor,
};
use ratatui::layout::Rect;
use ratatui::style::Modifier;

/// One address on screen: the runs of cells it covers (a long one wraps over rows).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub url: String,
    /// `(x, y, width)` of each run.
    pub runs: Vec<(u16, u16, u16)>,
}

const SCHEMES: [&str; 2] = ["https://", "http://"];

/// Characters that end an address written in prose rather than belong to it.
fn trailing(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '\'' | '"' | '>'
    )
}

/// The row's cells from `x0` as (x, char), one per cell (the second half of a wide
/// character has none).
fn row(buffer: &Buffer, area: Rect, y: u16) -> Vec<(u16, char)> {
    (area.x..area.right())
        .filter_map(|x| {
            let symbol = buffer[(x, y)].symbol();
            let mut chars = symbol.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Some((x, c)),
                _ => None,
            }
        })
        .collect()
}

/// The addresses shown in `area`. One that reaches the right edge and goes on at the
/// start of the next row (as the ticket text wraps a word too long for a line) is one
/// link.
pub fn find(buffer: &Buffer, area: Rect) -> Vec<Link> {
    let area = area.intersection(buffer.area);
    let mut links: Vec<Link> = Vec::new();
    // A link still open at the end of the previous row.
    let mut open: Option<Link> = None;
    for y in area.y..area.bottom() {
        let cells = row(buffer, area, y);
        let mut i = 0;
        if let Some(mut link) = open.take() {
            // Its continuation: the row's first word, after the indent.
            let start = cells.iter().position(|(_, c)| !c.is_whitespace());
            if let Some(start) = start {
                let end = cells[start..]
                    .iter()
                    .position(|(_, c)| c.is_whitespace())
                    .map_or(cells.len(), |n| start + n);
                let (run, more) = take(&cells[start..end], &mut link.url, area, y);
                link.runs.push(run);
                i = end;
                if more {
                    open = Some(link);
                    continue;
                }
            }
            links.push(link);
        }
        while i < cells.len() {
            let rest: String = cells[i..].iter().map(|(_, c)| c).collect();
            let at_word_start =
                i == 0 || cells[i - 1].1.is_whitespace() || "(<[\"'".contains(cells[i - 1].1);
            if !(at_word_start && SCHEMES.iter().any(|s| rest.starts_with(s))) {
                i += 1;
                continue;
            }
            let end = cells[i..]
                .iter()
                .position(|(_, c)| c.is_whitespace())
                .map_or(cells.len(), |n| i + n);
            let mut link = Link {
                url: String::new(),
                runs: Vec::new(),
            };
            let (run, more) = take(&cells[i..end], &mut link.url, area, y);
            link.runs.push(run);
            i = end;
            if more {
                open = Some(link);
            } else if SCHEMES.iter().all(|s| link.url.len() > s.len()) {
                links.push(link);
            }
        }
    }
    links.extend(open);
    links
}

/// Adds a run of cells to `url`: the run, and whether the address may go on at the
/// start of the next row (it reached the right edge). Prose punctuation at the end of
/// an address that does not go on is left out.
fn take(cells: &[(u16, char)], url: &mut String, area: Rect, y: u16) -> ((u16, u16, u16), bool) {
    let Some(&(x0, _)) = cells.first() else {
        return ((area.x, y, 0), false);
    };
    let reaches_edge = cells.last().is_some_and(|(x, _)| *x + 1 >= area.right());
    let mut n = cells.len();
    if !reaches_edge {
        while n > 0 && trailing(cells[n - 1].1) {
            n -= 1;
        }
    }
    url.extend(cells[..n].iter().map(|(_, c)| c));
    let width = cells
        .get(n.saturating_sub(1))
        .map_or(0, |(x, _)| x + 1 - x0);
    ((x0, y, if n == 0 { 0 } else { width }), reaches_edge)
}

/// Prints the links' cells again between OSC 8 brackets, in their own styles, then
/// leaves the terminal's style at its default as ratatui expects.
pub fn write(out: &mut impl Write, buffer: &Buffer, links: &[Link]) -> io::Result<()> {
    for (id, link) in links.iter().enumerate() {
        // Only printable addresses reach the terminal: an escape in one would be
        // obeyed.
        if link.url.chars().any(char::is_control) {
            continue;
        }
        for &(x, y, width) in &link.runs {
            queue!(out, ratatui::crossterm::cursor::MoveTo(x, y))?;
            write!(out, "\x1b]8;id=desk{id};{}\x1b\\", link.url)?;
            for cx in x..x + width {
                let cell = &buffer[(cx, y)];
                queue!(
                    out,
                    SetAttribute(Attribute::Reset),
                    SetForegroundColor(cell.fg.into_crossterm()),
                    SetBackgroundColor(cell.bg.into_crossterm()),
                )?;
                for (m, a) in [
                    (Modifier::BOLD, Attribute::Bold),
                    (Modifier::DIM, Attribute::Dim),
                    (Modifier::ITALIC, Attribute::Italic),
                    (Modifier::UNDERLINED, Attribute::Underlined),
                    (Modifier::REVERSED, Attribute::Reverse),
                ] {
                    if cell.modifier.contains(m) {
                        queue!(out, SetAttribute(a))?;
                    }
                }
                queue!(out, Print(cell.symbol()))?;
            }
            write!(out, "\x1b]8;;\x1b\\")?;
        }
    }
    queue!(out, SetAttribute(Attribute::Reset))?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;
    use ratatui::widgets::{Paragraph, Widget};

    fn screen(lines: &[&str], width: u16) -> Buffer {
        let area = Rect::new(0, 0, width, lines.len() as u16);
        let mut buffer = Buffer::empty(area);
        let text: Vec<Line> = lines.iter().map(|l| Line::from(*l)).collect();
        Paragraph::new(text).render(area, &mut buffer);
        buffer
    }

    #[test]
    fn addresses_in_prose_are_links_without_their_punctuation() {
        let b = screen(
            &[
                "see https://example.com/guide.pdf, or (http://x.org/a).",
                "no:link here",
            ],
            60,
        );
        let links = find(&b, b.area);
        let urls: Vec<&str> = links.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(urls, ["https://example.com/guide.pdf", "http://x.org/a"]);
        assert_eq!(links[0].runs, [(4, 0, 29)]);
    }

    #[test]
    fn an_address_cut_at_the_edge_goes_on_on_the_next_row() {
        let b = screen(&["  https://example.com/a/very", "  /long/path next"], 28);
        let links = find(&b, b.area);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "https://example.com/a/very/long/path");
        assert_eq!(links[0].runs, [(2, 0, 26), (2, 1, 10)]);
    }

    #[test]
    fn the_terminal_gets_the_link_around_the_same_text() {
        let b = screen(&["go https://a.io now"], 30);
        let links = find(&b, b.area);
        let mut out = Vec::new();
        write(&mut out, &b, &links).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains("\x1b]8;id=desk0;https://a.io\x1b\\"),
            "{text:?}"
        );
        assert!(text.ends_with("\x1b[0m"), "{text:?}");
        let inside = text
            .split("\x1b]8;id=desk0;https://a.io\x1b\\")
            .nth(1)
            .unwrap()
            .split("\x1b]8;;")
            .next()
            .unwrap();
        // What is printed between the brackets, styles aside.
        let mut printed = String::new();
        let mut chars = inside.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                chars.by_ref().find(|c| c.is_ascii_alphabetic());
            } else {
                printed.push(c);
            }
        }
        assert_eq!(printed, "https://a.io");
    }
}
