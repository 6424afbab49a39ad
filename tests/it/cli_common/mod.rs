//! Running the real `desk` binary the way a script does, with everything it reads
//! (config, data directory, local store, home) inside a temp directory.
//!
//! Used by the `cli_*` modules through `crate::cli_common`.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Variables that would let the developer's own setup leak into a test.
const SCRUBBED: [&str; 14] = [
    "DESK_CONFIG",
    "DESK_SERVER_URL",
    "DESK_TOKEN",
    "DESK_DATA_DIR",
    "DESK_DB",
    "DESK_DATABASE_URL",
    "DESK_KEY_PREFIX",
    "DESK_USER_EMAIL",
    "DESK_ROLE",
    "DESK_LISTEN",
    "DESK_REFRESH_INTERVAL",
    "NO_COLOR",
    "VISUAL",
    "EDITOR",
];

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with everything the command said unless it exited with `code`.
    #[track_caller]
    pub fn expect(&self, code: i32) -> &Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Success, and the stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        self.expect(0);
        &self.stdout
    }

    /// A failure as scripts need it: `code`, nothing on stdout, one line on stderr
    /// that contains `says`.
    #[track_caller]
    pub fn fails(&self, code: i32, says: &str) {
        self.expect(code);
        assert_eq!(self.stdout, "", "stdout must stay empty on failure");
        if code != 2 {
            // clap's own usage errors come with a usage block; ours are one line.
            assert_eq!(
                self.stderr.trim_end().lines().count(),
                1,
                "one line on stderr: {:?}",
                self.stderr
            );
            assert!(self.stderr.starts_with("desk: "), "{:?}", self.stderr);
        }
        assert!(
            self.stderr.to_lowercase().contains(&says.to_lowercase()),
            "stderr {:?} should say {says:?}",
            self.stderr
        );
    }

    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(self.ok())
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// A sandbox: a temp dir holding the config file, the data directory and the store.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    /// Extra environment for every run.
    pub env: Vec<(String, String)>,
}

impl Sandbox {
    /// A local desk acting as `role` (admin unless told otherwise).
    pub fn new() -> Sandbox {
        Sandbox::with_config("")
    }

    /// A sandbox whose config file has `extra` appended to the `[local]` table.
    pub fn with_config(extra: &str) -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = format!(
            "[local]\ndatabase = \"desk.db\"\nuser_email = \"sam@example.com\"\nuser_name = \"Sam Admin\"\n{extra}"
        );
        std::fs::write(dir.path().join("config.toml"), config).expect("config");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        Sandbox {
            dir,
            env: Vec::new(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn config(&self) -> PathBuf {
        self.path().join("config.toml")
    }

    pub fn database(&self) -> PathBuf {
        self.path().join("desk.db")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.path().join("data")
    }

    pub fn set(&mut self, name: &str, value: &str) {
        self.env.retain(|(n, _)| n != name);
        self.env.push((name.into(), value.into()));
    }

    /// The binary with the sandbox's environment, stdin from nowhere.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_desk"));
        for var in SCRUBBED {
            cmd.env_remove(var);
        }
        let home = self.path().join("home");
        cmd.env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("DESK_DATA_DIR", self.data_dir())
            .env("DESK_CONFIG", self.config())
            .env("RUST_BACKTRACE", "0")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in &self.env {
            cmd.env(name, value);
        }
        cmd
    }

    /// Runs `desk ARGS` with stdin from nowhere.
    pub fn run(&self, args: &[&str]) -> Run {
        finish(self.command(args))
    }

    /// Runs `desk ARGS` with `input` on stdin.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        finish_with_stdin(self.command(args), input)
    }
}

/// Runs a prepared command (from [`Sandbox::command`]) to the end.
pub fn finish(mut cmd: Command) -> Run {
    collect(cmd.spawn().expect("desk starts"))
}

/// Runs a prepared command with `input` on its stdin.
pub fn finish_with_stdin(mut cmd: Command, input: &str) -> Run {
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("desk starts");
    if let Some(mut stdin) = child.stdin.take() {
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    collect(child)
}

fn collect(child: std::process::Child) -> Run {
    let out = child.wait_with_output().expect("desk finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `value` without the keys that are computed at the moment of reading (so two reads a
/// few milliseconds apart compare equal).
pub fn settled(mut value: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(map) => {
                if let Some(Value::Object(sla)) = map.get_mut("sla") {
                    sla.remove("breached");
                }
                for child in map.values_mut() {
                    walk(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut value);
    value
}
