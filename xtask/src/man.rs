//! `cargo xtask man [DIR]`: the man pages of `bosbase-backups`, from the same clap definitions as
//! the parser and `--help`: `bosbase-backups.1`, and `bosbase-backups-<command>.1` for each command.

use std::path::{Path, PathBuf};

/// Where the pages go by default.
pub fn default_dir() -> PathBuf {
    crate::workspace_root().join("target/man")
}

/// Writes the pages into `dir` and returns their paths.
pub fn write(dir: &Path) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let top = bosbase_backups_cli::command();
    let mut pages = vec![(top.get_name().to_string(), top.clone())];
    for sub in top.get_subcommands() {
        // clap takes command names as `&'static str`: a few bytes, once per run.
        let name: &'static str = format!("{}-{}", top.get_name(), sub.get_name()).leak();
        pages.push((name.to_string(), sub.clone().name(name)));
    }
    let mut written = Vec::new();
    for (name, command) in pages {
        let mut out = Vec::new();
        clap_mangen::Man::new(command)
            .render(&mut out)
            .map_err(|e| format!("cannot render the man page {name}: {e}"))?;
        let path = dir.join(format!("{name}.1"));
        std::fs::write(&path, out).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}
