//! `cargo xtask demo`: the CLI through a whole backup lifecycle against a real PocketBase.
//!
//! Builds the `bosbase-backups` binary, starts the pinned PocketBase (the test harness's
//! `TestServer`: fresh data dir, free loopback port) with a `notes` collection of three records,
//! then runs the binary as a user would and prints each command line (never a secret) with its
//! output: health, create, list, download, upload under a new name, a download URL, a change of
//! the data, a restore that waits for the restart, the data back, prune, and a few refusals with
//! their exit codes. Every step is checked; the first one that does not do what it should fails
//! the demo. The server and the temporary files are gone when it returns, failed or not.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use bosbase_backups_tests::{EMAIL, PASSWORD, POCKETBASE_VERSION, TestServer};

use crate::workspace_root;

/// Runs the demo. `Err` says which step failed.
pub fn run() -> Result<(), String> {
    let started = Instant::now();
    heading("building the CLI: cargo build -p bosbase-backups-cli");
    // Debug, not release: it reuses what `cargo build` and `cargo test` already compiled (a
    // release build compiles every dependency again, minutes on a small machine), and the demo's
    // data is tiny, so the binary's speed does not matter here.
    let bin = build_cli()?;
    println!("built {}", bin.display());

    heading(&format!(
        "starting PocketBase {POCKETBASE_VERSION} (pinned) on a free port"
    ));
    let server = std::panic::catch_unwind(TestServer::start)
        .map_err(|_| "PocketBase did not start (see the message above)".to_string())?;
    let dir = tempfile::Builder::new()
        .prefix("bosbase-demo-")
        .tempdir()
        .map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let demo = Demo {
        bin,
        server: &server,
        dir: dir.path(),
    };
    let result = demo.lifecycle();
    // `server` and `dir` drop here: PocketBase stopped, its data dir and our files removed.
    drop(server);
    drop(dir);
    match result {
        Ok(()) => {
            heading(&format!(
                "demo passed in {:.1} s; PocketBase is stopped and the temporary files are removed",
                started.elapsed().as_secs_f64()
            ));
            Ok(())
        }
        Err(e) => Err(format!(
            "demo failed: {e} (PocketBase is stopped and the temporary files are removed)"
        )),
    }
}

fn heading(text: &str) {
    println!("\n== {text}");
}

/// `cargo build -p bosbase-backups-cli`, and the path of the binary it built.
fn build_cli() -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "-p",
            "bosbase-backups-cli",
            "--bin",
            "bosbase-backups",
            "--message-format=json-render-diagnostics",
        ])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !output.status.success() {
        return Err("cargo build -p bosbase-backups-cli failed (see above)".into());
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "bosbase-backups")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "cargo built no bosbase-backups binary".into())
}

struct Demo<'a> {
    bin: PathBuf,
    server: &'a TestServer,
    dir: &'a Path,
}

/// What a command did.
struct Ran {
    stdout: String,
}

