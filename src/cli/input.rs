//! Text a command reads besides its arguments: standard input, files, `$EDITOR`, and
//! passwords.

use std::io::{IsTerminal, Read};
use std::path::Path;

use super::fail::{Fail, Outcome};

pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// All of standard input, as UTF-8.
pub fn read_stdin() -> Outcome<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| Fail::usage(format!("cannot read standard input: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Fail::usage("standard input is not UTF-8 text"))
}

/// A text file, or standard input for `-`.
pub fn read_file(path: &Path) -> Outcome<String> {
    if path.as_os_str() == "-" {
        return read_stdin();
    }
    let bytes = std::fs::read(path)
        .map_err(|e| Fail::usage(format!("cannot read {}: {e}", path.display())))?;
    String::from_utf8(bytes)
        .map_err(|_| Fail::usage(format!("{} is not UTF-8 text", path.display())))
}

/// The first line of standard input, without its line end.
pub fn read_line_from_stdin() -> Outcome<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| Fail::usage(format!("cannot read standard input: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}

/// Asks for a password on the terminal without echoing it.
pub fn prompt_password(prompt: &str) -> Outcome<String> {
    if !stdin_is_terminal() {
        return Err(Fail::usage(
            "no terminal to ask for the password on; pipe it in with --password-stdin",
        ));
    }
    rpassword::prompt_password(prompt)
        .map_err(|e| Fail::usage(format!("cannot read the password: {e}")))
}

/// Lets the person write text in `$VISUAL` or `$EDITOR`; returns what they saved.
pub fn edit(what: &str) -> Outcome<String> {
    use crate::editor::EditorError;
    crate::editor::edit("").map_err(|e| match e {
        EditorError::NotSet => Fail::usage(format!(
            "give the {what} with --body, pipe it in, or set $EDITOR to write it there"
        )),
        EditorError::Failed { .. } => Fail::refused(format!("{e}; nothing was sent")),
        _ => Fail::usage(e.to_string()),
    })
}
