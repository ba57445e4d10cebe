//! The command line: every option, its help text and examples.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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

#[derive(Subcommand)]
pub enum Command {
    /// List the backups, newest first
    #[command(after_help = LIST_HELP)]
    List,

    /// Create a backup of the server's data and print its key
    #[command(after_help = CREATE_HELP)]
    Create {
        /// The backup's name, [a-z0-9_-]+.zip (at most 150 characters); the server picks one when
        /// omitted
        name: Option<String>,
    },

    /// Upload a backup zip, streamed, and print its key
    #[command(after_help = UPLOAD_HELP)]
    Upload {
        /// The zip to upload
        file: PathBuf,
        /// The backup's name on the server [default: the file's name]
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// Skip the check that FILE is a zip with a data.db (a backup the server can restore)
        #[arg(long)]
        force: bool,
    },

    /// Download a backup, streamed
    #[command(after_help = DOWNLOAD_HELP)]
    Download {
        /// The backup's key, as `list` shows it
        key: String,
        /// Where to write it: a file, a directory, or - for standard output [default: ./KEY]
        #[arg(short, long, value_name = "PATH")]
        output: Option<PathBuf>,
        /// Overwrite PATH if it exists
        #[arg(long)]
        force: bool,
        /// Go on from PATH.part, which an interrupted download left, instead of starting again
        #[arg(long)]
        resume: bool,
        /// Do not wait for the file to reach the disk before renaming it into place (faster; the
        /// backup may be lost or incomplete after a power cut)
        #[arg(long)]
        no_fsync: bool,
    },

    /// Print a download URL with a fresh file token
    #[command(after_help = URL_HELP)]
    Url {
        /// The backup's key, as `list` shows it
        key: String,
    },

    /// Delete backups (asks first)
    #[command(after_help = DELETE_HELP)]
    Delete {
        /// The keys of the backups to delete, as `list` shows them
        #[arg(required = true, value_name = "KEY")]
        keys: Vec<String>,
        /// Do not ask: needed when standard input is not a terminal
        #[arg(short, long)]
        yes: bool,
    },

    /// Restore the server's data from a backup (asks first) and wait until it runs on it
    #[command(after_help = RESTORE_HELP)]
    Restore {
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
    },

    /// Delete older backups, keeping the newest N (asks first)
    #[command(after_help = PRUNE_HELP)]
    Prune {
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
    },

    /// Show the server's health and whether a backup can start now
    #[command(after_help = HEALTH_HELP)]
    Health,

    /// Copy the server's backups that DEST lacks to object storage or a directory (off-site)
    #[command(after_help = crate::cmd::sync::SYNC_HELP)]
    Sync(crate::cmd::sync::SyncArgs),

    /// Off-site copies at DEST: list, verify, prune
    #[command(subcommand, after_help = crate::cmd::offsite::DEST_HELP)]
    Offsite(crate::cmd::offsite::OffsiteCommand),

    /// Upload an off-site copy from DEST to the server, checking its SHA-256
    #[command(after_help = crate::cmd::pull::PULL_HELP)]
    Pull(crate::cmd::pull::PullArgs),
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
     not a backup zip, a file in the way, --yes missing without a terminal)
  3  auth: no credentials, failed login, token refused (401) or not a superuser (403)
  4  not found: no backup has this key
  5  busy: another backup or restore is running; try again later
  6  the server refused the request or answered something unexpected; a restore failed
  7  local I/O: a file cannot be read or written
  8  cannot reach the server, or a download was cut off for good (then: download --resume)
  9  restore: the server did not confirm the restore within --timeout

Examples:
  export BOSBASE_URL=https://pb.example.com BOSBASE_EMAIL=admin@example.com
  read -rs BOSBASE_PASSWORD && export BOSBASE_PASSWORD
  bosbase-backups health
  bosbase-backups create nightly_2026-11-26.zip
  bosbase-backups download nightly_2026-11-26.zip -o /srv/backups/
  bosbase-backups prune --keep-last 7 --match 'nightly_*.zip' --yes
  secret-tool lookup pb admin | bosbase-backups --password-stdin list --json";

const LIST_HELP: &str = "\
Columns: KEY, SIZE (binary units), MODIFIED (UTC).

