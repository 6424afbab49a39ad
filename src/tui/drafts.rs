//! Text the user wrote but has not sent: kept in memory and in `drafts.json` in the data
//! directory until it is sent or discarded, so a comment typed while the server was down
//! survives a restart. Changing a draft changes memory at once and hands back the file
//! to write ([`DraftsFile`]), which the event loop writes: the app's update does no I/O.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::model::User;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub text: String,
    #[serde(default)]
    pub internal: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// Files to attach, as paths on this machine (read when it is sent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default)]
pub struct Drafts {
    by_id: BTreeMap<String, Draft>,
    /// Where they are kept; `None` keeps them in memory only (tests, the demo desk).
    path: Option<PathBuf>,
}

impl Drafts {
    pub fn in_memory() -> Drafts {
        Drafts::default()
    }

    /// The drafts file of one account on one desk: people sharing an OS account (a
    /// jump host) never see, or send, each other's unsent text.
    pub fn path_for(dir: &Path, location: &str, account: &User) -> PathBuf {
        let digest = Sha256::digest(format!("{location}\n{}\n{}", account.id, account.email));
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        dir.join("drafts").join(format!("{name}.json"))
    }

    /// Reads the file if it is there; a file that cannot be read is set aside, never
    /// overwritten, so nothing in it is lost.
    pub fn open(path: PathBuf) -> (Drafts, Option<String>) {
        let mut warning = None;
        let by_id = match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(map) => map,
                Err(e) => {
                    let aside = path.with_extension("json.unreadable");
                    let _ = std::fs::rename(&path, &aside);
                    warning = Some(format!(
                        "drafts file {} was unreadable ({e}); moved it to {}",
                        path.display(),
                        aside.display()
                    ));
                    BTreeMap::new()
                }
            },
            Err(_) => BTreeMap::new(),
        };
        (
            Drafts {
                by_id,
                path: Some(path),
            },
            warning,
        )
    }

    pub fn get(&self, id: &str) -> Option<&Draft> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Keeps a draft (an empty one is the same as none); returns the file to write when
    /// something changed.
    pub fn keep(&mut self, id: &str, draft: Draft) -> Option<DraftsFile> {
        if draft.text.trim().is_empty() && draft.title.trim().is_empty() && draft.files.is_empty() {
            return self.discard(id);
        }
        if self.by_id.get(id) == Some(&draft) {
            return None;
        }
        self.by_id.insert(id.to_string(), draft);
        self.file()
    }

    pub fn discard(&mut self, id: &str) -> Option<DraftsFile> {
        self.by_id.remove(id)?;
        self.file()
    }

    fn file(&self) -> Option<DraftsFile> {
        Some(DraftsFile {
            path: self.path.clone()?,
            drafts: self.by_id.clone(),
        })
    }
}

/// The drafts file as it must be written next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftsFile {
    pub path: PathBuf,
    pub drafts: BTreeMap<String, Draft>,
}

impl DraftsFile {
    /// Writes it whole under a temporary name, then renames it into place, so a crash
    /// leaves the old file or the new one. 0600: drafts can hold internal notes.
    pub fn write(&self) -> Result<(), String> {
        write_atomically(&self.path, &self.drafts)
            .map_err(|e| format!("cannot save drafts to {}: {e}", self.path.display()))
    }
}

fn write_atomically(path: &Path, drafts: &BTreeMap<String, Draft>) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir)?;
    }
    let text = serde_json::to_string_pretty(drafts).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&tmp)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: i64, email: &str) -> User {
        User {
            id,
            email: email.into(),
            name: email.into(),
            role: crate::domain::model::Role::Agent,
            active: true,
            created_at: 0,
        }
    }

    #[test]
    fn each_account_on_a_desk_has_its_own_drafts_file() {
        let dir = Path::new("/data");
        let url = "http://127.0.0.1:8080";
        let almaz = Drafts::path_for(dir, url, &person(1, "almaz@example.com"));
        let mike = Drafts::path_for(dir, url, &person(2, "mike@example.com"));
        assert_ne!(almaz, mike);
        assert_ne!(
            almaz,
            Drafts::path_for(dir, "/srv/desk.db", &person(1, "almaz@example.com"))
        );
        assert_eq!(
            almaz,
            Drafts::path_for(dir, url, &person(1, "almaz@example.com"))
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_drafts_file_is_the_owners_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("drafts").join("x.json");
        let (mut drafts, _) = Drafts::open(path.clone());
        let draft = Draft {
            text: "internal: customer is on the watch list".into(),
            internal: true,
            title: String::new(),
            files: Vec::new(),
        };
        drafts
            .keep("comment:TKT-1", draft)
            .expect("changed")
            .write()
            .expect("written");
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = std::fs::metadata(path.parent().expect("dir"))
            .expect("dir")
            .permissions()
            .mode();
        assert_eq!(
            dir_mode & 0o077,
            0,
            "the drafts directory is not readable by others"
        );
    }

    #[test]
    fn drafts_survive_a_restart_and_go_when_discarded() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("drafts.json");
        let (mut drafts, warning) = Drafts::open(path.clone());
        assert!(warning.is_none());
        let draft = Draft {
            text: "Rebooted the router".into(),
            internal: true,
            title: String::new(),
            files: Vec::new(),
        };
        let file = drafts
            .keep("comment:TKT-1", draft.clone())
            .expect("changed");
        file.write().expect("written");
        assert!(
            drafts.keep("comment:TKT-1", draft.clone()).is_none(),
            "unchanged"
        );
        let (again, _) = Drafts::open(path.clone());
        assert_eq!(again.get("comment:TKT-1"), Some(&draft));
        drafts
            .discard("comment:TKT-1")
            .expect("changed")
            .write()
            .expect("written");
        let (again, _) = Drafts::open(path);
        assert!(again.is_empty());
    }

    #[test]
    fn an_unreadable_file_is_set_aside_not_overwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("drafts.json");
        std::fs::write(&path, "{ not json").expect("write");
        let (drafts, warning) = Drafts::open(path.clone());
        assert!(drafts.is_empty());
        assert!(warning.is_some_and(|w| w.contains("unreadable")));
        let aside = std::fs::read_to_string(path.with_extension("json.unreadable")).expect("kept");
        assert_eq!(aside, "{ not json");
    }
}
