//! `bosbase-backups prune --keep-last N`.

use bosbase_backups::BackupInfo;
use clap::Args;

use crate::cli::Global;
use crate::cmd::delete::delete_keys;
use crate::cmd::{confirm, ensure_can_confirm, io_out, note, plural};
use crate::error::CliError;
use crate::output::{PruneJson, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct PruneArgs {
    /// How many of the newest matching backups to keep (at least 1)
    #[arg(long, value_name = "N")]
    keep_last: u64,
    /// Only consider backups whose key matches this glob, e.g. 'nightly_*.zip' [default: all]
    #[arg(long = "match", value_name = "GLOB")]
    pattern: Option<String>,
    /// Only print what would be deleted
    #[arg(long)]
    dry_run: bool,
    /// Do not ask: needed when standard input is not a terminal
    #[arg(short, long)]
    yes: bool,
}

impl PruneArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        if self.keep_last == 0 {
            return Err(CliError::usage(
                "--keep-last 0 would delete every matching backup: keep at least 1",
            ));
        }
        let matcher = match &self.pattern {
            Some(p) => Some(
                globset::Glob::new(p)
                    .map_err(|e| CliError::usage(format!("invalid --match glob {p:?}: {e}")))?
                    .compile_matcher(),
            ),
            None => None,
        };
        if !self.dry_run {
            ensure_can_confirm(self.yes, "prune")?;
        }
        let s = Session::login(g).await?;
        // Newest first: the SDK's order.
        let all = s.client.backups().list().await?;
        let matching: Vec<&BackupInfo> = all
            .iter()
            .filter(|b| matcher.as_ref().is_none_or(|m| m.is_match(&b.key)))
            .collect();
        let keep = usize::try_from(self.keep_last)
            .unwrap_or(usize::MAX)
            .min(matching.len());
        let kept: Vec<String> = matching[..keep].iter().map(|b| b.key.clone()).collect();
        let mut doomed: Vec<String> = matching[keep..].iter().map(|b| b.key.clone()).collect();
        if all.len() <= 1 || doomed.len() >= all.len() {
            // Never the only (or every) backup on the server.
            doomed.clear();
        }
        let summary = format!(
            "{} of {} matching, keeping the newest {}",
            plural(doomed.len(), "backup"),
            matching.len(),
            kept.len()
        );
        if doomed.is_empty() {
            note(g, &format!("nothing to prune: {summary}"));
        } else if self.dry_run {
            note(g, &format!("dry run: would delete {summary}"));
            if !g.json {
                print(&doomed.iter().map(|k| format!("{k}\n")).collect::<String>())
                    .map_err(io_out)?;
            }
        } else {
            confirm(
                self.yes,
                &format!(
                    "delete {summary} from {}: {}?",
                    g.server(),
                    doomed.join(", ")
                ),
                "nothing was deleted",
            )?;
            doomed = delete_keys(g, &s, &doomed).await?;
            note(g, &format!("deleted {}", plural(doomed.len(), "backup")));
        }
        if g.json {
            print_json(&PruneJson {
                dry_run: self.dry_run,
                kept: &kept,
                deleted: &doomed,
            })
            .map_err(io_out)?;
        }
        Ok(())
    }
}

const HELP: &str = "\
Keeps the newest N (by modification time) of the backups whose key matches GLOB and deletes the
other matching ones. Backups that do not match are never touched. Never deletes every backup:
N must be at least 1, and nothing is deleted while the server lists a single backup.
Asks on a terminal; without a terminal, --yes (or --dry-run) is required.
On stdout: the keys deleted (or, with --dry-run, that would be deleted), one a line.

--json: {\"dry_run\": false, \"kept\": [\"new.zip\"], \"deleted\": [\"old.zip\"]}

Examples:
  bosbase-backups prune --keep-last 7 --dry-run
  bosbase-backups prune --keep-last 7 --match 'nightly_*.zip' --yes";
