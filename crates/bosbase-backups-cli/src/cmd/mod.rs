//! Commands, one file each: a clap `Args` struct with `async fn run(self, g: &Global)`.

pub mod schedule;
pub mod storage;

use bosbase_backups::BackupInfo;

use crate::cli::Global;
use crate::commands::note;

/// Whether a listed key is a backup zip. A server that keeps its backups on S3 lists every object
/// of the bucket, and a bucket may be shared with other files.
pub fn is_backup_zip(key: &str) -> bool {
    key.ends_with(".zip") && !key.contains('/')
}

/// The backup zips of `list`; the other objects are left out with a note, so that no command
/// shows or deletes them as backups.
pub fn backup_zips(g: &Global, list: Vec<BackupInfo>) -> Vec<BackupInfo> {
    let (zips, others): (Vec<BackupInfo>, Vec<BackupInfo>) =
        list.into_iter().partition(|b| is_backup_zip(&b.key));
    if !others.is_empty() {
        let mut names: Vec<&str> = others.iter().map(|b| b.key.as_str()).take(5).collect();
        if others.len() > names.len() {
            names.push("...");
        }
        note(
            g,
            &format!(
                "note: skipped {} listed object(s) that are not backup zips (the server's S3 \
                 bucket holds other files too): {}",
                others.len(),
                names.join(", ")
            ),
        );
    }
    zips
}
