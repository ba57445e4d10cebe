//! The project's automation, as a library so that tests can run the same checks as `cargo xtask`.

pub mod bench;
mod bench_offsite;
pub mod bench_verify;
pub mod codegen;
pub mod demo;
pub mod man;
pub mod node;
pub mod spec_check;

use std::path::{Path, PathBuf};

/// The workspace root (xtask lives one level below it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask is inside the workspace")
        .to_path_buf()
}
