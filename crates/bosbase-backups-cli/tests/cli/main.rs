//! The `bosbase-backups` binary against real PocketBase servers (one per test), run as a user or
//! a script would: with the environment, stdin that is not a terminal, and its exit codes.

mod encryption;
mod errors;
mod help;
mod lifecycle;
mod offsite;
mod output;
mod prune;
mod restore;
mod settings;
mod verify;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Asserts success and returns stdout.
    #[track_caller]
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "{self:#?}");
        &self.stdout
    }

    /// Asserts the exit code and one `error: ` line on stderr; returns that line.
    #[track_caller]
    pub fn fails(&self, code: i32) -> &str {
        assert_eq!(self.code, code, "{self:#?}");
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_else(|| panic!("no error line: {self:#?}"));
        assert_eq!(
            self.stderr
                .lines()
                .filter(|l| l.starts_with("error"))
                .count(),
            1,
            "{self:#?}"
        );
        line
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.ok()).unwrap_or_else(|e| panic!("not JSON ({e}): {self:#?}"))
    }
}

/// The binary with a clean environment: no BOSBASE_* of the caller, stdin not a terminal.
pub fn bare() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bosbase-backups"));
    for var in [
        "BOSBASE_URL",
        "BOSBASE_TOKEN",
        "BOSBASE_EMAIL",
        "BOSBASE_PASSWORD",
        "BOSBASE_S3_SECRET",
    ] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null());
    cmd
}

/// The binary, logged in to `server` as its superuser through the environment.
pub fn cli(server: &TestServer) -> Command {
    let mut cmd = bare();
    cmd.env("BOSBASE_URL", server.url())
        .env("BOSBASE_EMAIL", EMAIL)
        .env("BOSBASE_PASSWORD", PASSWORD);
    cmd
}

/// Runs `cmd` with `args`.
pub fn run(mut cmd: Command, args: &[&str]) -> Run {
    Run::from(cmd.args(args).output().expect("the binary runs"))
}

/// Runs `cmd` with `args` and `input` on stdin.
pub fn run_with_stdin(mut cmd: Command, args: &[&str], input: &str) -> Run {
    let mut child = cmd
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The binary may fail (and close its stdin) before it reads: not an error here.
    let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
    Run::from(child.wait_with_output().unwrap())
}

/// The keys the server lists, sorted.
pub fn keys(server: &TestServer) -> Vec<String> {
    let mut keys: Vec<String> = run(cli(server), &["list", "--json"])
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().unwrap().to_string())
        .collect();
    keys.sort();
    keys
}

/// Writes a small zip of the named entries, each holding a real PocketBase database, to `path`.
pub fn write_backup_zip(path: &Path, entries: &[&str]) {
    let entries: Vec<(&str, &[u8])> = entries
        .iter()
        .map(|n| (*n, bosbase_backups_tests::pocketbase_db()))
        .collect();
    bosbase_backups_tests::write_zip(path, &entries);
}

/// A plain HTTP call to the server, for what the CLI does not do (records, collections).
pub fn http(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    server.http(method, path, token, body).unwrap()
}

/// A superuser token for `server`.
pub fn superuser_token(server: &TestServer) -> String {
    server.superuser_token()
}

/// Creates the `notes` collection with `n` records.
pub fn add_notes(server: &TestServer, n: usize) {
    let token = superuser_token(server);
    let (status, body) = http(
        server,
        "POST",
        "/api/collections",
        Some(&token),
        Some(serde_json::json!({
            "name": "notes", "type": "base", "fields": [{"name": "title", "type": "text"}]
        })),
    );
    assert_eq!(status, 200, "{body}");
    for i in 0..n {
        let (status, body) = http(
            server,
            "POST",
            "/api/collections/notes/records",
            Some(&token),
            Some(serde_json::json!({"title": format!("note {i}")})),
        );
        assert_eq!(status, 200, "{body}");
    }
}

/// The titles of the notes, sorted.
pub fn notes(server: &TestServer) -> Vec<String> {
    let token = superuser_token(server);
    let (status, body) = http(
        server,
        "GET",
        "/api/collections/notes/records?perPage=100&sort=title",
        Some(&token),
        None,
    );
    assert_eq!(status, 200, "{body}");
    body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap().to_string())
        .collect()
}

/// Deletes every note.
pub fn delete_notes(server: &TestServer) {
    let token = superuser_token(server);
    let (_, body) = http(
        server,
        "GET",
        "/api/collections/notes/records?perPage=100",
        Some(&token),
        None,
    );
    for r in body["items"].as_array().unwrap() {
        let path = format!(
            "/api/collections/notes/records/{}",
            r["id"].as_str().unwrap()
        );
        let (status, body) = http(server, "DELETE", &path, Some(&token), None);
        assert_eq!(status, 204, "{body}");
    }
}

/// Filters that make outputs comparable across runs: ports, times, sizes, auto names, temp dirs.
pub fn stable(dir: Option<&Path>) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    if let Some(dir) = dir {
        s.add_filter(&regex_escape(&dir.display().to_string()), "[TMP]");
    }
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    s.add_filter(r"pb_backup_\w+?_\d{14}\.zip", "pb_backup_[APP]_[TIME].zip");
    // list table rows (after the auto name filter): key, size, time.
    s.add_filter(
        r"(?m)^(\S+) +\d+(\.\d)? (B|KiB|MiB)  \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$",
        "$1  [SIZE]  [TIME]",
    );
    s.add_filter(r"(?m)^KEY +SIZE  MODIFIED$", "KEY  SIZE  MODIFIED");
    s.add_filter(r"\d+(\.\d)? (B|KiB|MiB)\b", "[SIZE]");
    s.add_filter(r#""size": \d+"#, r#""size": [SIZE]"#);
    s.add_filter(
        r#""modified": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z""#,
        r#""modified": "[TIME]""#,
    );
    s.add_filter(r"\d+\.\d s\b", "[SECS] s");
    s.add_filter(r#""waited_seconds": [\d.]+"#, r#""waited_seconds": [SECS]"#);
    s
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '/' || c == '_' || c == '-' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}
