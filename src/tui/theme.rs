//! Colours and emphasis, in four themes: `dark` (the default, for dark terminals),
//! `light` (no yellow or cyan text, which vanish on white), `high-contrast` (bright
//! colours and bold, nothing dimmed, for dark terminals) and `mono`. With `NO_COLOR`
//! (or `mono`) every style keeps its modifiers (bold, reverse, dim) and drops its
//! colours, so nothing is told by colour alone: the selection is reverse video and
//! breaches carry a `!`.

use ratatui::style::{Color, Modifier, Style};

use crate::config::ThemeName;

/// The colours a theme gives each role; `None`: the terminal's own text colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Palette {
    /// Secondary text; dimmed as well where the theme dims.
    quiet: Option<Color>,
    /// Titles, headers, keys, the focused border.
    accent: Option<Color>,
    warn: Option<Color>,
    good: Option<Color>,
    bad: Option<Color>,
    /// The second priority.
    urgent: Option<Color>,
    /// Dimming is a loss of contrast: the high-contrast theme never dims.
    dims: bool,
    /// The selection is bold as well as reversed.
    bold_selection: bool,
}

const DARK: Palette = Palette {
    quiet: Some(Color::DarkGray),
    accent: Some(Color::Cyan),
    warn: Some(Color::Yellow),
    good: Some(Color::Green),
    bad: Some(Color::Red),
    urgent: Some(Color::LightRed),
    dims: true,
    bold_selection: false,
};

const LIGHT: Palette = Palette {
    quiet: Some(Color::DarkGray),
    accent: Some(Color::Blue),
    warn: Some(Color::Magenta),
    good: Some(Color::Green),
    bad: Some(Color::Red),
    urgent: Some(Color::Red),
    // Dimmed dark grey on white is too faint to read.
    dims: false,
    bold_selection: false,
};

const HIGH_CONTRAST: Palette = Palette {
    quiet: None,
    accent: Some(Color::LightCyan),
    warn: Some(Color::LightYellow),
    good: Some(Color::LightGreen),
    bad: Some(Color::LightRed),
    urgent: Some(Color::LightRed),
    dims: false,
    bold_selection: true,
};

const MONO: Palette = Palette {
    quiet: None,
    accent: None,
    warn: None,
    good: None,
    bad: None,
    urgent: None,
    dims: true,
    bold_selection: false,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub colour: bool,
    palette: Palette,
}

impl Theme {
    /// The dark theme, or mono without colour.
    pub fn new(colour: bool) -> Theme {
        Theme::named(if colour {
            ThemeName::Dark
        } else {
            ThemeName::Mono
        })
    }

    pub fn named(name: ThemeName) -> Theme {
        let palette = match name {
            ThemeName::Default | ThemeName::Dark => DARK,
            ThemeName::Light => LIGHT,
            ThemeName::HighContrast => HIGH_CONTRAST,
            ThemeName::Mono => MONO,
        };
        Theme {
            colour: palette != MONO,
            palette,
        }
    }

    /// The theme named, or mono when `NO_COLOR` is set (to anything non-empty).
    pub fn from_env(theme: ThemeName) -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme::named(if no_color { ThemeName::Mono } else { theme })
    }

    fn fg(&self, colour: Option<Color>) -> Style {
        match colour {
            Some(c) => Style::new().fg(c),
            None => Style::new(),
        }
    }

    pub fn plain(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        let style = self.fg(self.palette.quiet);
        if self.palette.dims {
            style.add_modifier(Modifier::DIM)
        } else {
            style
        }
    }

    pub fn bold(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn title(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn header(&self) -> Style {
        self.fg(self.palette.accent)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn selected(&self) -> Style {
        let style = Style::new().add_modifier(Modifier::REVERSED);
        if self.palette.bold_selection {
            style.add_modifier(Modifier::BOLD)
        } else {
            style
        }
    }

    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.palette.accent) {
            (true, Some(c)) => Style::new()
                .fg(c)
                .add_modifier(if self.palette.bold_selection {
                    Modifier::BOLD
                } else {
                    Modifier::empty()
                }),
            (true, None) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.dim(),
        }
    }

    pub fn breached(&self) -> Style {
        self.fg(self.palette.bad).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(self.palette.warn)
    }

    pub fn ok(&self) -> Style {
        self.fg(self.palette.good)
    }

    pub fn error(&self) -> Style {
        self.fg(self.palette.bad).add_modifier(Modifier::BOLD)
    }

    pub fn internal(&self) -> Style {
        self.fg(self.palette.warn).add_modifier(Modifier::ITALIC)
    }

    pub fn key(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    /// By rank: 1 is the most urgent.
    pub fn priority(&self, rank: i64) -> Style {
        match rank {
            1 => self.fg(self.palette.bad).add_modifier(Modifier::BOLD),
            2 => self.fg(self.palette.urgent),
            3 => self.plain(),
            _ => self.dim(),
        }
    }
}
