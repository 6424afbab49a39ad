//! How a script command fails: an exit code that says whose fault it was and one line
//! for standard error. Nothing reaches standard output on failure.

use std::fmt;

use crate::client::DeskError;

/// The desk refused the operation: validation, workflow, permission, conflict, not found.
pub const EXIT_REFUSED: i32 = 1;
/// The command line (or the configuration it reads) is wrong. clap uses 2 as well.
pub const EXIT_USAGE: i32 = 2;
/// The server cannot be reached, or the store cannot be opened (or failed).
pub const EXIT_UNAVAILABLE: i32 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail {
    pub code: i32,
    pub message: String,
}

pub type Outcome<T> = Result<T, Fail>;

impl Fail {
    pub fn refused(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_REFUSED,
            message: message.into(),
        }
    }

    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_USAGE,
            message: message.into(),
        }
    }

    pub fn unavailable(message: impl Into<String>) -> Fail {
        Fail {
            code: EXIT_UNAVAILABLE,
            message: message.into(),
        }
    }

    /// The same failure with `context: ` in front of its message.
    pub fn context(mut self, context: impl fmt::Display) -> Fail {
        self.message = format!("{context}: {}", self.message);
        self
    }

    /// The message as exactly one line: scripts read stderr line by line.
    pub fn one_line(&self) -> String {
        let mut line = String::with_capacity(self.message.len());
        for (i, part) in self
            .message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .enumerate()
        {
            if i > 0 {
                line.push_str("; ");
            }
            line.extend(part.chars().map(|c| if c.is_control() { ' ' } else { c }));
        }
        if line.is_empty() {
            line.push_str("failed");
        }
        line
    }
}

impl fmt::Display for Fail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.one_line())
    }
}

impl From<DeskError> for Fail {
    fn from(e: DeskError) -> Fail {
        let code = match &e {
            DeskError::Invalid { .. }
            | DeskError::NotFound(_)
            | DeskError::Forbidden(_)
            | DeskError::Conflict { .. }
            | DeskError::Unauthenticated(_) => EXIT_REFUSED,
            DeskError::Unavailable(_) | DeskError::Internal(_) => EXIT_UNAVAILABLE,
        };
        let message = match &e {
            DeskError::Invalid {
                field: Some(field),
                message,
            } if field == "q" => format!("query: {message}"),
            DeskError::Invalid {
                field: Some(field),
                message,
            } if !message.contains(field.as_str()) => format!("{field}: {message}"),
            _ => e.to_string(),
        };
        Fail { code, message }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_become_one_line() {
        let f = Fail::refused("first\n\n  second\u{1b}[31m\n");
        assert_eq!(f.one_line(), "first; second [31m");
    }

    #[test]
    fn desk_errors_map_to_exit_codes() {
        let code = |e: DeskError| Fail::from(e).code;
        assert_eq!(code(DeskError::NotFound("x".into())), EXIT_REFUSED);
        assert_eq!(code(DeskError::Forbidden("x".into())), EXIT_REFUSED);
        assert_eq!(
            code(DeskError::Conflict {
                message: "x".into(),
                current: None
            }),
            EXIT_REFUSED
        );
        assert_eq!(code(DeskError::Unavailable("x".into())), EXIT_UNAVAILABLE);
        assert_eq!(code(DeskError::Internal("x".into())), EXIT_UNAVAILABLE);
    }
}
