//! `bosbase-backups list`.

use clap::Args;

use crate::cli::Global;
use crate::cmd::{io_out, note};
use crate::error::CliError;
use crate::output::{self, BackupJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct ListArgs {}

impl ListArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let s = Session::login(g).await?;
        let backups = s.client.backups().list().await?;
        if g.json {
            let items: Vec<BackupJson> = backups.iter().map(BackupJson::from).collect();
            print_json(&items).map_err(io_out)
        } else if backups.is_empty() {
            note(g, &format!("no backups on {}", g.server()));
            Ok(())
        } else {
            print(&output::table(&backups)).map_err(io_out)
        }
    }
}

const HELP: &str = "\
Columns: KEY, SIZE (binary units), MODIFIED (UTC).

--json: [{\"key\": \"nightly.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}]
        (size in bytes; modified in RFC 3339, UTC; newest first)

Examples:
  bosbase-backups list
  bosbase-backups list --json | jq -r '.[].key'";
