//! The command line: every option, its help text and examples.

use clap::{Args, Parser, Subcommand};

use crate::cmd;

/// The default server, for a PocketBase started with `pocketbase serve`.
pub const DEFAULT_URL: &str = "http://127.0.0.1:8090";

/// Back up, move and restore BosBase and PocketBase servers.
#[derive(Parser)]
#[command(
    name = "bosbase-backups",
    version,
    about = "Back up, move and restore BosBase and PocketBase servers",
    after_help = TOP_HELP,
    disable_help_subcommand = true,
    // Fixed, so that help looks the same on every terminal (and in the snapshots).
    term_width = 100
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The options every command takes (before or after the command's name).
#[derive(Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The server's base URL
    #[arg(
        long,
        global = true,
        env = "BOSBASE_URL",
        hide_env_values = true,
        default_value = DEFAULT_URL,
        value_name = "URL"
    )]
    pub url: String,

    /// A superuser token (safer in BOSBASE_TOKEN: command lines are visible to other users)
    #[arg(
        long,
        global = true,
        env = "BOSBASE_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// The superuser's email; its password comes from BOSBASE_PASSWORD or --password-stdin
    #[arg(
        long,
        global = true,
        env = "BOSBASE_EMAIL",
        hide_env_values = true,
        value_name = "EMAIL"
    )]
    pub email: Option<String>,

    /// Read the superuser's password from the first line of standard input
    #[arg(long, global = true)]
    pub password_stdin: bool,

    /// Print JSON for scripts (each command's --help shows its shape)
    #[arg(long, global = true)]
    pub json: bool,

    /// No progress bars or notes on stderr: only the result, and errors
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

impl Global {
    /// The server's URL as messages show it: without any user info.
    pub fn server(&self) -> String {
        match url::Url::parse(&self.url) {
            Ok(mut u) => {
                let _ = u.set_username("");
                let _ = u.set_password(None);
                u.to_string().trim_end_matches('/').to_string()
            }
            Err(_) => self.url.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum Command {
    /// List the backups, newest first
    List(cmd::list::ListArgs),
    /// Create a backup of the server's data and print its key
    Create(cmd::create::CreateArgs),
    /// Upload a backup zip, streamed, and print its key
    Upload(cmd::upload::UploadArgs),
    /// Download a backup, streamed
    Download(cmd::download::DownloadArgs),
    /// Print a download URL with a fresh file token
    Url(cmd::url::UrlArgs),
    /// Delete backups (asks first)
    Delete(cmd::delete::DeleteArgs),
    /// Restore the server's data from a backup (asks first) and wait until it runs on it
    Restore(cmd::restore::RestoreArgs),
    /// Delete older backups, keeping the newest N (asks first)
    Prune(cmd::prune::PruneArgs),
    /// Show the server's health and whether a backup can start now
    Health(cmd::health::HealthArgs),
    /// Write a new age identity for encrypted copies, and print its recipient
    Keygen(cmd::keygen::KeygenArgs),
    /// Decrypt a copy made with --encrypt-to (or by age) back to the backup zip
    Decrypt(cmd::decrypt::DecryptArgs),
    /// Print a shell completion script
    Completions(cmd::completions::CompletionsArgs),
    /// Show or change the server's own backup schedule
    Schedule(cmd::schedule::ScheduleArgs),
    /// Show or change where the server keeps its backups (its disk or an S3 bucket)
    Storage(cmd::storage::StorageArgs),
    /// Check that a backup restores: its databases with SQLite, and what it would bring back
    Verify(cmd::verify::VerifyArgs),
    /// Copy the server's backups that DEST lacks to object storage or a directory (off-site)
    #[command(after_help = cmd::sync::SYNC_HELP)]
    Sync(cmd::sync::SyncArgs),
    /// Off-site copies at DEST: list, verify, prune
    #[command(subcommand, after_help = cmd::offsite::DEST_HELP)]
    Offsite(cmd::offsite::OffsiteCommand),
    /// Upload an off-site copy from DEST to the server, checking its SHA-256
    #[command(after_help = cmd::pull::PULL_HELP)]
    Pull(cmd::pull::PullArgs),
}

const TOP_HELP: &str = "\
Credentials (a superuser of the server):
  BOSBASE_EMAIL and BOSBASE_PASSWORD  log in with a password (or --email and --password-stdin)
  BOSBASE_TOKEN                       or use an existing superuser token
  A password is never taken from the command line. Email and password win over a token.

Output: the result on stdout, notes and progress bars on stderr (bars only on a terminal).
--json prints one JSON value per command; each command's --help shows its shape.

Exit codes:
  0  success
  1  anything else (e.g. a confirmation answered no)
  2  usage: bad arguments or input, refused before any request (invalid name or key,
     a file in the way, --yes missing without a terminal)
  3  auth: no credentials, failed login, token refused (401) or not a superuser (403); an age
     identity the copy was not encrypted to; an off-site destination refused its credentials
  4  not found: no backup has this key; no such bucket, directory or off-site copy
  5  busy: another backup or restore is running; try again later
  6  the server refused the request or answered something unexpected; a restore failed
  7  local I/O: a file cannot be read or written
  8  cannot reach the server, or a download was cut off for good (then: download --resume);
     an off-site destination cannot be reached
  9  restore: the server did not confirm the restore within --timeout
  10 damaged: the backup is damaged (a database SQLite cannot read, a CRC mismatch, no
     data.db, not a zip: verify, restore, upload, download --verify refuse it); an encrypted
     copy is cut short or altered; an off-site copy's SHA-256 is not the recorded one
  11 restore: the server runs on the backup, but its collections or record counts differ
     from the backup's (e.g. migrations newer than the backup were applied again)

Examples:
  export BOSBASE_URL=https://pb.example.com BOSBASE_EMAIL=admin@example.com
  read -rs BOSBASE_PASSWORD && export BOSBASE_PASSWORD
  bosbase-backups health
  bosbase-backups create nightly_2026-11-26.zip
  bosbase-backups download nightly_2026-11-26.zip -o /srv/backups/
  bosbase-backups prune --keep-last 7 --match 'nightly_*.zip' --yes
  secret-tool lookup pb admin | bosbase-backups --password-stdin list --json";