--json: [{\"key\": \"nightly.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}]
        (size in bytes; modified in RFC 3339, UTC; newest first)

Examples:
  bosbase-backups list
  bosbase-backups list --json | jq -r '.[].key'";

const CREATE_HELP: &str = "\
The server writes the zip before it answers: a large backup takes a while. Only one backup or
restore runs at a time (exit code 5 when another one runs).

--json: {\"key\": \"nightly.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}

Examples:
  bosbase-backups create nightly_2026-11-26.zip
  bosbase-backups create          # named pb_backup_<app>_<yyyymmddhhmmss>.zip by the server";

const UPLOAD_HELP: &str = "\
Before anything is sent, FILE is checked: its name (or --name) must be a valid backup name, and
it must be a zip whose central directory lists a data.db, as the server's backups do (a restore
of anything else fails). --force skips the zip check, not the name check.

--json: {\"key\": \"moved.zip\", \"size\": 225399, \"modified\": \"2026-11-26T09:39:01.097Z\"}

Examples:
  bosbase-backups upload ./nightly.zip
  bosbase-backups upload ./export.zip --name moved_from_staging.zip";

const DOWNLOAD_HELP: &str = "\
The download goes to PATH.part and is renamed to PATH once complete, so a broken download
never looks like a backup. An existing PATH is kept unless --force.

--json: {\"key\": \"nightly.zip\", \"path\": \"./nightly.zip\", \"size\": 225399}

Examples:
  bosbase-backups download nightly.zip
  bosbase-backups download nightly.zip -o /srv/backups/
  bosbase-backups download nightly.zip -o - | sha256sum";

const URL_HELP: &str = "\
The URL holds a file token that lets anyone download every backup for a few minutes (180 s by
default): treat it as a secret until then.

--json: {\"key\": \"nightly.zip\", \"url\": \"https://pb.example.com/api/backups/nightly.zip?token=...\"}

Examples:
  curl -fo nightly.zip \"$(bosbase-backups url nightly.zip)\"";

const DELETE_HELP: &str = "\
Every KEY must be listed by the server, or nothing is deleted (exit code 4).
Asks on a terminal; without a terminal, --yes is required (exit code 2 otherwise).

--json: {\"deleted\": [\"old.zip\", \"older.zip\"]}

Examples:
  bosbase-backups delete old.zip
  bosbase-backups delete old.zip older.zip --yes";

const RESTORE_HELP: &str = "\
The server replaces ALL its data (superusers and logs included) with the backup's, then
restarts. By default this waits: until the server went down and answers again, then it logs in
again and checks that the server lists its backups. A restore that fails on the server (e.g. a
zip without data.db) leaves the old data in place; the failure is read from the server's logs
(exit code 6). If nothing is confirmed within --timeout, exit code 9: never a silent success.
Asks on a terminal; without a terminal, --yes is required (exit code 2 otherwise).

--json: {\"key\": \"nightly.zip\", \"status\": \"restored\", \"waited_seconds\": 1.4}
        (status \"accepted\" and waited_seconds 0 with --no-wait)

Examples:
  bosbase-backups restore nightly.zip
  bosbase-backups restore nightly.zip --yes --timeout 600
  bosbase-backups restore nightly.zip --yes --no-wait";

const PRUNE_HELP: &str = "\
Keeps the newest N (by modification time) of the backups whose key matches GLOB and deletes the
other matching ones. Backups that do not match are never touched. Never deletes every backup:
N must be at least 1, and nothing is deleted while the server lists a single backup.
Asks on a terminal; without a terminal, --yes (or --dry-run) is required.
On stdout: the keys deleted (or, with --dry-run, that would be deleted), one a line.

--json: {\"dry_run\": false, \"kept\": [\"new.zip\"], \"deleted\": [\"old.zip\"]}

Examples:
  bosbase-backups prune --keep-last 7 --dry-run
  bosbase-backups prune --keep-last 7 --match 'nightly_*.zip' --yes";

const HEALTH_HELP: &str = "\
Needs no credentials; with them it also says whether a backup or restore can start now.

--json: {\"url\": \"http://127.0.0.1:8090\", \"healthy\": true, \"message\": \"API is healthy.\",
         \"can_backup\": true}   (can_backup is null without credentials)

Examples:
  bosbase-backups health
  bosbase-backups health --json | jq .can_backup";
