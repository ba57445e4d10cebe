//! `bosbase-backups upload FILE [--name NAME]`.

use std::path::PathBuf;

use bosbase_backups::{BackupName, Progress};
use clap::Args;

use crate::cli::Global;
use crate::cmd::{listed, note, print_backup, progress_bar, usage};
use crate::error::CliError;
use crate::output::human_size;
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct UploadArgs {
    /// The zip to upload
    file: PathBuf,
    /// The backup's name on the server [default: the file's name]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// Skip the check that FILE is a zip with a data.db (a backup the server can restore)
    #[arg(long)]
    force: bool,
}

impl UploadArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let file = &self.file;
        let shown = file.display();
        let meta = std::fs::metadata(file)
            .map_err(|e| CliError::io(format!("cannot read {shown}"), &e))?;
        if !meta.is_file() {
            return Err(CliError::usage(format!("{shown} is not a file")));
        }
        let name = match self.name {
            Some(name) => BackupName::new(name).map_err(usage)?,
            None => {
                let own = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                BackupName::new(own).map_err(|e| {
                    CliError::usage(format!(
                        "{e}; that is the file's name: give the backup a valid one with --name"
                    ))
                })?
            }
        };
        // Checked here, before the login, so that bad input sends nothing; the SDK need not
        // check it again.
        if !self.force {
            bosbase_backups::verify_file(file)
                .await
                .map_err(|e| CliError::usage(format!("{e}; pass --force to upload it anyway")))?;
        }
        let s = Session::login(g).await?;
        let bar = progress_bar(g, "uploading", Some(meta.len()));
        let mut request = s
            .client
            .backups()
            .upload_file(file)
            .name(name.as_str())
            .force(true);
        if let Some(bar) = bar.clone() {
            request = request.progress(move |p: Progress| {
                bar.set_position(p.transferred);
                if p.total == Some(p.transferred) {
                    bar.set_message("sent; the server is storing it");
                }
            });
        }
        let result = request.await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let key = result?;
        let backup = listed(g, &s.client, &key, "uploaded").await?;
        note(
            g,
            &format!("uploaded {shown} as {key} ({})", human_size(backup.size)),
        );
        print_backup(g, &backup)
    }
}

const HELP: &str = "\
Before anything is sent, FILE is checked: its name (or --name) must be a valid backup name, and
it must be a zip whose central directory lists a data.db, as the server's backups do (a restore
of anything else fails). --force skips the zip check, not the name check.

--json: {\"key\": \"moved.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}

Examples:
  bosbase-backups upload ./nightly.zip
  bosbase-backups upload ./export.zip --name moved_from_staging.zip";
