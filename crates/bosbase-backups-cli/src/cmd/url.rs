//! `bosbase-backups url KEY`.

use clap::Args;

use crate::cli::Global;
use crate::cmd::{check_key, io_out};
use crate::error::CliError;
use crate::output::{UrlJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct UrlArgs {
    /// The backup's key, as `list` shows it
    key: String,
}

impl UrlArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let key = self.key.as_str();
        check_key(key)?;
        let s = Session::login(g).await?;
        let backups = s.client.backups().list().await?;
        if !backups.iter().any(|b| b.key == key) {
            return Err(CliError::not_found(key, &g.server()));
        }
        let token = s.client.files().token().await?;
        let url = s.client.backups().download_url(&token, key)?;
        if g.json {
            print_json(&UrlJson { key, url: &url }).map_err(io_out)
        } else {
            print(&format!("{url}\n")).map_err(io_out)
        }
    }
}

const HELP: &str = "\
The URL holds a file token that lets anyone download every backup for a few minutes (180 s by
default): treat it as a secret until then.

--json: {\"key\": \"nightly.zip\", \"url\": \"https://pb.example.com/api/backups/nightly.zip?token=...\"}

Examples:
  curl -fo nightly.zip \"$(bosbase-backups url nightly.zip)\"";
