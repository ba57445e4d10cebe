//! `bosbase-backups create [NAME]`.

use bosbase_backups::BackupName;
use clap::Args;

use crate::cli::Global;
use crate::cmd::{listed, note, print_backup, usage};
use crate::error::CliError;
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct CreateArgs {
    /// The backup's name, [a-z0-9_-]+.zip (at most 150 characters); the server picks one when
    /// omitted
    name: Option<String>,
}

impl CreateArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let name = self.name.map(BackupName::new).transpose().map_err(usage)?;
        let s = Session::login(g).await?;
        note(
            g,
            &format!(
                "creating a backup on {} (a large one takes a while)",
                g.server()
            ),
        );
        let backup = match name {
            Some(name) => {
                s.client.backups().create(name.as_str()).await?;
                listed(g, &s.client, name.as_str(), "created").await?
            }
            None => s.client.backups().create_auto().await?,
        };
        print_backup(g, &backup)
    }
}

const HELP: &str = "\
The server writes the zip before it answers: a large backup takes a while. Only one backup or
restore runs at a time (exit code 5 when another one runs).

--json: {\"key\": \"nightly.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}

Examples:
  bosbase-backups create nightly_2026-11-26.zip
  bosbase-backups create          # named pb_backup_<app>_<yyyymmddhhmmss>.zip by the server";
