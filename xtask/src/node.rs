//! The npm tools of `cargo xtask spec-lint` and `spec-check` (Redocly CLI, openapi-typescript,
//! openapi-fetch, TypeScript), pinned by `spec-check/node/package.json` and its
//! `package-lock.json`, installed with `npm ci` into `target/spec-check/node` once per version of
//! those two files.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::spec_check::{SPEC, run_step, step};

/// The committed package files.
fn package_dir() -> PathBuf {
    crate::workspace_root().join("spec-check/node")
}

/// Where they are installed.
pub fn install_dir() -> PathBuf {
    bosbase_backups_tests::target_dir().join("spec-check/node")
}

/// Installs the pinned npm tools unless exactly these are installed already. Returns the install
/// directory (with `node_modules/`).
pub fn install_tools() -> Result<PathBuf, String> {
    let dir = install_dir();
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut wanted = String::new();
    for name in ["package.json", "package-lock.json"] {
        let path = package_dir().join(name);
        let text = fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        wanted.push_str(&text);
    }
    // Two runs at once must not install into the same directory.
    let lock = File::create(dir.with_extension("lock"))
        .map_err(|e| format!("cannot create the npm install lock: {e}"))?;
    lock.lock()
        .map_err(|e| format!("cannot take the npm install lock: {e}"))?;
    let stamp = dir.join("installed-packages.txt");
    if fs::read_to_string(&stamp).is_ok_and(|s| s == wanted) {
        return Ok(dir);
    }
    step("install the pinned npm tools (spec-check/node/package-lock.json)");
    let _ = fs::remove_file(&stamp);
    for name in ["package.json", "package-lock.json"] {
        fs::copy(package_dir().join(name), dir.join(name))
            .map_err(|e| format!("cannot copy {name} into {}: {e}", dir.display()))?;
    }
    let mut ci = Command::new("npm");
    ci.current_dir(&dir)
        .args(["ci", "--ignore-scripts", "--no-audit", "--no-fund"]);
    run_step(&mut ci, "npm ci").map_err(|e| {
        format!("{e}\nspec-lint and spec-check need Node.js 20 or later with npm, and npm's registry reachable")
    })?;
    fs::write(&stamp, &wanted).map_err(|e| format!("cannot write {}: {e}", stamp.display()))?;
    Ok(dir)
}

/// A tool of `node_modules/.bin`, run in the workspace root.
pub fn tool(dir: &Path, name: &str) -> Command {
    let mut command = Command::new(dir.join("node_modules/.bin").join(name));
    command.current_dir(crate::workspace_root());
    command
}

/// `cargo xtask spec-lint`: Redocly's recommended ruleset on the spec, failing on any error or
/// warning.
pub fn lint() -> Result<(), String> {
    let dir = install_tools()?;
    step("redocly lint --extends=recommended spec/backups.yaml");
    let mut lint = tool(&dir, "redocly");
    lint.args(["lint", "--extends=recommended", "--max-problems=100", SPEC])
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    let output = lint
        .output()
        .map_err(|e| format!("cannot run redocly: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    print!("{text}");
    // Redocly exits 0 on warnings; it says "You have N warning(s)." instead.
    if !output.status.success() || text.contains("You have ") {
        return Err(
            "redocly lint found problems in spec/backups.yaml (above); fix every error and warning"
                .into(),
        );
    }
    println!("spec-lint: 0 errors, 0 warnings");
    Ok(())
}

/// Generates TypeScript types from the spec (openapi-typescript), compiles
/// `spec-check/ts/client_check.ts` against them with `tsc --strict`, and runs it (openapi-fetch)
/// against the server at `url`.
pub fn typescript_client(dir: &Path, url: &str) -> Result<(), String> {
    // Under the install dir, so that node finds openapi-fetch in its node_modules.
    let build = dir.join("ts");
    let _ = fs::remove_dir_all(&build);
    fs::create_dir_all(&build).map_err(|e| format!("cannot create {}: {e}", build.display()))?;
    let mut generate = tool(dir, "openapi-typescript");
    generate
        .arg(SPEC)
        .arg("--output")
        .arg(build.join("schema.d.ts"));
    run_step(&mut generate, "openapi-typescript")?;
    let source = build.join("client_check.ts");
    fs::copy(
        crate::workspace_root().join("spec-check/ts/client_check.ts"),
        &source,
    )
    .map_err(|e| format!("cannot copy client_check.ts: {e}"))?;
    let mut compile = tool(dir, "tsc");
    // In the install dir, where tsc finds @types/node.
    compile
        .current_dir(dir)
        .args([
            "--strict",
            "--noEmitOnError",
            "--target",
            "es2022",
            "--module",
            "nodenext",
            "--moduleResolution",
            "nodenext",
            "--types",
            "node",
        ])
        .arg(&source);
    run_step(&mut compile, "tsc --strict client_check.ts")?;
    let mut check = Command::new("node");
    check.arg(build.join("client_check.js")).arg(url);
    run_step(&mut check, "client_check.ts")
}
