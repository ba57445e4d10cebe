//! `cargo xtask spec-check`: proves spec/backups.yaml true to a real PocketBase, and usable from
//! another language.
//!
//! 1. Installs the pinned Python tools (`spec-check/requirements.txt`: schemathesis,
//!    openapi-python-client) into `target/spec-check/venv`, once per version of that file.
//! 2. On a fresh server, which has no backup to restore: schemathesis on `restoreBackup` alone
//!    (nothing can succeed, so the server never restarts under it), then `explicit_check.py`:
//!    requests random testing may miss (every way to create a backup without a name, each kind
//!    of download answer) and a real restore, all through the spec's requests, every answer
//!    validated against the spec.
//! 3. On a fresh server: schemathesis on every other operation (examples, coverage, fuzzing and
//!    stateful phases; the checks and the auth are in `spec-check/schemathesis.toml` and
//!    `spec-check/hooks.py`).
//! 4. On a fresh server: a Python client generated from the spec by openapi-python-client runs
//!    `spec-check/client_check.py`, the backup lifecycle.
//! 5. On a fresh server: a TypeScript client (openapi-typescript types, openapi-fetch, compiled
//!    with `tsc --strict`) runs `spec-check/ts/client_check.ts`: the backup lifecycle and the
//!    backup schedule, which it puts back as it was.
//!
//! Any mismatch fails the command. Fix the spec (then `cargo xtask codegen`), never the checks.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use bosbase_backups_tests::TestServer;

/// The spec, relative to the workspace root (schemathesis runs there: the hooks path is relative).
pub(crate) const SPEC: &str = "spec/backups.yaml";

fn spec_check_dir() -> PathBuf {
    crate::workspace_root().join("spec-check")
}

/// Where the venv, the generated client and the reports go.
fn work_dir() -> PathBuf {
    bosbase_backups_tests::target_dir().join("spec-check")
}

