//! `sync DEST`: copy the server's backups that DEST lacks, streamed, with their SHA-256.

use std::sync::{Arc, Mutex};

use bosbase_backups::offsite::{Outcome, Synced};
use clap::Args;
use serde::Serialize;

use super::offsite::{KeepArgs, PruneJson, dest_help, open_dest, print_pruned};
use crate::cli::Global;
use crate::cmd::{io_out, progress_bar};
use crate::error::{CliError, with_causes};
use crate::output::{human_size, print, print_json};
use crate::session::Session;

pub const SYNC_HELP: &str = concat!(
    "\
Copies each backup of the server that DEST lacks, streamed from the server to DEST in one pass
(no temporary file), in multipart parts of --part-size MiB; the SHA-256 is computed on the way and
recorded in DEST's manifest (bosbase-backups.manifest.json). A copy that fails leaves no object
that looks complete; run sync again to finish the job.
A key already at DEST with the same size and SHA-256 is skipped; an object that differs is
refused (exit code 10) and never overwritten, unless --force.
With --keep-*, the copies at DEST are then pruned as `offsite prune` does (not if a copy failed).
For cron: one line per backup on stdout (`copied KEY SIZE SHA-256`, `skipped KEY ...`), `failed
KEY: why` on stderr, and a non-zero exit code when any backup failed (the first failure's code).

--json: {\"copies\": [{\"key\": \"nightly.zip\", \"size\": 225399, \"sha256\": \"9f86d0...\",
         \"outcome\": \"copied\", \"error\": null}], \"pruned\": null}
        (outcome: copied, skipped, would_copy or failed; pruned as `offsite prune --json`)

Examples:
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... bosbase-backups sync s3://backups/pb
  bosbase-backups sync s3://backups/pb --match 'nightly_*.zip' --keep-daily 7 --keep-weekly 4
  bosbase-backups sync file:///mnt/offsite --dry-run

",
    dest_help!()
);

#[derive(Args)]
pub struct SyncArgs {
    /// The destination: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix, file:///path
    dest: String,
    /// Only backups whose key matches this glob, e.g. 'nightly_*.zip' [default: all]
    #[arg(long = "match", value_name = "GLOB")]
    pattern: Option<String>,
    #[command(flatten)]
    keep: KeepArgs,
    /// Only print what would be copied (and pruned)
    #[arg(long)]
    dry_run: bool,
    /// Replace objects at DEST that differ from the server's backup
    #[arg(long)]
    force: bool,
    /// Multipart part size in MiB (16 to 64; raised for backups over 156 GiB)
    #[arg(long, value_name = "MIB", default_value_t = 16, value_parser = clap::value_parser!(u16).range(16..=64))]
    part_size: u16,
    #[command(flatten)]
    encrypt: crate::cmd::download::EncryptArgs,
}

#[derive(Serialize)]
struct SyncedJson {
    key: String,
    size: u64,
    sha256: Option<String>,
    outcome: &'static str,
    error: Option<String>,
}

#[derive(Serialize)]
struct SyncJson {
    copies: Vec<SyncedJson>,
    pruned: Option<PruneJson>,
}

impl SyncArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let matcher = match &self.pattern {
            Some(p) => Some(
                globset::Glob::new(p)
                    .map_err(|e| CliError::usage(format!("invalid --match glob {p:?}: {e}")))?
                    .compile_matcher(),
            ),
            None => None,
        };
        let recipients = self.encrypt.recipients()?;
        let dest = open_dest(&self.dest)?;
        let s = Session::login(g).await?;
        let mut sync = dest
            .sync(&s.client)
            .force(self.force)
            .dry_run(self.dry_run)
            .part_size(usize::from(self.part_size) * 1024 * 1024);
        if let Some(m) = matcher {
            sync = sync.filter(move |key| m.is_match(key));
        }
        if let Some(recipients) = recipients {
            sync = sync.encrypt_to(recipients);
        }
        if let Some(policy) = self.keep.policy() {
            sync = sync.retention(policy);
        }
        let bar = progress_bar(g, "copying", None);
        if let Some(bar) = bar.clone() {
            let current = Arc::new(Mutex::new(String::new()));
            sync = sync.progress(move |key, p| {
                let mut shown = current.lock().unwrap();
                if *shown != key {
                    *shown = key.to_string();
                    bar.reset();
                    bar.set_message(key.to_string());
                }
                if let Some(total) = p.total {
                    bar.set_length(total);
                }
                bar.set_position(p.transferred);
            });
        }
        // One line per backup as it is done: what cron mails, even if a later one hangs.
        let (json, quiet_bar) = (g.json, bar.clone());
        sync = sync.on_each(move |c: &Synced| {
            let line = match &c.outcome {
                Outcome::Copied => format!(
                    "copied {} {} {}\n",
                    c.key,
                    human_size(c.size),
                    c.sha256.as_deref().unwrap_or("")
                ),
                Outcome::Skipped => {
                    format!("skipped {} (already there, same size and SHA-256)\n", c.key)
                }
                Outcome::WouldCopy => format!("would copy {} {}\n", c.key, human_size(c.size)),
                Outcome::Failed(e) => {
                    let line = format!("failed {}: {}", c.key, with_causes(e.to_string(), e));
                    // Above the bar, not through it.
                    match &quiet_bar {
                        Some(b) => b.suspend(|| eprintln!("{line}")),
                        None => eprintln!("{line}"),
                    }
                    return;
                }
                _ => return,
            };
            if !json {
                match &quiet_bar {
                    Some(b) => b.suspend(|| print(&line)).unwrap_or(()),
                    None => print(&line).unwrap_or(()),
                }
            }
        });
        let report = sync.send().await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        let report = report?;
        if g.json {
            let copies = report
                .copies
                .iter()
                .map(|c| SyncedJson {
                    key: c.key.clone(),
                    size: c.size,
                    sha256: c.sha256.clone(),
                    outcome: match c.outcome {
                        Outcome::Copied => "copied",
                        Outcome::Skipped => "skipped",
                        Outcome::WouldCopy => "would_copy",
                        _ => "failed",
                    },
                    error: match &c.outcome {
                        Outcome::Failed(e) => Some(with_causes(e.to_string(), e)),
                        _ => None,
                    },
                })
                .collect();
            let pruned = report.pruned.as_ref().map(PruneJson::new);
            print_json(&SyncJson { copies, pruned }).map_err(io_out)?;
        } else if let Some(p) = &report.pruned {
            print_pruned(g, p)?;
        }
        let total = report.copies.len();
        let mut failures = report.copies.into_iter().filter_map(|c| match c.outcome {
            Outcome::Failed(e) => Some(e),
            _ => None,
        });
        match failures.next() {
            Some(first) => Err(CliError::new(
                CliError::from(first).code(),
                format!(
                    "{} of {total} backups failed to copy to {} (see above); run sync again",
                    failures.count() + 1,
                    dest.url()
                ),
            )),
            None => Ok(()),
        }
    }
}
