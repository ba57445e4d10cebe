//! The commands, one file each: a clap `Args` struct with a `run` method. Each command checks its
//! input first (nothing is sent for bad input), then logs in, then does its work: the result goes
//! to stdout, notes and progress bars to stderr.

pub mod completions;
pub mod create;
pub mod decrypt;
pub mod delete;
pub mod download;
pub mod health;
pub mod keygen;
pub mod list;
pub mod offsite;
pub mod prune;
pub mod pull;
pub mod restore;
pub mod schedule;
pub mod storage;
pub mod sync;
pub mod upload;
pub mod url;
pub mod verify;

use std::io::{BufRead, IsTerminal};

use bosbase_backups::BackupInfo;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::{Cli, Command, Global};
use crate::error::{CliError, code};
use crate::output::{BackupJson, print, print_json};

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.global;
    match cli.command {
        Command::List(args) => args.run(g).await,
        Command::Create(args) => args.run(g).await,
        Command::Upload(args) => args.run(g).await,
        Command::Download(args) => args.run(g).await,
        Command::Url(args) => args.run(g).await,
        Command::Delete(args) => args.run(g).await,
        Command::Restore(args) => args.run(g).await,
        Command::Prune(args) => args.run(g).await,
        Command::Health(args) => args.run(g).await,
        Command::Keygen(args) => args.run(g),
        Command::Decrypt(args) => args.run(g).await,
        Command::Completions(args) => args.run(),
        Command::Schedule(args) => args.run(g).await,
        Command::Storage(args) => args.run(g).await,
        Command::Verify(args) => args.run(g).await,
        Command::Sync(args) => args.run(g).await,
        Command::Offsite(command) => command.run(g).await,
        Command::Pull(args) => args.run(g).await,
    }
}

/// A note for the person at the terminal, on stderr.
pub fn note(g: &Global, message: &str) {
    if !g.quiet {
        eprintln!("{message}");
    }
}

pub fn io_out(e: std::io::Error) -> CliError {
    CliError::io("cannot write to stdout", &e)
}

pub fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::usage(e.to_string())
}

/// The backup `key` as the server lists it, after `what` ("created", "uploaded") made it.
pub async fn listed(
    g: &Global,
    client: &bosbase_backups::Client,
    key: &str,
    what: &str,
) -> Result<BackupInfo, CliError> {
    client
        .backups()
        .list()
        .await?
        .into_iter()
        .find(|b| b.key == key)
        .ok_or_else(|| {
            CliError::new(
                code::SERVER,
                format!(
                    "{what} {key:?} but {} does not list it; run `bosbase-backups list`",
                    g.server()
                ),
            )
        })
}

/// The key on stdout, or the backup in JSON.
pub fn print_backup(g: &Global, backup: &BackupInfo) -> Result<(), CliError> {
    if g.json {
        print_json(&BackupJson::from(backup)).map_err(io_out)
    } else {
        print(&format!("{}\n", backup.key)).map_err(io_out)
    }
}

/// A progress bar on stderr, when it is a terminal and not --quiet.
pub fn progress_bar(g: &Global, verb: &str, total: Option<u64>) -> Option<ProgressBar> {
    if g.quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{prefix} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}, {eta} left {msg}",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(verb.to_string());
    Some(bar)
}

/// Every key is checked before any request, so that a bad key among several fails before anything
/// is deleted.
pub fn check_key(key: &str) -> Result<(), CliError> {
    bosbase_backups::check_key(key)
        .map_err(|e| CliError::usage(e.to_string().replace("`list`", "`bosbase-backups list`")))
}

/// Fails unless the question can be asked (a terminal) or was answered (--yes): before any
/// request, so that a script without --yes never changes anything and never hangs.
pub fn ensure_can_confirm(yes: bool, action: &str) -> Result<(), CliError> {
    if yes || std::io::stdin().is_terminal() {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "refusing to {action} without confirmation: standard input is not a terminal; pass \
             --yes"
        )))
    }
}

/// Asks on the terminal (unless --yes).
pub fn confirm(yes: bool, question: &str, nothing_done: &str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    eprint!("{question} [y/N] ");
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("cannot read the answer", &e))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::new(
            code::OTHER,
            format!("cancelled: {nothing_done}"),
        )),
    }
}

pub fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Whether a listed key is a backup zip. A server that keeps its backups on S3 lists every object
/// of the bucket, and a bucket may be shared with other files.
pub fn is_backup_zip(key: &str) -> bool {
    key.ends_with(".zip") && !key.contains('/')
}

/// The backup zips of `list`; the other objects are left out with a note, so that no command
/// shows or deletes them as backups.
pub fn backup_zips(g: &Global, list: Vec<BackupInfo>) -> Vec<BackupInfo> {
    let (zips, others): (Vec<BackupInfo>, Vec<BackupInfo>) =
        list.into_iter().partition(|b| is_backup_zip(&b.key));
    if !others.is_empty() {
        let mut names: Vec<&str> = others.iter().map(|b| b.key.as_str()).take(5).collect();
        if others.len() > names.len() {
            names.push("...");
        }
        note(
            g,
            &format!(
                "note: skipped {} listed object(s) that are not backup zips (the server's S3 \
                 bucket holds other files too): {}",
                others.len(),
                names.join(", ")
            ),
        );
    }
    zips
}
