//! Attachments: files on tickets and comments (issue 15). The rules that need no I/O:
//! what a file may be called, what it is (sniffed from its first bytes, never taken
//! from the client), and whether the desk accepts it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::{UserRef, Visibility};
use super::time::Millis;

/// Content is stored and read in pieces of this size, so no file sits whole in memory.
pub const CHUNK: usize = 256 * 1024;

/// The longest stored file name, in characters (the extension is kept when cutting).
pub const NAME_MAX: usize = 200;

/// `[attachments] max_bytes` when the config says nothing: 25 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1024 * 1024;

/// `[attachments] max_per_comment` when the config says nothing.
pub const DEFAULT_MAX_PER_COMMENT: usize = 10;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attachment {
    pub id: i64,
    /// The ticket's key (`TKT-7`).
    pub ticket: String,
    /// The comment it came with; `null` for a file on the ticket itself.
    #[schema(required = true)]
    pub comment_id: Option<i64>,
    /// Sanitised: no path separators, control or bidirectional characters, at most 200
    /// characters. Never a path on the server.
    pub name: String,
    /// Sniffed from the content (`application/octet-stream` when unknown).
    pub media_type: String,
    pub size: i64,
    /// Hex SHA-256 of the content.
    pub sha256: String,
    #[schema(required = true)]
    pub uploader: Option<UserRef>,
    /// Set when the uploader is a contact without an account.
    #[schema(required = true)]
    pub uploader_email: Option<String>,
    /// Inherited from the comment: internal attachments never reach customers.
    pub visibility: Visibility,
    #[serde(with = "super::time::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Millis,
}

/// What an upload made: the ticket after it, the comment written (if a body came with
/// the files) and the files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Attached {
    pub ticket: super::model::Ticket,
    #[schema(required = true)]
    pub comment: Option<super::model::Comment>,
    pub attachments: Vec<Attachment>,
}

/// Which media types the desk accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AllowedTypes {
    /// Everything but executables and HTML (which a browser would run).
    Default,
    /// Only these: exact types (`image/png`) or families (`image/*`).
    Only(Vec<String>),
}

/// `[attachments]` limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_per_comment: usize,
    pub allowed: AllowedTypes,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: DEFAULT_MAX_BYTES,
            max_per_comment: DEFAULT_MAX_PER_COMMENT,
            allowed: AllowedTypes::Default,
        }
    }
}

const REFUSED_BY_DEFAULT: &[&str] = &[
    "application/vnd.microsoft.portable-executable",
    "application/x-executable",
    "application/x-elf",
    "application/x-mach-binary",
    "application/x-msdownload",
    "application/x-sh",
    "application/x-shellscript",
    "application/wasm",
    "application/x-msi",
    "application/vnd.android.package-archive",
    "text/html",
    "application/xhtml+xml",
];

impl AllowedTypes {
    pub fn allows(&self, media_type: &str) -> bool {
        match self {
            AllowedTypes::Default => !REFUSED_BY_DEFAULT.contains(&media_type),
            AllowedTypes::Only(list) => list.iter().any(|t| {
                t == media_type
                    || t.strip_suffix("/*")
                        .is_some_and(|family| media_type.split('/').next() == Some(family))
            }),
        }
    }
}

/// A human size: `512 B`, `12.3 KiB`, `25 MiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else if value.fract() == 0.0 {
        format!("{value:.0} {}", UNITS[unit])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// What the content is, from its first bytes. Text that is not a known binary format is
/// `text/plain` when it is UTF-8 and has no markup that a browser would take for HTML.
pub fn sniff(head: &[u8]) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_string();
    }
    let trimmed: Vec<u8> = head
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    for tag in [
        &b"<!doctype html"[..],
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<iframe",
    ] {
        if trimmed.starts_with(tag) {
            return "text/html".into();
        }
    }
    if trimmed.starts_with(b"#!") {
        return "application/x-sh".into();
    }
    if trimmed.starts_with(b"<svg") || trimmed.starts_with(b"<?xml") {
        return "image/svg+xml".into();
    }
    // A cut in the middle of a multi-byte character at the end of `head` is fine.
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > head.len(),
    };
    if text && !head.contains(&0) {
        "text/plain".into()
    } else {
        "application/octet-stream".into()
    }
}

/// A file name fit to store and show: the last path component only, no control,
/// format or bidirectional-override characters, no leading dots, at most [`NAME_MAX`]
/// characters (the extension kept). Never empty: `file` when nothing is left.
pub fn sanitize_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_invisible(*c))
        .map(|c| {
            if matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim().to_string();
    let cleaned = if cleaned.is_empty() || cleaned.chars().all(|c| c == '.') {
        "file".to_string()
    } else {
        cleaned
    };
    if cleaned.chars().count() <= NAME_MAX {
        return cleaned;
    }
    let ext: String = match cleaned.rsplit_once('.') {
        Some((_, ext)) if !ext.is_empty() && ext.chars().count() <= 16 => format!(".{ext}"),
        _ => String::new(),
    };
    let keep = NAME_MAX - ext.chars().count();
    let stem: String = cleaned.chars().take(keep).collect();
    format!("{stem}{ext}")
}

/// Bidirectional overrides and isolates (which make `gnp.exe` read as `exe.png`),
/// zero-width characters and other invisible format characters.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}'
        | '\u{FEFF}' | '\u{061C}' | '\u{FFF9}'..='\u{FFFB}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_overrides() {
        assert_eq!(sanitize_name("../../etc/passwd"), "passwd");
        assert_eq!(sanitize_name("C:\\Users\\x\\shot.png"), "shot.png");
        assert_eq!(sanitize_name(".."), "file");
        assert_eq!(sanitize_name("..hidden"), "hidden");
        assert_eq!(sanitize_name("a\u{0}b\nc.txt"), "abc.txt");
        assert_eq!(sanitize_name("invoice\u{202E}gnp.exe"), "invoicegnp.exe");
        assert_eq!(sanitize_name(""), "file");
        let long = format!("{}.pdf", "a".repeat(1000));
        let cut = sanitize_name(&long);
        assert_eq!(cut.chars().count(), NAME_MAX);
        assert!(cut.ends_with(".pdf"));
    }

    #[test]
    fn types_come_from_content() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), "image/png");
        assert_eq!(sniff(b"%PDF-1.4\n"), "application/pdf");
        assert_eq!(sniff(b"  <!DOCTYPE html><p>hi"), "text/html");
        assert_eq!(sniff(b"hello, world\n"), "text/plain");
        assert_eq!(
            sniff(b"MZ\x90\0\x03\0\0\0"),
            "application/vnd.microsoft.portable-executable"
        );
        assert_eq!(sniff(&[0, 1, 2, 3, 255]), "application/octet-stream");
    }

    #[test]
    fn default_policy_refuses_executables_and_html() {
        let d = AllowedTypes::Default;
        assert!(d.allows("image/png"));
        assert!(!d.allows("text/html"));
        assert!(!d.allows("application/vnd.microsoft.portable-executable"));
        let only = AllowedTypes::Only(vec!["image/*".into(), "application/pdf".into()]);
        assert!(only.allows("image/jpeg"));
        assert!(only.allows("application/pdf"));
        assert!(!only.allows("text/plain"));
        assert_eq!(human_size(25 * 1024 * 1024), "25 MiB");
    }
}