/// `cargo xtask spec-check`.
pub fn run() -> Result<(), String> {
    let started = Instant::now();
    let venv = install_tools()?;

    step("restoreBackup, random requests, on a server with nothing to restore");
    {
        let server = start_server();
        on_failure(
            &server,
            schemathesis(
                &venv,
                &server,
                &[
                    "--include-operation-id",
                    "restoreBackup",
                    // No links lead to restoreBackup: the stateful phase has nothing to do.
                    "--phases",
                    "examples,coverage,fuzzing",
                ],
                "restore",
            ),
        )?;

        step("unnamed creates, every kind of download, a real restore (explicit_check.py)");
        let mut command = python(&venv);
        command
            .arg(spec_check_dir().join("explicit_check.py"))
            .arg(SPEC)
            .arg(server.url());
        on_failure(&server, run_step(&mut command, "explicit_check.py"))?;
    }

    step("every other operation, random requests and chains of calls (schemathesis)");
    {
        let server = start_server();
        on_failure(
            &server,
            schemathesis(
                &venv,
                &server,
                &["--exclude-operation-id", "restoreBackup"],
                "operations",
            ),
        )?;
    }

    step("a Python client generated from the spec (openapi-python-client, client_check.py)");
    {
        let client_root = work_dir().join("python");
        let package = client_root.join("backups_client");
        let _ = fs::remove_dir_all(&client_root);
        fs::create_dir_all(&client_root)
            .map_err(|e| format!("cannot create {}: {e}", client_root.display()))?;
        let mut generate = tool(&venv, "openapi-python-client");
        generate
            .args(["generate", "--path", SPEC, "--config"])
            .arg(spec_check_dir().join("openapi-python-client.yaml"))
            .args(["--meta", "none", "--fail-on-warning", "--output-path"])
            .arg(&package);
        run_step(&mut generate, "openapi-python-client generate")?;

        let server = start_server();
        let mut command = python(&venv);
        command
            .env("PYTHONPATH", &client_root)
            .arg(spec_check_dir().join("client_check.py"))
            .arg(server.url());
        on_failure(&server, run_step(&mut command, "client_check.py"))?;
    }

    step("a TypeScript client generated from the spec (openapi-typescript, openapi-fetch)");
    {
        let node = crate::node::install_tools()?;
        let server = start_server();
        on_failure(
            &server,
            crate::node::typescript_client(&node, &server.url()),
        )?;
    }

    println!(
        "\nspec-check: spec/backups.yaml matches the server, and its Python and TypeScript clients work \
         ({:.0} s)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

pub(crate) fn step(what: &str) {
    println!("\n== spec-check: {what}");
}

/// Installs `spec-check/requirements.txt` into `target/spec-check/venv` unless that exact file is
/// installed already. Returns the venv.
fn install_tools() -> Result<PathBuf, String> {
    let requirements_path = spec_check_dir().join("requirements.txt");
    let requirements = fs::read_to_string(&requirements_path)
        .map_err(|e| format!("cannot read {}: {e}", requirements_path.display()))?;
    let work = work_dir();
    fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    let venv = work.join("venv");
    // What was installed: a copy of requirements.txt, written last.
    let stamp = venv.join("installed-requirements.txt");

    // Two spec-checks at once must not build the same venv.
    let lock = File::create(work.join("venv.lock"))
        .map_err(|e| format!("cannot create the install lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("cannot take the install lock: {e}"))?;
    if fs::read_to_string(&stamp).is_ok_and(|s| s == requirements) {
        println!(
            "spec-check: the pinned Python tools are installed ({})",
            venv.display()
        );
        return Ok(venv);
    }
    step("install the pinned Python tools (spec-check/requirements.txt)");
    let _ = fs::remove_dir_all(&venv);
    let mut create = Command::new("python3");
    create.args(["-m", "venv"]).arg(&venv);
    run_step(&mut create, "python3 -m venv").map_err(|e| {
        format!("{e}\nspec-check needs Python 3 with venv and pip, and PyPI reachable")
    })?;
    let mut install = Command::new(venv.join("bin/pip"));
    install
        .args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-input",
            "-r",
        ])
        .arg(&requirements_path);
    run_step(&mut install, "pip install -r spec-check/requirements.txt")?;
    fs::write(&stamp, &requirements)
        .map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(venv)
}

fn start_server() -> TestServer {
    let server = TestServer::start();
    println!("spec-check: PocketBase at {}", server.url());
    server
}

/// Runs schemathesis against `server` with the project's config and the spec.
fn schemathesis(
    venv: &Path,
    server: &TestServer,
    args: &[&str],
    report: &str,
) -> Result<(), String> {
    let reports = work_dir().join("reports").join(report);
    let _ = fs::remove_dir_all(&reports);
    let mut command = tool(venv, "schemathesis");
    command
        .arg("--config-file")
        .arg(spec_check_dir().join("schemathesis.toml"))
        .args(["run", SPEC, "--url"])
        .arg(server.url())
        .args(args)
        .args(["--report", "junit,har", "--report-dir"])
        .arg(&reports);
    run_step(&mut command, "schemathesis").map_err(|e| {
        format!(
            "{e}\nThe spec and the server disagree (above: each failure, and a curl command that \
             reproduces it; the requests are in {}). Fix spec/backups.yaml, then run `cargo xtask \
             codegen`.",
            reports.display()
        )
    })
}

fn tool(venv: &Path, name: &str) -> Command {
    let mut command = Command::new(venv.join("bin").join(name));
    python_env(&mut command);
    command
}

fn python(venv: &Path) -> Command {
    tool(venv, "python")
}

fn python_env(command: &mut Command) {
    command
        .current_dir(crate::workspace_root())
        // Nothing written into the workspace: no __pycache__ beside the scripts, and hypothesis's
        // caches under target/.
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env(
            "HYPOTHESIS_STORAGE_DIRECTORY",
            work_dir().join("hypothesis"),
        )
        .env("PYTHONUNBUFFERED", "1");
}

/// Runs `command` with its output on the terminal; a non-zero exit is an error naming `what`.
pub(crate) fn run_step(command: &mut Command, what: &str) -> Result<(), String> {
    let started = Instant::now();
    let status = command
        .status()
        .map_err(|e| format!("cannot run {what} ({:?}): {e}", command.get_program()))?;
    if status.success() {
        println!(
            "spec-check: {what} passed ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Adds the end of the server's log to a failure: what the server said about it.
fn on_failure(server: &TestServer, result: Result<(), String>) -> Result<(), String> {
    result.map_err(|mut e| {
        let log = server.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(30)..];
        let _ = write!(
            e,
            "\nThe last lines of the server's log:\n  {}",
            tail.join("\n  ")
        );
        e
    })
}
