//! `cargo xtask man [DIR]`: the man pages of `bosbase-backups` (default `target/man/`), written by
//! the CLI crate's `man` example from the CLI's own clap definitions. (Run, not linked: xtask must
//! build while the generated client does not, for `cargo xtask codegen`.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the pages go by default.
pub fn default_dir() -> PathBuf {
    crate::workspace_root().join("target/man")
}

/// Writes the pages into `dir`.
pub fn write(dir: &Path) -> Result<(), String> {
    let status = Command::new(env!("CARGO"))
        .current_dir(crate::workspace_root())
        .args([
            "run",
            "-q",
            "-p",
            "bosbase-backups-cli",
            "--example",
            "man",
            "--",
        ])
        .arg(dir)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err("writing the man pages failed".into())
    }
}
