//! The commands. Each one checks its input first (nothing is sent for bad input), then logs in,
//! then does its work: the result goes to stdout, notes and progress bars to stderr.

use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::time::Duration;

use bosbase_backups::{BackupInfo, BackupName, Progress};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::cli::{Cli, Command, Global};
use crate::error::{CliError, code, server_url};
use crate::output::{self, BackupJson, human_size, print, print_json};
use crate::session::{Credentials, Session};

pub async fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.global;
    match cli.command {
        Command::List => list(g).await,
        Command::Create { name } => create(g, name).await,
        Command::Upload { file, name, force } => upload(g, &file, name, force).await,
        Command::Download {
            key,
            output,
            force,
            resume,
            no_fsync,
        } => download(g, &key, output, force, resume, no_fsync).await,
        Command::Url { key } => url(g, &key).await,
        Command::Delete { keys, yes } => delete(g, keys, yes).await,
        Command::Restore {
            key,
            yes,
            no_wait,
            timeout,
            force,
        } => restore(g, &key, yes, no_wait, Duration::from_secs(timeout), force).await,
        Command::Prune {
            keep_last,
            pattern,
            dry_run,
            yes,
        } => prune(g, keep_last, pattern.as_deref(), dry_run, yes).await,
        Command::Health => health(g).await,
        Command::Sync(a) => a.run(g).await,
        Command::Offsite(c) => c.run(g).await,
        Command::Pull(a) => a.run(g).await,
    }
}

/// Credentials, then the logged-in client.
pub(crate) async fn open(g: &Global) -> Result<Session, CliError> {
    Session::open(g, Credentials::resolve(g)?, true).await
}

/// A note for the person at the terminal, on stderr.
pub(crate) fn note(g: &Global, message: &str) {
    if !g.quiet {
        eprintln!("{message}");
    }
}

pub(crate) fn io_out(e: std::io::Error) -> CliError {
    CliError::io("cannot write to stdout", &e)
}

async fn list(g: &Global) -> Result<(), CliError> {
    let s = open(g).await?;
    let backups = s.client.backups().list().await?;
    if g.json {
        let items: Vec<BackupJson> = backups.iter().map(BackupJson::from).collect();
        print_json(&items).map_err(io_out)
    } else if backups.is_empty() {
        note(g, &format!("no backups on {}", server_url()));
        Ok(())
    } else {
        print(&output::table(&backups)).map_err(io_out)
    }
}

/// The backup `key` as the server lists it.
async fn listed(s: &Session, key: &str, what: &str) -> Result<BackupInfo, CliError> {
    s.client
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
                    server_url()
                ),
            )
        })
}

fn print_backup(g: &Global, backup: &BackupInfo) -> Result<(), CliError> {
    if g.json {
        print_json(&BackupJson::from(backup)).map_err(io_out)
    } else {
        print(&format!("{}\n", backup.key)).map_err(io_out)
    }
}

async fn create(g: &Global, name: Option<String>) -> Result<(), CliError> {
    let name = name.map(BackupName::new).transpose().map_err(usage)?;
    let s = open(g).await?;
    note(
        g,
        &format!(
            "creating a backup on {} (a large one takes a while)",
            server_url()
        ),
    );
    let backup = match name {
        Some(name) => {
            s.client.backups().create(name.as_str()).await?;
            listed(&s, name.as_str(), "created").await?
        }
        None => s.client.backups().create_auto().await?,
    };
    print_backup(g, &backup)
}

fn usage(e: impl std::fmt::Display) -> CliError {
    CliError::usage(e.to_string())
}

async fn upload(
    g: &Global,
    file: &Path,
    name: Option<String>,
    force: bool,
) -> Result<(), CliError> {
    let shown = file.display();
    let meta =
        std::fs::metadata(file).map_err(|e| CliError::io(format!("cannot read {shown}"), &e))?;
    if !meta.is_file() {
        return Err(CliError::usage(format!("{shown} is not a file")));
    }
    let name = match name {
        Some(name) => BackupName::new(name).map_err(usage)?,
        None => {
            let own = file
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            BackupName::new(own).map_err(|e| {
                CliError::usage(format!(
                    "{e}; that is the file's name: give the backup a valid one with --name"
                ))
            })?
        }
    };
    if !force {
        bosbase_backups::verify_file(file)
            .await
            .map_err(|e| CliError::usage(format!("{e}; pass --force to upload it anyway")))?;
    }
    let s = open(g).await?;
    let bar = progress_bar(g, "uploading", Some(meta.len()));
    let mut request = s
        .client
        .backups()
        .upload_file(file)
        .name(name.as_str())
        .force(force);
    if let Some(bar) = bar.clone() {
        request = request.progress(move |p: Progress| {
            bar.set_position(p.transferred);
            if p.total == Some(p.transferred) {
                bar.set_message("sent; the server is storing it");
            }
        });
    }
    let result = request.await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let key = result?;
    let backup = listed(&s, &key, "uploaded").await?;
    note(
        g,
        &format!("uploaded {shown} as {key} ({})", human_size(backup.size)),
    );
    print_backup(g, &backup)
}

