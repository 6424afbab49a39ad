//! The real `desk serve` binary as a child process on a loopback port, for the tests
//! that must kill it with SIGKILL and start it again on the same database.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::server::TestDb;

/// A child process killed when dropped, so a failing test leaves no server behind
/// (one would hold the build lock's inherited file descriptor).
pub struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A desk on `db` with an admin and that admin's token, served by the real binary.
pub struct ServeProcess {
    pub db: TestDb,
    pub token: String,
    pub port: u16,
    /// `http://127.0.0.1:PORT/api/v1`
    pub base: String,
    dir: tempfile::TempDir,
    config: std::path::PathBuf,
}

impl ServeProcess {
    /// Prepares the database (defaults, `admin@example.com`, a token) and writes
    /// `config_toml` as the server's config. Nothing runs until [`ServeProcess::spawn`].
    pub async fn prepare(config_toml: &str) -> ServeProcess {
        let db = TestDb::new().await;
        let location = db.location();
        let store = desk::store::Store::open(&location).await.expect("store");
        let service = desk::service::Service::new(store, desk::service::ServiceConfig::default());
        service.seed_defaults().await.expect("defaults");
        let admin = service
            .insert_user(
                desk::service::NewUser {
                    email: "admin@example.com".into(),
                    name: "Admin".into(),
                    role: desk::domain::model::Role::Admin,
                },
                None,
            )
            .await
            .expect("admin");
        let token = service
            .issue_token(&admin, "test", 0)
            .await
            .expect("token")
            .token;
        service.store().close().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("server.toml");
        std::fs::write(&config, config_toml).expect("config");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        ServeProcess {
            db,
            token,
            port,
            base: format!("http://127.0.0.1:{port}/api/v1"),
            dir,
            config,
        }
    }

    /// Starts `desk serve` and waits until it accepts connections.
    pub async fn spawn(&self) -> Child {
        let child = Command::new(env!("CARGO_BIN_EXE_desk"))
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{}", self.port),
                "--db",
                &self.db.location(),
            ])
            .env("DESK_CONFIG", &self.config)
            .env("DESK_DATA_DIR", self.dir.path().join("data"))
            .env("TMPDIR", self.tmp())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map(Child)
            .expect("desk serve");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "desk serve did not start"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child
    }

    /// The server's own temporary directory (where uploads are spooled).
    pub fn tmp(&self) -> std::path::PathBuf {
        let tmp = self.dir.path().join("tmp");
        let _ = std::fs::create_dir_all(&tmp);
        tmp
    }
}
