//! `bosbase-backups restore KEY`.

use std::time::Duration;

use clap::Args;

use crate::cli::Global;
use crate::cmd::{check_key, confirm, ensure_can_confirm, io_out, note};
use crate::error::CliError;
use crate::output::{RestoreJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct RestoreArgs {
    /// The backup's key, as `list` shows it
    key: String,
    /// Do not ask: needed when standard input is not a terminal
    #[arg(short, long)]
    yes: bool,
    /// Return as soon as the server accepted the restore, without waiting for it
    #[arg(long)]
    no_wait: bool,
    /// Give up waiting after this many seconds (the restore goes on on the server)
    #[arg(long, value_name = "SECONDS", default_value_t = 120)]
    timeout: u64,
    /// Skip the check that the backup is a zip with data.db (the server then checks, and a
    /// failure is read from its log)
    #[arg(long)]
    force: bool,
}

impl RestoreArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let key = self.key.as_str();
        check_key(key)?;
        let timeout = Duration::from_secs(self.timeout);
        if timeout.is_zero() && !self.no_wait {
            return Err(CliError::usage(
                "--timeout 0 leaves no time to wait: give the seconds to wait, or pass --no-wait",
            ));
        }
        ensure_can_confirm(self.yes, "restore")?;
        let s = Session::login(g).await?;
        confirm(
            self.yes,
            &format!(
                "restore {key} on {}? This replaces ALL its data (superusers and logs included) \
                 with the backup's.",
                g.server()
            ),
            "nothing was restored",
        )?;
        if self.no_wait {
            s.client.backups().restore(key).await?;
            note(
                g,
                "the server restores it in the background and restarts; `bosbase-backups health` \
                 shows when it answers again",
            );
            return if g.json {
                print_json(&RestoreJson {
                    key,
                    status: "accepted",
                    waited_seconds: 0.0,
                })
                .map_err(io_out)
            } else {
                print(&format!("{key}: restore accepted\n")).map_err(io_out)
            };
        }
        note(
            g,
            &format!(
                "restoring {key}: {} restores it and restarts; waiting for the outcome (up to {} s)",
                g.server(),
                timeout.as_secs()
            ),
        );
        let mut request = s.client.backups().restore_and_wait(key).timeout(timeout);
        if self.force {
            request = request.skip_check();
        }
        let report = request.await.map_err(|e| match e {
            bosbase_backups::Error::NotABackup { .. } => CliError::usage(format!(
                "{e}; nothing was restored (--force asks the server anyway)"
            )),
            e => CliError::from(e),
        })?;
        if !report.authorized {
            return Err(CliError::auth(format!(
                "{key} was restored and {} restarted on its data, but it refuses these \
                 credentials now: a restore replaces the superusers with the backup's; log in as \
                 one of those",
                g.server()
            )));
        }
        let secs = (report.elapsed.as_secs_f64() * 10.0).round() / 10.0;
        if g.json {
            print_json(&RestoreJson {
                key,
                status: "restored",
                waited_seconds: secs,
            })
            .map_err(io_out)
        } else {
            print(&format!(
                "{key}: restored; the server runs on its data (restarted in {secs:.1} s)\n"
            ))
            .map_err(io_out)
        }
    }
}

const HELP: &str = "\
The server replaces ALL its data (superusers and logs included) with the backup's, then
restarts. By default this waits: until the server went down and answers again, then it logs in
again and checks that the server lists its backups. A restore that fails before the server
replaces anything (a zip without data.db, an entry that does not extract) leaves the old data in
place; the failure is read from the server's logs (exit code 6). A backup whose data.db is not a
valid database takes the server down: it cannot start on it, and the old data waits in
pb_data/.pb_temp_to_delete/old_pb_data_* to be moved back by hand. If nothing is confirmed within
--timeout, exit code 9: never a silent success.
Asks on a terminal; without a terminal, --yes is required (exit code 2 otherwise).

--json: {\"key\": \"nightly.zip\", \"status\": \"restored\", \"waited_seconds\": 1.4}
        (status \"accepted\" and waited_seconds 0 with --no-wait)

Examples:
  bosbase-backups restore nightly.zip
  bosbase-backups restore nightly.zip --yes --timeout 600
  bosbase-backups restore nightly.zip --yes --no-wait";