/// A progress bar on stderr, when it is a terminal and not --quiet.
pub(crate) fn progress_bar(g: &Global, verb: &str, total: Option<u64>) -> Option<ProgressBar> {
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
fn check_key(key: &str) -> Result<(), CliError> {
    bosbase_backups::check_key(key)
        .map_err(|e| CliError::usage(e.to_string().replace("`list`", "`bosbase-backups list`")))
}

enum Destination {
    File(PathBuf),
    Stdout,
}

async fn download(
    g: &Global,
    key: &str,
    output: Option<PathBuf>,
    force: bool,
    resume: bool,
    no_fsync: bool,
) -> Result<(), CliError> {
    check_key(key)?;
    let dest = match output {
        Some(p) if p.as_os_str() == "-" => Destination::Stdout,
        Some(p) if p.is_dir() => Destination::File(p.join(key)),
        Some(p) => Destination::File(p),
        None => Destination::File(PathBuf::from(".").join(key)),
    };
    match &dest {
        Destination::Stdout if g.json => {
            return Err(CliError::usage(
                "--json and -o - both want stdout: write the backup to a file instead",
            ));
        }
        Destination::File(p) if p.exists() && !force => {
            return Err(CliError::usage(format!(
                "{} exists; pass --force to overwrite it, or choose another path with -o",
                p.display()
            )));
        }
        _ => {}
    }
    let s = open(g).await?;
    let bar = progress_bar(g, "downloading", None);
    let mut request = s
        .client
        .backups()
        .download(key)
        .resume(resume)
        .fsync(!no_fsync);
    if let Some(bar) = bar.clone() {
        request = request.progress(move |p: Progress| {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.transferred);
        });
    }
    let result = match &dest {
        Destination::File(path) => request.to_path(path).await,
        Destination::Stdout => request.to_writer(&mut tokio::io::stdout()).await,
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let size = result?;
    match dest {
        Destination::Stdout => {
            note(g, &format!("downloaded {key} ({})", human_size(size)));
            Ok(())
        }
        Destination::File(path) => {
            note(
                g,
                &format!(
                    "downloaded {key} ({}) to {}",
                    human_size(size),
                    path.display()
                ),
            );
            if g.json {
                print_json(&DownloadJson {
                    key,
                    path: &path,
                    size,
                })
                .map_err(io_out)
            } else {
                print(&format!("{}\n", path.display())).map_err(io_out)
            }
        }
    }
}

async fn url(g: &Global, key: &str) -> Result<(), CliError> {
    check_key(key)?;
    let s = open(g).await?;
    let backups = s.client.backups().list().await?;
    if !backups.iter().any(|b| b.key == key) {
        return Err(CliError::not_found(key));
    }
    let token = s.client.files().token().await?;
    let url = s.client.backups().download_url(&token, key)?;
    if g.json {
        print_json(&UrlJson { key, url: &url }).map_err(io_out)
    } else {
        print(&format!("{url}\n")).map_err(io_out)
    }
}

/// Fails unless the question can be asked (a terminal) or was answered (--yes): before any
/// request, so that a script without --yes never changes anything and never hangs.
pub(crate) fn ensure_can_confirm(yes: bool, action: &str) -> Result<(), CliError> {
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
pub(crate) fn confirm(yes: bool, question: &str, nothing_done: &str) -> Result<(), CliError> {
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

fn key_list(keys: &[String]) -> String {
    keys.join(", ")
}

/// Deletes `keys` in order, printing each as it goes (in JSON: all at the end, even when one
/// fails).
async fn delete_keys(g: &Global, s: &Session, keys: &[String]) -> Result<Vec<String>, CliError> {
    let mut deleted = Vec::new();
    for key in keys {
        if let Err(e) = s.client.backups().delete(key).await {
            if g.json && !deleted.is_empty() {
                let _ = print_json(&DeleteJson { deleted: &deleted });
            }
            return Err(e.into());
        }
        if !g.json {
            print(&format!("{key}\n")).map_err(io_out)?;
        }
        deleted.push(key.clone());
    }
    Ok(deleted)
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

async fn delete(g: &Global, keys: Vec<String>, yes: bool) -> Result<(), CliError> {
    let mut unique: Vec<String> = Vec::new();
    for key in keys {
        check_key(&key)?;
        if !unique.contains(&key) {
            unique.push(key);
        }
    }
    ensure_can_confirm(yes, "delete backups")?;
    let s = open(g).await?;
    let listed = s.client.backups().list().await?;
    if let Some(missing) = unique.iter().find(|k| !listed.iter().any(|b| &b.key == *k)) {
        return Err(CliError::not_found(missing));
    }
    confirm(
        yes,
        &format!(
            "delete {} from {}: {}?",
            plural(unique.len(), "backup"),
            server_url(),
            key_list(&unique)
        ),
        "nothing was deleted",
    )?;
    let deleted = delete_keys(g, &s, &unique).await?;
    note(g, &format!("deleted {}", plural(deleted.len(), "backup")));
    if g.json {
        print_json(&DeleteJson { deleted: &deleted }).map_err(io_out)?;
    }
    Ok(())
}

// The JSON shapes, documented in each command's --help: keep them stable.

#[derive(Serialize)]
struct DownloadJson<'a> {
    key: &'a str,
    path: &'a Path,
    size: u64,
}

#[derive(Serialize)]
struct UrlJson<'a> {
    key: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct DeleteJson<'a> {
    deleted: &'a [String],
}

#[derive(Serialize)]
struct PruneJson<'a> {
    dry_run: bool,
    kept: &'a [String],
    deleted: &'a [String],
}

#[derive(Serialize)]
struct HealthJson<'a> {
    url: &'a str,
    healthy: bool,
    message: &'a str,
    can_backup: Option<bool>,
}

