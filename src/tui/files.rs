//! Attachments on this machine: where they are saved (the download directory, under a
//! sanitised name that is never a path the desk chose), opening them with the platform's
//! opener when there is a display to open them on, decoding images for a preview within
//! limits (a decompression bomb gets a line of text, not the machine's memory), and the
//! path completion of the composer's "attach a file" prompt.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::DynamicImage;

use crate::client::Desk;
use crate::domain::attachment::sanitize_name;

/// The largest attachment the list downloads to preview.
pub const PREVIEW_MAX_BYTES: i64 = 8 * 1024 * 1024;
/// Decoded images larger than this (either side, or in memory) are not previewed.
const PREVIEW_MAX_SIDE: u32 = 8192;
const PREVIEW_MAX_ALLOC: u64 = 96 * 1024 * 1024;

/// Where files go and whether they can be opened here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub download_dir: PathBuf,
    /// A display to open files on: saving also opens; otherwise a link is copied.
    pub can_open: bool,
}

impl Default for Files {
    fn default() -> Self {
        Files::new(None)
    }
}

impl Files {
    /// `dir`: `[ui] download_dir`; else the user's download directory, else
    /// `~/Downloads`, else the current directory.
    pub fn new(dir: Option<&Path>) -> Files {
        let download_dir = dir.map(Path::to_path_buf).unwrap_or_else(|| {
            let user = directories::UserDirs::new();
            user.as_ref()
                .and_then(|u| u.download_dir().map(Path::to_path_buf))
                .or_else(|| user.as_ref().map(|u| u.home_dir().join("Downloads")))
                .unwrap_or_else(|| PathBuf::from("."))
        });
        Files {
            download_dir,
            can_open: display_here(),
        }
    }
}

/// Whether opened files would show up in front of the user: a graphical session on this
/// machine, not only a terminal reached over SSH.
fn display_here() -> bool {
    let set = |name: &str| std::env::var_os(name).is_some_and(|v| !v.is_empty());
    if cfg!(target_os = "macos") || cfg!(windows) {
        return !set("SSH_CONNECTION");
    }
    set("DISPLAY") || set("WAYLAND_DISPLAY")
}

/// What saving an attachment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub path: PathBuf,
    pub opened: bool,
    /// A link to copy instead, when it could not be opened here.
    pub link: Option<String>,
}

/// Downloads attachment `id` into `files.download_dir` as `name` (or `name (2)` …, never
/// over an existing file), written to a temporary file first so an interrupted download
/// leaves no half file under the real name; then opens it when there is a display.
pub async fn save(desk: &dyn Desk, files: &Files, id: i64, name: &str) -> Result<Saved, String> {
    let dir = &files.download_dir;
    tokio::fs::create_dir_all(dir)
        .await
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = sanitize_name(name);
    let name = if name.is_empty() || name == "." || name == ".." {
        format!("attachment-{id}")
    } else {
        name
    };
    let partial = dir.join(format!(".{name}.{id}.part"));
    let mut file = tokio::fs::File::create(&partial)
        .await
        .map_err(|e| format!("cannot write to {}: {e}", dir.display()))?;
    let written = desk.download(id, &mut file).await;
    let flushed = tokio::io::AsyncWriteExt::flush(&mut file).await;
    drop(file);
    if let Err(e) = written
        .map_err(|e| e.to_string())
        .and_then(|_| flushed.map_err(|e| e.to_string()))
    {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(format!("cannot download {name}: {e}"));
    }
    let path = free_name(dir, &name);
    if let Err(e) = tokio::fs::rename(&partial, &path).await {
        let _ = tokio::fs::remove_file(&partial).await;
        return Err(format!("cannot save {}: {e}", path.display()));
    }
    let opened = files.can_open && open(&path);
    Ok(Saved {
        link: if opened {
            None
        } else {
            desk.attachment_url(id)
        },
        path,
        opened,
    })
}

/// `name` in `dir`, or `stem (2).ext`, `stem (3).ext` … when taken.
fn free_name(dir: &Path, name: &str) -> PathBuf {
    let first = dir.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, ext) = match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => (stem, format!(".{ext}")),
        _ => (name, String::new()),
    };
    (2..10_000)
        .map(|n| dir.join(format!("{stem} ({n}){ext}")))
        .find(|p| !p.exists())
        .unwrap_or(first)
}

/// Hands `path` to the platform's opener, detached; whether it started.
fn open(path: &Path) -> bool {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let child = std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match child {
        Ok(mut child) => {
            // Reaped in the background so it leaves no zombie behind.
            std::thread::spawn(move || child.wait());
            true
        }
        Err(_) => false,
    }
}

/// Media types the preview decodes.
pub fn previewable(media_type: &str) -> bool {
    matches!(media_type, "image/png" | "image/jpeg")
}

/// Downloads and decodes attachment `id` for a preview.
pub async fn preview(desk: &dyn Desk, id: i64) -> Result<Arc<DynamicImage>, String> {
    let mut bytes = Vec::new();
    desk.download(id, &mut bytes)
        .await
        .map_err(|e| format!("cannot load it: {e}"))?;
    if bytes.len() as i64 > PREVIEW_MAX_BYTES {
        return Err("too large to preview".into());
    }
    tokio::task::spawn_blocking(move || decode(&bytes).map(Arc::new))
        .await
        .map_err(|e| format!("cannot decode it: {e}"))?
}

