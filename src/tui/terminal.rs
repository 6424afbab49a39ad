//! Owning the terminal: raw mode and the alternate screen on the way in, restored on
//! every way out (ratatui's panic hook covers panics); the clipboard through OSC 52 so
//! copying works over SSH; handing the screen to `$EDITOR` and taking it back.

use std::io::Write;

use base64::Engine;
use ratatui::DefaultTerminal;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use ratatui::crossterm::execute;
use ratatui::crossterm::terminal::{
    Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::layout::Size;

use crate::editor::Editor;

pub struct Term {
    terminal: DefaultTerminal,
    left: bool,
    /// The mouse is captured (given back while `$EDITOR` runs).
    mouse: bool,
}

impl Term {
    /// `mouse`: take clicks and the wheel from the terminal.
    pub fn enter(mouse: bool) -> std::io::Result<Term> {
        let terminal = ratatui::try_init()?;
        // Pasted text arrives whole instead of as keys that could trigger actions.
        let _ = execute!(std::io::stdout(), EnableBracketedPaste);
        if mouse {
            let _ = execute!(std::io::stdout(), EnableMouseCapture);
        }
        Ok(Term {
            terminal,
            left: false,
            mouse,
        })
    }

    pub fn size(&self) -> std::io::Result<Size> {
        self.terminal.size()
    }

    pub fn draw(&mut self, draw: impl FnOnce(&mut ratatui::Frame)) -> std::io::Result<()> {
        self.terminal.draw(draw).map(|_| ())
    }

    /// Draws, then makes the web addresses shown in `links` (an area of the screen)
    /// OSC 8 hyperlinks.
    pub fn draw_linked(
        &mut self,
        draw: impl FnOnce(&mut ratatui::Frame),
        links: Option<ratatui::layout::Rect>,
    ) -> std::io::Result<()> {
        let frame = self.terminal.draw(draw)?;
        let Some(area) = links else {
            return Ok(());
        };
        let found = super::links::find(frame.buffer, area);
        if found.is_empty() {
            return Ok(());
        }
        let buffer = frame.buffer.clone();
        super::links::write(self.terminal.backend_mut(), &buffer, &found)
    }

    /// OSC 52: the terminal (even at the far end of SSH) puts it on the clipboard.
    pub fn copy(&mut self, text: &str) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        let mut out = std::io::stdout();
        let _ = write!(out, "\x1b]52;c;{encoded}\x07");
        let _ = out.flush();
    }

    /// The bell, and a desktop notification by the escape the terminal reads: OSC 777
    /// for the VTE family, foot, urxvt and ghostty, OSC 9 for the rest (iTerm2, kitty,
    /// WezTerm, Windows Terminal); a terminal that knows neither ignores it. Both pass
    /// through SSH; tmux passes them on with `allow-passthrough`.
    pub fn notify(&mut self, alert: &super::alerts::Alert) {
        let clean = |s: &str| -> String {
            s.chars()
                .filter(|c| !c.is_control() && *c != ';')
                .take(200)
                .collect()
        };
        let (title, body) = (clean(&alert.title), clean(&alert.body));
        let mut out = std::io::stdout();
        let _ = if osc_777() {
            write!(out, "\x07\x1b]777;notify;{title};{body}\x07")
        } else {
            write!(out, "\x07\x1b]9;{title}: {body}\x07")
        };
        let _ = out.flush();
    }

    /// Hands the screen to `$VISUAL`/`$EDITOR` (else `vi`) on a temp file holding
    /// `text`, and returns what the user saved.
    pub fn edit_externally(&mut self, text: &str) -> Result<String, String> {
        let editor = Editor::from_env().unwrap_or_else(|| Editor::new("vi"));
        self.suspend();
        let edited = editor.edit(text).map_err(|e| e.to_string());
        self.resume()
            .map_err(|e| format!("cannot take the terminal back: {e}"))?;
        edited
    }

    fn suspend(&mut self) {
        // The editor gets the mouse as the terminal has it.
        let _ = execute!(
            std::io::stdout(),
            DisableBracketedPaste,
            DisableMouseCapture,
            LeaveAlternateScreen
        );
        let _ = disable_raw_mode();
        let _ = self.terminal.show_cursor();
    }

    fn resume(&mut self) -> std::io::Result<()> {
        enable_raw_mode()?;
        execute!(
            std::io::stdout(),
            EnterAlternateScreen,
            EnableBracketedPaste,
            Clear(ClearType::All)
        )?;
        if self.mouse {
            execute!(std::io::stdout(), EnableMouseCapture)?;
        }
        // ratatui's own `clear` asks the terminal where its cursor is, which some
        // terminals never answer (and costs a round trip over SSH). An empty frame
        // makes ratatui forget the old screen just as well, so the next one is whole.
        self.terminal.draw(|_| {}).map(|_| ())
    }

    pub fn leave(mut self) -> std::io::Result<()> {
        self.left = true;
        let _ = execute!(
            std::io::stdout(),
            DisableBracketedPaste,
            DisableMouseCapture
        );
        ratatui::try_restore()
    }
}

impl Drop for Term {
    fn drop(&mut self) {
        if !self.left {
            let _ = execute!(
                std::io::stdout(),
                DisableBracketedPaste,
                DisableMouseCapture
            );
            ratatui::restore();
        }
    }
}

/// Whether the terminal takes OSC 777 notifications rather than OSC 9.
fn osc_777() -> bool {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    let term = var("TERM");
    !var("VTE_VERSION").is_empty()
        || ["foot", "rxvt", "ghostty"].iter().any(|t| term.contains(t))
        || var("TERM_PROGRAM") == "ghostty"
}

/// SIGTERM and SIGHUP (a closed SSH session): leave cleanly, drafts saved.
pub struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Signals {
    pub fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                term: signal(SignalKind::terminate())?,
                hup: signal(SignalKind::hangup())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    pub async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
        #[cfg(not(unix))]
        std::future::pending::<()>().await
    }
}
