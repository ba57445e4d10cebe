//! `bosbase-backups verify KEY | --file PATH`: does this backup restore, and what would it bring
//! back? Also the summary that `restore` shows before it asks.

use std::path::PathBuf;

use bosbase_backups::{Error, Progress, VerifyReport};
use clap::Args;
use serde::Serialize;

use crate::cli::Global;
use crate::cmd::{check_key, io_out, progress_bar};
use crate::error::{CliError, code};
use crate::output::{human_size, print, print_json};
use crate::session::Session;

/// Check that a backup restores: its databases with SQLite, and what it would bring back
#[derive(Args)]
#[command(after_help = VERIFY_HELP)]
pub struct VerifyArgs {
    /// The backup's key on the server, as `list` shows it
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub key: Option<String>,
    /// Verify a local backup zip instead (needs no server)
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Also read every file of the backup once and check its CRC-32 (as many bytes as a download)
    #[arg(long)]
    pub full: bool,
}

const VERIFY_HELP: &str = "\
By default reads only the end of the zip, its directory and its databases (data.db, auxiliary.db:
on the server with HTTP Range requests), checks the databases with SQLite's integrity_check, and
counts what a restore would bring back. --full reads every file once and checks its CRC-32 too.
A damaged backup (a database SQLite cannot read, a CRC mismatch, no data.db, not a zip) exits
with code 10, naming the entry and the problem.

--json: {\"ok\": true, \"backup\": \"nightly.zip\", \"full\": false, \"entries\": 5,
         \"uncompressed_bytes\": 2043964, \"bytes_read\": 75264,
         \"databases\": [{\"name\": \"data.db\", \"size\": 167936, \"ok\": true, \"problems\": []}],
         \"collections\": [{\"name\": \"notes\", \"type\": \"base\", \"records\": 3}],
         \"superusers\": 1, \"newest_migration\": \"1795724048_created_notes.js\",
         \"storage\": {\"files\": 1, \"bytes\": 1048576},
         \"damage\": null}   (damage: {\"entry\": \"data.db\", \"problem\": \"...\"} when ok is false)

Examples:
  bosbase-backups verify nightly.zip
  bosbase-backups verify nightly.zip --full
  bosbase-backups verify --file /srv/backups/nightly.zip --json | jq .ok";

impl VerifyArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let (shown, result) = match (&self.key, &self.file) {
            (Some(key), _) => {
                check_key(key)?;
                let s = Session::login(g).await?;
                let bar = progress_bar(g, "verifying", None);
                let mut request = s.client.backups().verify(key).full(self.full);
                if let Some(bar) = bar.clone() {
                    request = request.progress(move |p: Progress| bar_at(&bar, p));
                }
                let result = request.await;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                (key.clone(), result)
            }
            (None, Some(path)) => {
                if !path.is_file() {
                    return Err(CliError::usage(format!("{} is not a file", path.display())));
                }
                let bar = progress_bar(g, "verifying", None);
                let mut request = bosbase_backups::verify_file(path).full(self.full);
                if let Some(bar) = bar.clone() {
                    request = request.progress(move |p: Progress| bar_at(&bar, p));
                }
                let result = request.await;
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                (path.display().to_string(), result)
            }
            (None, None) => return Err(CliError::usage("give a KEY, or --file PATH")),
        };
        show(g, &shown, result)
    }
}

/// Moves a progress bar along.
pub fn bar_at(bar: &indicatif::ProgressBar, p: Progress) {
    if let Some(total) = p.total {
        bar.set_length(total);
    }
    bar.set_position(p.transferred);
}

/// Prints the report (also the partial one of a damaged backup) and turns damage into exit 10.
fn show(
    g: &Global,
    backup: &str,
    result: bosbase_backups::Result<VerifyReport>,
) -> Result<(), CliError> {
    let (report, damage) = match result {
        Ok(report) => (report, None),
        Err(Error::Damaged {
            entry,
            problem,
            report,
            backup: _,
        }) => {
            let damage = DamageJson { entry, problem };
            (report.map(|r| *r).unwrap_or_default(), Some(damage))
        }
        Err(e) => return Err(e.into()),
    };
    if g.json {
        print_json(&VerifyJson {
            ok: damage.is_none(),
            backup,
            report: &report,
            damage: damage.as_ref(),
        })
        .map_err(io_out)?;
    } else {
        print(&summary(backup, &report, damage.as_ref())).map_err(io_out)?;
    }
    match damage {
        None => Ok(()),
        Some(d) => Err(CliError::new(
            code::DAMAGED,
            format!(
                "{backup} is damaged: {}: {}; do not restore it: use another backup, or make a \
                 new one from a server that runs on good data",
                d.entry, d.problem
            ),
        )),
    }
}

#[derive(Serialize)]
struct DamageJson {
    entry: String,
    problem: String,
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    ok: bool,
    backup: &'a str,
    #[serde(flatten)]
    report: &'a VerifyReport,
    damage: Option<&'a DamageJson>,
}

/// The human summary: databases ok or damaged, collections with record counts, storage files.
fn summary(backup: &str, report: &VerifyReport, damage: Option<&DamageJson>) -> String {
    // The error line on stderr says what is damaged.
    let mut out = String::new();
    let verdict = match damage {
        None => "ok".to_string(),
        Some(_) => "DAMAGED".to_string(),
    };
    let how = if report.full {
        "every entry read, CRC-32 checked"
    } else {
        "databases checked; --full also checks every file's CRC-32"
    };
    out.push_str(&format!("{backup}: {verdict} ({how})\n"));
    if !report.databases.is_empty() {
        out.push_str("databases:\n");
        for db in &report.databases {
            let state = if db.ok {
                "ok".to_string()
            } else {
                format!("damaged: {}", db.problems.join("; "))
            };
            out.push_str(&format!(
                "  {:<14} {:>10}  {state}\n",
                db.name,
                human_size(db.size)
            ));
        }
    }
    out.push_str(&collections(report));
    if report.entries > 0 {
        out.push_str(&format!(
            "storage: {} file{}, {}\n",
            report.storage.files,
            if report.storage.files == 1 { "" } else { "s" },
            human_size(report.storage.bytes)
        ));
    }
    if let Some(m) = &report.newest_migration {
        out.push_str(&format!("newest migration: {m}\n"));
    }
    out
}

/// The collections a restore brings back, with their record counts (also shown by `restore`).
pub fn collections(report: &VerifyReport) -> String {
    if report.collections.is_empty() {
        return String::new();
    }
    let width = report
        .collections
        .iter()
        .map(|c| c.name.len() + c.kind.len() + 3)
        .max()
        .unwrap_or(0);
    let mut out = format!("collections (superusers: {}):\n", report.superusers);
    for c in &report.collections {
        let label = format!("{} ({})", c.name, c.kind);
        let unit = if c.records == 1 { "record" } else { "records" };
        out.push_str(&format!("  {label:<width$}  {:>9} {unit}\n", c.records));
    }
    out
}