/// Decodes an image within limits: a small file that claims to be 100,000 pixels wide
/// is refused before any memory is taken for it.
pub fn decode(bytes: &[u8]) -> Result<DynamicImage, String> {
    let mut reader = image::ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("not an image: {e}"))?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(PREVIEW_MAX_SIDE);
    limits.max_image_height = Some(PREVIEW_MAX_SIDE);
    limits.max_alloc = Some(PREVIEW_MAX_ALLOC);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => "too large to preview".to_string(),
        other => format!("cannot decode it: {other}"),
    })
}

/// What Tab does to a path being typed: completed as far as it is unambiguous, with the
/// names it could still become.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Completion {
    pub text: String,
    pub candidates: Vec<String>,
}

/// Completes `typed` against the file system (`~/` is the home directory; relative paths
/// start at `cwd`). Hidden names are offered only once a `.` is typed.
pub fn complete(typed: &str, cwd: &Path) -> Completion {
    let (dir_part, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let dir = expand(dir_part, cwd);
    let dir = if dir_part.is_empty() {
        cwd.to_path_buf()
    } else {
        dir
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Completion {
            text: typed.to_string(),
            candidates: Vec::new(),
        };
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().into_string().ok()?;
            if !name.starts_with(prefix) || (name.starts_with('.') && !prefix.starts_with('.')) {
                return None;
            }
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir())
                || (e.file_type().is_ok_and(|t| t.is_symlink()) && e.path().is_dir());
            Some(if is_dir { format!("{name}/") } else { name })
        })
        .collect();
    names.sort();
    let common = match names.as_slice() {
        [] => prefix.to_string(),
        [only] => only.clone(),
        [first, rest @ ..] => rest.iter().fold(first.clone(), |acc, n| {
            acc.chars()
                .zip(n.chars())
                .take_while(|(a, b)| a == b)
                .map(|(a, _)| a)
                .collect()
        }),
    };
    Completion {
        text: format!("{dir_part}{common}"),
        candidates: if names.len() > 1 { names } else { Vec::new() },
    }
}

/// A typed path as a path: `~/` is home, relative ones start at `cwd`.
pub fn expand(typed: &str, cwd: &Path) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|d| d.home_dir().to_path_buf());
    let path = match typed.strip_prefix("~/") {
        Some(rest) => match home() {
            Some(home) => home.join(rest),
            None => PathBuf::from(typed),
        },
        None if typed == "~" => home().unwrap_or_else(|| PathBuf::from(typed)),
        None => PathBuf::from(typed),
    };
    if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_extends_to_the_common_prefix_and_lists_the_choices() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shot-1.png"), b"x").unwrap();
        std::fs::write(dir.path().join("shot-2.png"), b"x").unwrap();
        std::fs::write(dir.path().join(".hidden"), b"x").unwrap();
        std::fs::create_dir(dir.path().join("logs")).unwrap();
        std::fs::write(dir.path().join("logs/app.log"), b"x").unwrap();
        let c = complete("sh", dir.path());
        assert_eq!(c.text, "shot-");
        assert_eq!(c.candidates, vec!["shot-1.png", "shot-2.png"]);
        let c = complete("l", dir.path());
        assert_eq!(c.text, "logs/");
        assert!(c.candidates.is_empty());
        assert_eq!(complete("logs/a", dir.path()).text, "logs/app.log");
        assert_eq!(complete(".h", dir.path()).text, ".hidden");
        let all = complete("", dir.path());
        assert!(!all.candidates.contains(&".hidden".to_string()));
        let abs = format!("{}/shot-1", dir.path().display());
        assert_eq!(complete(&abs, Path::new("/")).text, format!("{abs}.png"));
        assert_eq!(complete("nothing-", dir.path()).text, "nothing-");
    }

    #[test]
    fn a_taken_name_gets_a_number_before_its_extension() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(free_name(dir.path(), "a.pdf"), dir.path().join("a.pdf"));
        std::fs::write(dir.path().join("a.pdf"), b"x").unwrap();
        assert_eq!(free_name(dir.path(), "a.pdf"), dir.path().join("a (2).pdf"));
        std::fs::write(dir.path().join("README"), b"x").unwrap();
        assert_eq!(
            free_name(dir.path(), "README"),
            dir.path().join("README (2)")
        );
    }

    #[test]
    fn an_image_too_large_is_refused_and_text_is_not_an_image() {
        // A few hundred bytes that decode to 9,000 pixels across: over the limit.
        let wide = image::GrayImage::new(9000, 1);
        let mut png = Vec::new();
        wide.write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        assert!(png.len() < 2000);
        assert_eq!(decode(&png).unwrap_err(), "too large to preview");
        let small = image::GrayImage::new(4, 4);
        let mut ok = Vec::new();
        small
            .write_to(&mut Cursor::new(&mut ok), image::ImageFormat::Png)
            .unwrap();
        assert_eq!(decode(&ok).unwrap().width(), 4);
        assert!(decode(b"plain text").is_err());
    }
}
