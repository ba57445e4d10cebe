//! `bosbase-backups schedule`: the server's own backup schedule (`backups.cron`, `cronMaxKeep`).

use bosbase_backups::{BackupSettings, check_cron};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Global;
use crate::cmd::io_out;
use crate::error::CliError;
use crate::output::{print, print_json};
use crate::session::Session;

/// Show or change the server's own backup schedule
#[derive(Args)]
#[command(after_help = HELP)]
pub struct ScheduleArgs {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Subcommand)]
enum Action {
    /// Make a backup on a cron schedule (UTC), keeping the newest N scheduled backups
    #[command(after_help = SET_HELP)]
    Set {
        /// Five fields (minute hour day-of-month month day-of-week, numbers only) or a macro
        /// (@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually)
        #[arg(long, value_name = "CRON")]
        cron: String,
        /// How many scheduled backups the server keeps (at least 1); it deletes older ones
        #[arg(long, value_name = "N")]
        keep: u64,
    },
    /// Stop making scheduled backups (those made so far stay)
    Off,
}

const HELP: &str = "\
The server makes these backups itself, named @auto_pb_backup_<app>_<yyyymmddhhmmss>.zip, and after
each one deletes the oldest scheduled backups beyond the number to keep (other backups are never
deleted by it).

--json: {\"cron\": \"0 3 * * *\", \"keep\": 7}   (cron is null when there is no schedule)

Examples:
  bosbase-backups schedule
  bosbase-backups schedule set --cron '0 3 * * *' --keep 7
  bosbase-backups schedule set --cron @daily --keep 14
  bosbase-backups schedule off";

const SET_HELP: &str = "\
The expression is checked before anything is sent, by the server's rules: five fields separated
by single spaces (minute 0-59, hour 0-23, day of month 1-31, month 1-12, day of week 0-6 with 0
Sunday; each *, N, A-B, */S or A-B/S, or a comma list of those), in UTC.

Examples:
  bosbase-backups schedule set --cron '0 3 * * *' --keep 7        # every night at 03:00 UTC
  bosbase-backups schedule set --cron '0 */6 * * *' --keep 28     # every 6 hours";

#[derive(Serialize)]
struct ScheduleJson<'a> {
    cron: Option<&'a str>,
    keep: u64,
}

impl ScheduleArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        if let Some(Action::Set { cron, keep }) = &self.action {
            check_cron(cron).map_err(|e| CliError::usage(format!("--cron: {e}")))?;
            if *keep == 0 {
                return Err(CliError::usage(
                    "--keep 0: the server keeps at least 1 scheduled backup; give --keep 1 or more",
                ));
            }
        }
        let s = Session::login(g).await?;
        let settings = s.client.settings();
        let now = match self.action {
            None => settings.backups().await?,
            Some(Action::Set { cron, keep }) => {
                settings.update_backups().schedule(cron, keep).await?
            }
            Some(Action::Off) => settings.update_backups().schedule_off().await?,
        };
        show(g, &now)
    }
}

fn show(g: &Global, now: &BackupSettings) -> Result<(), CliError> {
    if g.json {
        return print_json(&ScheduleJson {
            cron: now.cron.as_deref(),
            keep: now.keep,
        })
        .map_err(io_out);
    }
    let text = match &now.cron {
        Some(cron) => format!(
            "{cron} (UTC): {} makes a backup, keeping the newest {} scheduled ones\n",
            g.server(),
            now.keep
        ),
        None => format!("off: {} makes no scheduled backups\n", g.server()),
    };
    print(&text).map_err(io_out)
}