impl Demo<'_> {
    fn lifecycle(&self) -> Result<(), String> {
        let url = self.server.url();
        heading("sample data: a `notes` collection with three records");
        self.add_notes(&["buy milk", "call the plumber", "back up the server"])?;
        self.show_notes()?;
        println!(
            "\nThe CLI gets its server and credentials from the environment:\n  \
             BOSBASE_URL={url} BOSBASE_EMAIL={EMAIL} BOSBASE_PASSWORD=<hidden>"
        );

        heading("is the server there, and can a backup start?");
        let health = self.cli(&["health"], 0)?;
        check(
            health.stdout.contains("can backup: yes"),
            "health should say a backup can start",
        )?;

        heading("back up: one named backup, one named by the server");
        let created = self.cli(&["create", "before_change.zip"], 0)?;
        check(
            created.stdout == "before_change.zip\n",
            "create should print the key",
        )?;
        let auto = self.cli(&["create"], 0)?;
        let auto_key = auto.stdout.trim().to_string();
        check(
            auto_key.starts_with("pb_backup_"),
            "create without a name should print the server's name",
        )?;
        let list = self.cli(&["list"], 0)?;
        check(
            list.stdout.contains("before_change.zip") && list.stdout.contains(&auto_key),
            "list should show both backups",
        )?;

        heading("move a backup: download it, upload it again under a new name");
        let local = self.dir.join("before_change.zip");
        let local_arg = local.to_str().ok_or("a non-UTF-8 temporary path")?;
        self.cli(&["download", "before_change.zip", "-o", local_arg], 0)?;
        let size = std::fs::metadata(&local)
            .map_err(|e| format!("the download is not at {}: {e}", local.display()))?
            .len();
        self.cli(&["upload", local_arg, "--name", "moved_copy.zip"], 0)?;
        let listed = self.cli(&["list", "--json"], 0)?;
        let listed: serde_json::Value = serde_json::from_str(&listed.stdout)
            .map_err(|e| format!("list --json printed no JSON: {e}"))?;
        let moved = listed
            .as_array()
            .and_then(|a| a.iter().find(|b| b["key"] == "moved_copy.zip"))
            .ok_or("the uploaded copy is not listed")?;
        check(
            moved["size"].as_u64() == Some(size),
            "the uploaded copy should have the downloaded size",
        )?;

        heading("a download URL for other tools (its file token is a secret: redacted here)");
        let url_out = self.cli_redacted(&["url", "moved_copy.zip"], 0)?;
        let fetched = http_get_len(self.server, url_out.stdout.trim())?;
        println!("(a plain GET of that URL answers 200 with {fetched} bytes)");
        check(fetched == size, "the URL should serve the whole backup")?;

        heading("change the data: delete every note");
        self.delete_notes()?;
        self.show_notes()?;

        heading("restore the moved copy, and wait until the server runs on it again");
        self.cli(&["restore", "moved_copy.zip", "--yes"], 0)?;
        let notes = self.show_notes()?;
        check(
            notes.len() == 3,
            "the three notes should be back after the restore",
        )?;
        println!("the data came back");

        heading("rotation: keep the newest 2 backups");
        let dry = self.cli(&["prune", "--keep-last", "2", "--dry-run"], 0)?;
        check(
            dry.stdout.trim() == "before_change.zip",
            "the dry run should name the oldest backup only",
        )?;
        self.cli(&["prune", "--keep-last", "2", "--yes"], 0)?;
        let after = self.cli(&["list"], 0)?;
        check(
            !after.stdout.contains("before_change.zip") && after.stdout.contains("moved_copy.zip"),
            "prune should have deleted the oldest backup only",
        )?;

        heading("refusals: one error line, a documented exit code, nothing sent for bad input");
        self.cli(&["create", "Weekly Backup.zip"], 2)?;
        self.cli(&["download", "missing.zip"], 4)?;
        self.cli(&["delete", "moved_copy.zip"], 2)?;
        self.cli_with(
            &["list"],
            3,
            &[("BOSBASE_PASSWORD", "not-the-password")],
            "BOSBASE_PASSWORD=<a wrong one> ",
        )?;
        self.cli_with(
            &["list"],
            8,
            &[("BOSBASE_URL", "http://127.0.0.1:9")],
            "BOSBASE_URL=http://127.0.0.1:9 ",
        )?;
        Ok(())
    }

    /// Runs the CLI with `args`, prints the command line and its output, checks the exit code.
    fn cli(&self, args: &[&str], expect: i32) -> Result<Ran, String> {
        self.cli_full(args, expect, &[], "", false)
    }

    /// Same, with the file token of a printed URL redacted.
    fn cli_redacted(&self, args: &[&str], expect: i32) -> Result<Ran, String> {
        self.cli_full(args, expect, &[], "", true)
    }

    /// Same, with extra environment (shown as `shown`, never the values themselves).
    fn cli_with(
        &self,
        args: &[&str],
        expect: i32,
        env: &[(&str, &str)],
        shown: &str,
    ) -> Result<Ran, String> {
        self.cli_full(args, expect, env, shown, false)
    }

    fn cli_full(
        &self,
        args: &[&str],
        expect: i32,
        env: &[(&str, &str)],
        shown: &str,
        redact: bool,
    ) -> Result<Ran, String> {
        let line = args
            .iter()
            .map(|a| {
                if a.contains(' ') {
                    format!("'{a}'")
                } else {
                    a.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(" ");
        println!("\n$ {shown}bosbase-backups {line}");
        let mut cmd = Command::new(&self.bin);
        for var in [
            "BOSBASE_URL",
            "BOSBASE_TOKEN",
            "BOSBASE_EMAIL",
            "BOSBASE_PASSWORD",
        ] {
            cmd.env_remove(var);
        }
        cmd.env("BOSBASE_URL", self.server.url())
            .env("BOSBASE_EMAIL", EMAIL)
            .env("BOSBASE_PASSWORD", PASSWORD)
            .envs(env.iter().copied())
            .args(args)
            .stdin(Stdio::null());
        let started = Instant::now();
        let output = cmd
            .output()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        let elapsed = started.elapsed().as_secs_f64();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let shown_stdout = if redact {
            redact_token(&stdout)
        } else {
            stdout.clone()
        };
        print!("{shown_stdout}");
        for l in stderr.lines() {
            println!("  [stderr] {l}");
        }
        let code = output.status.code().unwrap_or(-1);
        println!("  [exit {code}, {elapsed:.1} s]");
        // Whatever the command, no secret may show.
        if stdout.contains(PASSWORD) || stderr.contains(PASSWORD) {
            return Err(format!("`bosbase-backups {line}` printed the password"));
        }
        if code != expect {
            return Err(format!(
                "`bosbase-backups {line}` exited with {code}, expected {expect}"
            ));
        }
        Ok(Ran { stdout })
    }

    fn add_notes(&self, titles: &[&str]) -> Result<(), String> {
        let token = self.token()?;
        let (status, body) = http(
            self.server,
            "POST",
            "/api/collections",
            Some(&token),
            Some(serde_json::json!({
                "name": "notes", "type": "base", "fields": [
                    {"name": "title", "type": "text"},
                    {"name": "created", "type": "autodate", "onCreate": true}
                ]
            })),
        )?;
        if status != 200 {
            return Err(format!(
                "cannot create the notes collection: {status} {body}"
            ));
        }
        for title in titles {
            let (status, body) = http(
                self.server,
                "POST",
                "/api/collections/notes/records",
                Some(&token),
                Some(serde_json::json!({ "title": title })),
            )?;
            if status != 200 {
                return Err(format!("cannot add a note: {status} {body}"));
            }
        }
        Ok(())
    }

    /// Prints and returns the notes (id, title).
    fn show_notes(&self) -> Result<Vec<(String, String)>, String> {
        let token = self.token()?;
        let (status, body) = http(
            self.server,
            "GET",
            "/api/collections/notes/records?perPage=100&sort=created",
            Some(&token),
            None,
        )?;
        if status != 200 {
            return Err(format!("cannot read the notes: {status} {body}"));
        }
        let notes: Vec<(String, String)> = body["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|r| {
                        (
                            r["id"].as_str().unwrap_or_default().to_string(),
                            r["title"].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let titles: Vec<&str> = notes.iter().map(|(_, t)| t.as_str()).collect();
        println!(
            "notes on the server ({}): {}",
            notes.len(),
            if titles.is_empty() {
                "none".to_string()
            } else {
                titles.join(", ")
            }
        );
        Ok(notes)
    }

    fn delete_notes(&self) -> Result<(), String> {
        let token = self.token()?;
        for (id, _) in self.show_notes()? {
            let path = format!("/api/collections/notes/records/{id}");
            let (status, body) = http(self.server, "DELETE", &path, Some(&token), None)?;
            if status != 204 {
                return Err(format!("cannot delete a note: {status} {body}"));
            }
        }
        Ok(())
    }

    fn token(&self) -> Result<String, String> {
        let (status, body) = http(
            self.server,
            "POST",
            "/api/collections/_superusers/auth-with-password",
            None,
            Some(serde_json::json!({"identity": EMAIL, "password": PASSWORD})),
        )?;
        body["token"]
            .as_str()
            .filter(|_| status == 200)
            .map(str::to_string)
            .ok_or_else(|| format!("cannot log in: {status}"))
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok { Ok(()) } else { Err(what.to_string()) }
}

/// `...?token=SECRET` -> `...?token=<file token, redacted>`.
fn redact_token(text: &str) -> String {
    text.lines()
        .map(|l| match l.split_once("token=") {
            Some((before, _)) => format!("{before}token=<file token, redacted>\n"),
            None => format!("{l}\n"),
        })
        .collect()
}

/// The demo's own requests for the sample data (the CLI manages backups, not records): the
/// status and the JSON body.
fn http(
    server: &TestServer,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> Result<(u16, serde_json::Value), String> {
    server
        .http(method, path, token, body)
        .map_err(|e| format!("{method} {path} on PocketBase failed: {e}"))
}

/// GETs a full URL of the server; the body's length (an error unless 200).
fn http_get_len(server: &TestServer, url: &str) -> Result<u64, String> {
    let path = url
        .strip_prefix(&server.url())
        .ok_or("the URL is not the server's")?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n");
    match server.exchange(request.as_bytes()) {
        Ok((200, body)) => Ok(body.len() as u64),
        Ok((status, _)) => Err(format!("GET of the download URL answered {status}")),
        Err(e) => Err(format!("cannot GET the download URL: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_tokens_are_redacted() {
        assert_eq!(
            redact_token("http://h/api/backups/a.zip?token=eyJabc.def\n"),
            "http://h/api/backups/a.zip?token=<file token, redacted>\n"
        );
        assert_eq!(redact_token("no url\n"), "no url\n");
    }
}
