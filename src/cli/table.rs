//! Plain-text tables for terminals and pipes.

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// How a cell is shown when colour is allowed. Without colour every cell is plain, so
/// nothing may be told by colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Style {
    #[default]
    Plain,
    /// Needs attention (a breached SLA).
    Alert,
    /// Less important (a missing value).
    Dim,
}

#[derive(Debug, Clone, Default)]
pub struct Cell {
    pub text: String,
    pub style: Style,
}

impl Cell {
    pub fn styled(text: impl Into<String>, style: Style) -> Cell {
        Cell {
            text: text.into(),
            style,
        }
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell {
            text,
            style: Style::Plain,
        }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

/// A column of a [`Grid`]. `shrink` is the order in which columns give up width when
/// the table does not fit (0 never shrinks; 1 first, then 2, ...); `drop` the order in
/// which they are left out when shrinking is not enough (0 never).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub shrink: u8,
    pub drop: u8,
    /// The narrowest a shrinking column gets.
    pub min: usize,
    pub right: bool,
}

impl Column {
    pub const fn fixed(header: &'static str) -> Column {
        Column {
            header,
            shrink: 0,
            drop: 0,
            min: 0,
            right: false,
        }
    }

    /// Left out, in `drop` order, when the terminal is too narrow for it.
    pub const fn optional(mut self, drop: u8) -> Column {
        self.drop = drop;
        self
    }

    pub const fn number(header: &'static str) -> Column {
        Column {
            header,
            shrink: 0,
            drop: 0,
            min: 0,
            right: true,
        }
    }

    pub const fn flex(header: &'static str, shrink: u8, min: usize) -> Column {
        Column {
            header,
            shrink,
            drop: 0,
            min,
            right: false,
        }
    }
}

/// A table of cells, fitted to `width` columns when there is a terminal to fit
/// (`None` keeps every cell whole, for pipes).
pub struct Grid<'a> {
    pub columns: &'a [Column],
    pub rows: Vec<Vec<Cell>>,
}

impl Grid<'_> {
    pub fn render(&self, width: Option<usize>, colour: bool) -> String {
        let rows: Vec<Vec<Cell>> = self
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| Cell::styled(clean(&c.text), c.style))
                    .collect()
            })
            .collect();
        let mut widths: Vec<usize> = self
            .columns
            .iter()
            .map(|c| c.header.chars().count())
            .collect();
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.text.chars().count());
            }
        }
        let mut shown: Vec<bool> = vec![true; self.columns.len()];
        if let Some(limit) = width {
            fit(self.columns, &mut widths, &mut shown, limit);
        }
        let bold = |s: &str| {
            if colour {
                format!("\u{1b}[1m{s}\u{1b}[0m")
            } else {
                s.to_string()
            }
        };
        let mut out = String::new();
        let headers: Vec<Cell> = self.columns.iter().map(|c| Cell::from(c.header)).collect();
        for (n, row) in std::iter::once(&headers).chain(rows.iter()).enumerate() {
            let mut line = String::new();
            let last = shown.iter().rposition(|s| *s).unwrap_or(0);
            let mut first = true;
            for (i, (column, w)) in self.columns.iter().zip(&widths).enumerate() {
                if !shown[i] {
                    continue;
                }
                let cell = row.get(i).cloned().unwrap_or_default();
                let text = if cell.text.chars().count() > *w {
                    truncate(&cell.text, *w)
                } else {
                    cell.text
                };
                let pad = " ".repeat(w.saturating_sub(text.chars().count()));
                if !first {
                    line.push_str("  ");
                }
                first = false;
                let shown = match (n, colour, cell.style) {
                    (0, _, _) => bold(&text),
                    (_, true, Style::Alert) => format!("\u{1b}[31m{text}\u{1b}[0m"),
                    (_, true, Style::Dim) => format!("\u{1b}[2m{text}\u{1b}[0m"),
                    _ => text,
                };
                if column.right {
                    line.push_str(&pad);
                    line.push_str(&shown);
                } else {
                    line.push_str(&shown);
                    if i < last {
                        line.push_str(&pad);
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// Narrows shrinking columns, in their order, until the table fits `limit`; then
/// leaves out optional columns, in their order, while it still does not.
fn fit(columns: &[Column], widths: &mut [usize], shown: &mut [bool], limit: usize) {
    let total = |widths: &[usize], shown: &[bool]| {
        let visible: Vec<usize> = widths
            .iter()
            .zip(shown)
            .filter(|(_, s)| **s)
            .map(|(w, _)| *w)
            .collect();
        visible.iter().sum::<usize>() + 2 * visible.len().saturating_sub(1)
    };
    let ordered = |key: fn(&Column) -> u8| {
        let mut order: Vec<usize> = (0..columns.len())
            .filter(|&i| key(&columns[i]) > 0)
            .collect();
        order.sort_by_key(|&i| key(&columns[i]));
        order
    };
    for i in ordered(|c| c.shrink) {
        let over = total(widths, shown).saturating_sub(limit);
        if over == 0 {
            return;
        }
        let floor = columns[i].min.max(1);
        let give = widths[i].saturating_sub(floor).min(over);
        widths[i] -= give;
    }
    for i in ordered(|c| c.drop) {
        if total(widths, shown) <= limit {
            return;
        }
        shown[i] = false;
    }
}

/// Control characters (newlines, escapes from a customer's title) would break the
/// table or the terminal; they become spaces.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod grid_tests {
    use super::*;

    const COLUMNS: [Column; 3] = [
        Column::fixed("KEY"),
        Column::flex("TITLE", 1, 5),
        Column::number("N").optional(1),
    ];

    fn grid() -> Grid<'static> {
        Grid {
            columns: &COLUMNS,
            rows: vec![vec![
                "TKT-1".into(),
                "A rather long title\nwith a newline".into(),
                "7".into(),
            ]],
        }
    }

    #[test]
    fn pipes_get_whole_cells() {
        let out = grid().render(None, false);
        assert!(out.contains("A rather long title with a newline"), "{out}");
        assert!(!out.contains('\u{1b}'));
    }

    #[test]
    fn terminals_get_a_table_that_fits() {
        let out = grid().render(Some(20), false);
        for line in out.lines() {
            assert!(line.chars().count() <= 20, "{line:?}");
        }
        assert!(out.contains('…'));
    }

    #[test]
    fn optional_columns_go_when_shrinking_is_not_enough() {
        let out = grid().render(Some(12), false);
        assert!(!out.contains('N'), "{out}");
        assert!(out.starts_with("KEY    TITLE"), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        assert!(grid().render(Some(80), true).contains("\u{1b}[1m"));
    }
}
