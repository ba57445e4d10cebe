//! `pull DEST KEY`: upload an off-site copy to the server, checking its SHA-256 on the way.

use clap::Args;

use super::offsite::{dest_help, open_dest};
use crate::cli::Global;
use crate::cmd::{io_out, note, progress_bar};
use crate::error::CliError;
use crate::output::{BackupJson, human_size, print, print_json};
use crate::session::Session;

pub const PULL_HELP: &str = concat!(
    "\
Streams the copy KEY from DEST into the server's upload (disaster recovery onto a new server),
computing its SHA-256 on the way. A copy whose SHA-256 is not the one recorded when it was made
is cut off before the upload completes and never stays on the server (exit code 10).
Then `bosbase-backups restore NAME` restores it.

--json: {\"key\": \"nightly.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}

Examples:
  bosbase-backups pull s3://backups/pb nightly_2026-11-26.zip
  bosbase-backups pull s3://backups/pb @auto_pb_backup_x.zip --name recovered.zip
  bosbase-backups restore recovered.zip --yes

",
    dest_help!()
);

#[derive(Args)]
pub struct PullArgs {
    /// The destination: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, file:///path
    dest: String,
    /// The copy's key, as `offsite list` shows it
    key: String,
    /// The backup's name on the server [default: KEY]
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    #[command(flatten)]
    identity: crate::cmd::decrypt::OptionalIdentityArgs,
}

impl PullArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let name = self.name.clone().unwrap_or_else(|| self.key.clone());
        bosbase_backups::BackupName::new(&name).map_err(|e| {
            CliError::usage(format!(
                "{e}; choose a valid name for the server with --name"
            ))
        })?;
        let identities = self.identity.load()?;
        let dest = open_dest(&self.dest)?;
        let s = Session::login(g).await?;
        let bar = progress_bar(g, "pulling", None);
        let mut pull = dest.pull(&s.client, &self.key).name(&name);
        if let Some(identities) = identities {
            pull = pull.identities(identities);
        }
        if let Some(bar) = bar.clone() {
            pull = pull.progress(move |p| {
                if let Some(total) = p.total {
                    bar.set_length(total);
                }
                bar.set_position(p.transferred);
            });
        }
        let result = pull.send().await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let key = result?;
        let backups = s.client.backups().list().await?;
        let Some(backup) = backups.iter().find(|b| b.key == key) else {
            return Err(CliError::not_found(&key, &g.server()));
        };
        note(
            g,
            &format!(
                "pulled {} ({}) from {}",
                key,
                human_size(backup.size),
                dest.url()
            ),
        );
        if g.json {
            print_json(&BackupJson::from(backup)).map_err(io_out)
        } else {
            print(&format!("{key}\n")).map_err(io_out)
        }
    }
}
