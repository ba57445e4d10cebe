//! `bosbase-backups restore KEY`.

use std::time::Duration;

use clap::Args;

use crate::cli::Global;
use crate::cmd::verify::{bar_at, collections};
use crate::cmd::{check_key, confirm, ensure_can_confirm, io_out, note, progress_bar};
use crate::error::{CliError, code};
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
    /// Skip the verify of the backup (and the comparison after the restart): the server then
    /// checks only that it extracts, and a data.db it cannot read takes it down
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
        let verified = if self.force {
            None
        } else {
            Some(verify(g, &s, key).await?)
        };
        let back = verified.as_ref().map(collections).unwrap_or_default();
        if self.yes && !back.is_empty() {
            note(g, &format!("{key} brings back:\n{}", back.trim_end()));
        }
        confirm(
            self.yes,
            &format!(
                "{back}restore {key} on {}? This replaces ALL its data (superusers and logs \
                 included) with the backup's.",
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
                    differences: Vec::new(),
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
        let request = s.client.backups().restore_and_wait(key).timeout(timeout);
        let report = match verified {
            Some(report) => request.verified(report).await?,
            None => request.skip_check().await?,
        };
        if !report.authorized {
            return Err(CliError::auth(format!(
                "{key} was restored and {} restarted on its data, but it refuses these \
                 credentials now: a restore replaces the superusers with the backup's; log in as \
                 one of those",
                g.server()
            )));
        }
        let secs = (report.elapsed.as_secs_f64() * 10.0).round() / 10.0;
        let differences: Vec<String> = report.differences.iter().map(ToString::to_string).collect();
        if g.json {
            print_json(&RestoreJson {
                key,
                status: "restored",
                waited_seconds: secs,
                differences: differences.clone(),
            })
            .map_err(io_out)?;
        } else if differences.is_empty() {
            print(&format!(
                "{key}: restored; the server runs on its data (restarted in {secs:.1} s)\n"
            ))
            .map_err(io_out)?;
        } else {
            print(&format!(
                "{key}: restored (restarted in {secs:.1} s), but the server's data differs from \
                 the backup's:\n  {}\n",
                differences.join("\n  ")
            ))
            .map_err(io_out)?;
        }
        if differences.is_empty() {
            return Ok(());
        }
        Err(CliError::new(
            code::DIFFERS,
            format!(
                "{key} was restored, but {} differs from it: {}; migrations newer than the backup \
                 (pb_migrations/ beside pb_data) are applied again when the server restarts",
                g.server(),
                differences.join("; ")
            ),
        ))
    }
}

/// Verifies the backup on the server, with a progress bar; a damaged one ends here.
async fn verify(
    g: &Global,
    s: &Session,
    key: &str,
) -> Result<bosbase_backups::VerifyReport, CliError> {
    note(
        g,
        &format!("verifying {key} (its databases, read with SQLite)"),
    );
    let bar = progress_bar(g, "verifying", None);
    let mut request = s.client.backups().verify(key);
    if let Some(bar) = bar.clone() {
        request = request.progress(move |p| bar_at(&bar, p));
    }
    let result = request.await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    result.map_err(|e| match e {
        e @ bosbase_backups::Error::Damaged { .. } => CliError::new(
            code::DAMAGED,
            format!(
                "{e}; nothing was restored (--force asks the server anyway, which a data.db it \
                 cannot read takes down)"
            ),
        ),
        e => e.into(),
    })
}

const HELP: &str = "\
The server replaces ALL its data (superusers and logs included) with the backup's, then
restarts. So the backup is verified first (as `verify KEY` does: its databases read by SQLite);
a damaged one exits with code 10 and nothing is sent, and the question shows what comes back
(collections, record counts). By default this then waits: until the server went down and
answers again, then it logs in again and compares the collections and record counts the server
reports with the backup's. The server applies again every migration newer than the backup
(pb_migrations/ beside pb_data): what differs is listed, with exit code 11.
A restore that fails before the server replaces anything (an entry that does not extract)
leaves the old data in place; the failure is read from the server's logs (exit code 6). With
--force nothing is verified: a data.db the server cannot read takes it down, for good, and the
old data waits in pb_data/.pb_temp_to_delete/old_pb_data_* to be moved back by hand (exit code 9
says where). If nothing is confirmed within --timeout, exit code 9: never a silent success.
Asks on a terminal; without a terminal, --yes is required (exit code 2 otherwise).

--json: {\"key\": \"nightly.zip\", \"status\": \"restored\", \"waited_seconds\": 1.4,
         \"differences\": []}   (status \"accepted\" and waited_seconds 0 with --no-wait;
         differences: one sentence each, exit code 11 when not empty)

Examples:
  bosbase-backups restore nightly.zip
  bosbase-backups restore nightly.zip --yes --timeout 600
  bosbase-backups restore nightly.zip --yes --no-wait";
