//! Writing text in the person's own editor, for every front end: `$VISUAL`, else
//! `$EDITOR`, run through the shell as git does, so `EDITOR="code --wait"` and paths
//! with spaces both work.
//!
//! Synchronous and unaware of terminals on purpose: a full-screen caller (the TUI)
//! hands the screen over before calling [`Editor::edit`] and takes it back after.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};

/// Why no edited text came back.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EditorError {
    #[error("neither $VISUAL nor $EDITOR is set")]
    NotSet,
    #[error("cannot make a file to edit: {0}")]
    TempFile(#[source] std::io::Error),
    #[error("cannot start the editor `{command}`: {source}")]
    Spawn {
        command: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the editor `{command}` failed ({status})")]
    Failed { command: String, status: ExitStatus },
    #[error("cannot read back the edited file: {0}")]
    ReadBack(#[source] std::io::Error),
    #[error("the edited file is not UTF-8 text")]
    NotText,
}

/// An editor command line, as the person wrote it in `$VISUAL` or `$EDITOR`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Editor {
    command: String,
}

impl Editor {
    /// `$VISUAL`, else `$EDITOR`; blank values count as unset.
    pub(crate) fn from_env() -> Option<Editor> {
        Editor::from_vars(|name| std::env::var(name).ok())
    }

    /// The same choice from any source of variables: tests give their own rather
    /// than change the process environment other tests' threads read.
    pub(crate) fn from_vars(var: impl Fn(&str) -> Option<String>) -> Option<Editor> {
        ["VISUAL", "EDITOR"]
            .into_iter()
            .filter_map(var)
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
            .map(|command| Editor { command })
    }

    /// An explicit command line, e.g. a fallback of `vi` when nothing is set.
    pub(crate) fn new(command: impl Into<String>) -> Editor {
        Editor {
            command: command.into(),
        }
    }

    #[cfg(test)]
    fn command(&self) -> &str {
        &self.command
    }

    /// Writes `initial` to a fresh temporary file, runs the editor on it and waits,
    /// then returns what was saved. The file and its directory are removed after.
    pub(crate) fn edit(&self, initial: &str) -> Result<String, EditorError> {
        let dir = TempDir::new().map_err(EditorError::TempFile)?;
        let file = dir.path().join("desk-comment.md");
        std::fs::write(&file, initial).map_err(EditorError::TempFile)?;
        let status = shell_command(&self.command, &file)
            .status()
            .map_err(|source| EditorError::Spawn {
                command: self.command.clone(),
                source,
            })?;
        if !status.success() {
            return Err(EditorError::Failed {
                command: self.command.clone(),
                status,
            });
        }
        let bytes = std::fs::read(&file).map_err(EditorError::ReadBack)?;
        String::from_utf8(bytes).map_err(|_| EditorError::NotText)
    }
}

/// Edits `initial` in `$VISUAL`/`$EDITOR`; [`EditorError::NotSet`] when neither is set.
pub(crate) fn edit(initial: &str) -> Result<String, EditorError> {
    Editor::from_env().ok_or(EditorError::NotSet)?.edit(initial)
}

#[cfg(unix)]
fn shell_command(editor: &str, file: &Path) -> Command {
    // As git does: the variable is shell text (it may carry arguments), and the file
    // goes in as a positional parameter, so its path is never re-split or expanded.
    let mut command = Command::new("sh");
    command
        .arg("-c")
        .arg(format!("{editor} \"$@\""))
        .arg("editor")
        .arg(file);
    command
}

#[cfg(not(unix))]
fn shell_command(editor: &str, file: &Path) -> Command {
    let mut words = editor.split_whitespace();
    let mut command = Command::new(words.next().unwrap_or("notepad"));
    command.args(words).arg(file);
    command
}

/// A private temporary directory, removed on drop. Private because what people write
/// there (replies, internal notes) is nobody else's to read on a shared machine.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let nonce: u64 = rand::random();
        let path = std::env::temp_dir().join(format!("desk-edit-{}-{nonce:x}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(TempDir(path))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::collections::HashMap;
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// A shell script in a directory whose path has a space, as `$EDITOR` would name it.
    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn spaced_dir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("desk editor test ")
            .tempdir()
            .unwrap()
    }

    fn vars(pairs: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// The variable's text goes to the shell, so a path with a space is quoted in it,
    /// as a person would write it.
    fn quoted(path: &Path) -> String {
        format!("'{}'", path.display())
    }

    #[test]
    fn the_editor_sees_the_initial_text_and_its_saved_text_comes_back() {
        let dir = spaced_dir();
        let seen = dir.path().join("seen.txt");
        let editor = script(
            dir.path(),
            "fake editor.sh",
            &format!(
                "cp \"$1\" '{}'\nprintf 'edited\\n' >> \"$1\"",
                seen.display()
            ),
        );
        let editor = Editor::from_vars(vars(&[("EDITOR", quoted(&editor))])).unwrap();
        assert_eq!(editor.edit("draft\n").unwrap(), "draft\nedited\n");
        assert_eq!(std::fs::read_to_string(&seen).unwrap(), "draft\n");
    }

    #[test]
    fn arguments_in_the_variable_reach_the_editor_before_the_file() {
        let dir = spaced_dir();
        // Like `code --wait`: the flag comes first, the file last.
        let editor = script(
            dir.path(),
            "wait.sh",
            "[ \"$1\" = --wait ] || exit 3\nprintf '%s' \"$#\" > \"$2\"",
        );
        let editor = Editor::new(format!("{} --wait", quoted(&editor)));
        assert_eq!(editor.edit("").unwrap(), "2");
    }

    #[test]
    fn visual_wins_over_editor_and_blank_values_do_not_count() {
        let pick = |pairs: &[(&str, String)]| {
            Editor::from_vars(vars(pairs)).map(|e| e.command().to_string())
        };
        assert_eq!(
            pick(&[("VISUAL", "vis".into()), ("EDITOR", "ed".into())]),
            Some("vis".into())
        );
        assert_eq!(
            pick(&[("VISUAL", "  ".into()), ("EDITOR", " ed ".into())]),
            Some("ed".into())
        );
        assert_eq!(pick(&[("EDITOR", String::new())]), None);
        assert_eq!(pick(&[]), None);
    }

    #[test]
    fn a_failing_editor_is_an_error_and_leaves_no_file_behind() {
        let dir = spaced_dir();
        let record = dir.path().join("path.txt");
        let editor = script(
            dir.path(),
            "fails.sh",
            &format!("printf '%s' \"$1\" > '{}'\nexit 7", record.display()),
        );
        let err = Editor::new(quoted(&editor)).edit("keep").unwrap_err();
        assert!(
            matches!(&err, EditorError::Failed { status, .. } if status.code() == Some(7)),
            "{err:?}"
        );
        let edited = PathBuf::from(std::fs::read_to_string(&record).unwrap());
        assert!(!edited.exists(), "{} is still there", edited.display());
        assert!(
            edited.parent().is_some_and(|d| !d.exists()),
            "its directory is still there"
        );
    }

    #[test]
    fn the_file_is_private_to_its_owner() {
        let dir = spaced_dir();
        let editor = script(
            dir.path(),
            "mode.sh",
            "ls -ld \"$(dirname \"$1\")\" | cut -c1-10 > \"$1\"",
        );
        assert_eq!(
            Editor::new(quoted(&editor)).edit("").unwrap().trim(),
            "drwx------"
        );
    }

    #[test]
    fn an_editor_that_cannot_run_says_so() {
        let dir = spaced_dir();
        let missing = dir.path().join("no such editor");
        // The shell starts, but cannot find the command: it exits 127.
        let err = Editor::new(quoted(&missing)).edit("").unwrap_err();
        assert!(matches!(err, EditorError::Failed { .. }), "{err:?}");
        assert!(err.to_string().contains("no such editor"), "{err}");
    }

    #[test]
    fn saved_bytes_that_are_not_text_are_refused() {
        let dir = spaced_dir();
        let editor = script(dir.path(), "binary.sh", "printf '\\377\\376' > \"$1\"");
        let err = Editor::new(quoted(&editor)).edit("").unwrap_err();
        assert!(matches!(err, EditorError::NotText), "{err:?}");
    }
}