#[derive(Serialize)]
struct RestoreJson<'a> {
    key: &'a str,
    status: &'static str,
    waited_seconds: f64,
}

async fn restore(
    g: &Global,
    key: &str,
    yes: bool,
    no_wait: bool,
    timeout: Duration,
    force: bool,
) -> Result<(), CliError> {
    check_key(key)?;
    if timeout.is_zero() && !no_wait {
        return Err(CliError::usage(
            "--timeout 0 leaves no time to wait: give the seconds to wait, or pass --no-wait",
        ));
    }
    ensure_can_confirm(yes, "restore")?;
    let s = open(g).await?;
    confirm(
        yes,
        &format!(
            "restore {key} on {}? This replaces ALL its data (superusers and logs included) with \
             the backup's.",
            server_url()
        ),
        "nothing was restored",
    )?;
    if no_wait {
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
            server_url(),
            timeout.as_secs()
        ),
    );
    let mut request = s.client.backups().restore_and_wait(key).timeout(timeout);
    if force {
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
            "{key} was restored and {} restarted on its data, but it refuses these credentials \
             now: a restore replaces the superusers with the backup's; log in as one of those",
            server_url()
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

async fn prune(
    g: &Global,
    keep_last: u64,
    pattern: Option<&str>,
    dry_run: bool,
    yes: bool,
) -> Result<(), CliError> {
    if keep_last == 0 {
        return Err(CliError::usage(
            "--keep-last 0 would delete every matching backup: keep at least 1",
        ));
    }
    let matcher = match pattern {
        Some(p) => Some(
            globset::Glob::new(p)
                .map_err(|e| CliError::usage(format!("invalid --match glob {p:?}: {e}")))?
                .compile_matcher(),
        ),
        None => None,
    };
    if !dry_run {
        ensure_can_confirm(yes, "prune")?;
    }
    let s = open(g).await?;
    let mut all = s.client.backups().list().await?;
    all.sort_by(|a, b| b.modified.cmp(&a.modified).then_with(|| a.key.cmp(&b.key)));
    let matching: Vec<&BackupInfo> = all
        .iter()
        .filter(|b| matcher.as_ref().is_none_or(|m| m.is_match(&b.key)))
        .collect();
    let keep = usize::try_from(keep_last)
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
    } else if dry_run {
        note(g, &format!("dry run: would delete {summary}"));
        if !g.json {
            print(&doomed.iter().map(|k| format!("{k}\n")).collect::<String>()).map_err(io_out)?;
        }
    } else {
        confirm(
            yes,
            &format!(
                "delete {summary} from {}: {}?",
                server_url(),
                key_list(&doomed)
            ),
            "nothing was deleted",
        )?;
        doomed = delete_keys(g, &s, &doomed).await?;
        note(g, &format!("deleted {}", plural(doomed.len(), "backup")));
    }
    if g.json {
        print_json(&PruneJson {
            dry_run,
            kept: &kept,
            deleted: &doomed,
        })
        .map_err(io_out)?;
    }
    Ok(())
}

async fn health(g: &Global) -> Result<(), CliError> {
    let s = Session::open(g, Credentials::resolve(g)?, false).await?;
    let h = s.client.health().await?;
    let healthy = h.code == 200;
    if g.json {
        return print_json(&HealthJson {
            url: server_url(),
            healthy,
            message: &h.message,
            can_backup: h.can_backup(),
        })
        .map_err(io_out);
    }
    let can_backup = match h.can_backup() {
        Some(true) => "yes",
        Some(false) => "no: a backup or restore is running",
        None => "unknown: give superuser credentials to see",
    };
    print(&format!(
        "server:     {}\nhealth:     {}\ncan backup: {can_backup}\n",
        server_url(),
        h.message
    ))
    .map_err(io_out)
}
