//! `offsite list|verify|prune DEST`, and what `sync` and `pull` share with them: the destination,
//! its errors and their exit codes, the retention options.

use bosbase_backups::offsite::{
    CopyInfo, Destination, OffsiteError, OffsiteErrorKind, Pruned, Retention,
};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Global;
use crate::cmd::{confirm, ensure_can_confirm, io_out, note, progress_bar};
use crate::error::{CliError, code, with_causes};
use crate::output::{human_size, human_time, print, print_json};

/// The destination URL's help, shared by every command that takes one (a macro, for `concat!`).
macro_rules! dest_help {
    () => {
        "\
DEST: s3://bucket/prefix (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION; AWS_ENDPOINT and
AWS_ALLOW_HTTP=true for MinIO, R2, B2 or another S3 API), gs://bucket/prefix
(GOOGLE_SERVICE_ACCOUNT), az://container/prefix (AZURE_STORAGE_ACCOUNT_NAME,
AZURE_STORAGE_ACCOUNT_KEY), or file:///path (an existing directory). Credentials come from
these environment variables only, never from the command line.

Exit codes beyond the common ones: 3 the destination refused the credentials (or none are set),
4 no such bucket, directory or copy, 8 the destination cannot be reached, 10 a copy is damaged
(its SHA-256 is not the recorded one) or an object in the way differs from the backup."
    };
}
pub(crate) use dest_help;

pub const DEST_HELP: &str = dest_help!();

pub fn open_dest(url: &str) -> Result<Destination, CliError> {
    Ok(Destination::open(url)?)
}

impl From<OffsiteError> for CliError {
    fn from(e: OffsiteError) -> Self {
        let code = match e.kind() {
            OffsiteErrorKind::Usage => code::USAGE,
            OffsiteErrorKind::Auth => code::AUTH,
            OffsiteErrorKind::NotFound => code::NOT_FOUND,
            OffsiteErrorKind::Unreachable => code::UNREACHABLE,
            OffsiteErrorKind::Damaged => code::DAMAGED,
            _ => code::OTHER,
        };
        match e {
            OffsiteError::Server(e) => CliError::from(e),
            e => CliError::new(code, with_causes(e.to_string(), &e)),
        }
    }
}

/// How many copies to keep at the destination (restic `forget` semantics, in UTC).
#[derive(Args, Clone, Default)]
pub struct KeepArgs {
    /// Keep the N newest copies
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_last: u32,
    /// Keep the newest copy of each of the last N days that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_daily: u32,
    /// Keep the newest copy of each of the last N weeks that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_weekly: u32,
    /// Keep the newest copy of each of the last N months that have one
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub keep_monthly: u32,
}

impl KeepArgs {
    /// The policy, or `None` when no --keep-* was given.
    pub fn policy(&self) -> Option<Retention> {
        let p = Retention {
            keep_last: self.keep_last,
            keep_daily: self.keep_daily,
            keep_weekly: self.keep_weekly,
            keep_monthly: self.keep_monthly,
        };
        (p != Retention::default()).then_some(p)
    }
}

/// Off-site copies: list, verify, prune.
#[derive(Subcommand)]
pub enum OffsiteCommand {
    /// List the copies at DEST, newest first, with their recorded SHA-256
    #[command(after_help = LIST_HELP)]
    List(ListArgs),
    /// Re-read copies at DEST and check their SHA-256
    #[command(after_help = VERIFY_HELP)]
    Verify(VerifyArgs),
    /// Delete copies at DEST that a retention policy does not keep (asks first)
    #[command(after_help = PRUNE_HELP)]
    Prune(PruneArgs),
}

impl OffsiteCommand {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        match self {
            Self::List(a) => a.run(g).await,
            Self::Verify(a) => a.run(g).await,
            Self::Prune(a) => a.run(g).await,
        }
    }
}

const LIST_HELP: &str = "\
Columns: KEY, SIZE, SHA-256 (- when the manifest records none), MODIFIED (the backup's time, UTC).

--json: [{\"key\": \"nightly.zip\", \"size\": 225399, \"sha256\": \"9f86d0...\"}]

Examples:
  bosbase-backups offsite list s3://backups/pb
  bosbase-backups offsite list file:///mnt/offsite --json";

#[derive(Args)]
pub struct ListArgs {
    /// The destination: s3://bucket/prefix, gs://..., az://..., file:///path
    dest: String,
}

#[derive(Serialize)]
struct CopyJson<'a> {
    key: &'a str,
    size: u64,
    sha256: Option<&'a str>,
}

impl ListArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let dest = open_dest(&self.dest)?;
        let copies = dest.list().await?;
        if g.json {
            let json: Vec<CopyJson> = copies.iter().map(copy_json).collect();
            return print_json(&json).map_err(io_out);
        }
        let text: String = copies
            .iter()
            .map(|c| {
                format!(
                    "{}  {}  {}  {}\n",
                    c.key,
                    human_size(c.size),
                    c.sha256.as_deref().unwrap_or("-"),
                    human_time(&c.modified)
                )
            })
            .collect();
        print(&text).map_err(io_out)
    }
}

fn copy_json(c: &CopyInfo) -> CopyJson<'_> {
    CopyJson {
        key: &c.key,
        size: c.size,
        sha256: c.sha256.as_deref(),
    }
}

const VERIFY_HELP: &str = "\
Reads each copy (or only KEY) back from DEST and checks its SHA-256 against the one recorded when
it was copied. One line per copy: `ok KEY SHA-256` on stdout, or `failed KEY: why` on stderr.
Exit code 10 when any copy is damaged (or has no recorded SHA-256), else the first other
failure's code.

--json: [{\"key\": \"nightly.zip\", \"ok\": true, \"sha256\": \"9f86d0...\", \"error\": null}]

Examples:
  bosbase-backups offsite verify s3://backups/pb
  bosbase-backups offsite verify s3://backups/pb nightly.zip";

#[derive(Args)]
pub struct VerifyArgs {
    /// The destination: s3://bucket/prefix, gs://..., az://..., file:///path
    dest: String,
    /// Only this copy [default: every copy]
    key: Option<String>,
    /// With it, encrypted copies are decrypted and the backup's SHA-256 is checked too
    #[command(flatten)]
    identity: crate::cmd::decrypt::OptionalIdentityArgs,
}

#[derive(Serialize)]
struct VerifyJson {
    key: String,
    ok: bool,
    sha256: Option<String>,
    error: Option<String>,
}

impl VerifyArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let identities = self.identity.load()?;
        let dest = open_dest(&self.dest)?;
        let keys: Vec<(String, u64)> = match &self.key {
            Some(k) => vec![(k.clone(), 0)],
            None => dest
                .list()
                .await?
                .into_iter()
                .map(|c| (c.key, c.size))
                .collect(),
        };
        let mut results = Vec::new();
        let mut failure: Option<CliError> = None;
        for (key, size) in keys {
            let bar = progress_bar(g, "verifying", (size > 0).then_some(size));
            let progress = bar.clone();
            let result = match &identities {
                Some(identities) => dest.verify_decrypting(&key, identities).await,
                None => {
                    dest.verify_into(&key, &mut tokio::io::sink(), move |n| {
                        if let Some(b) = &progress {
                            b.set_position(n);
                        }
                    })
                    .await
                }
            };
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            match result {
                Ok(v) => {
                    if !g.json {
                        print(&format!("ok {} {}\n", v.key, v.sha256)).map_err(io_out)?;
                    }
                    results.push(VerifyJson {
                        key,
                        ok: true,
                        sha256: Some(v.sha256),
                        error: None,
                    });
                }
                Err(e) => {
                    let e = CliError::from(e);
                    let message = message(&e, g);
                    eprintln!("failed {key}: {message}");
                    results.push(VerifyJson {
                        key,
                        ok: false,
                        sha256: None,
                        error: Some(message),
                    });
                    // A damaged copy outranks other failures in the exit code.
                    if failure
                        .as_ref()
                        .is_none_or(|f| e.code() == code::DAMAGED && f.code() != code::DAMAGED)
                    {
                        failure = Some(e);
                    }
                }
            }
        }
        if g.json {
            print_json(&results).map_err(io_out)?;
        }
        match failure {
            Some(e) => Err(CliError::new(
                e.code(),
                format!(
                    "{} of {} copies failed verification (see above)",
                    results.iter().filter(|r| !r.ok).count(),
                    results.len()
                ),
            )),
            None => Ok(()),
        }
    }
}

const PRUNE_HELP: &str = "\
Keeps the copies that any --keep-* rule keeps (restic `forget` semantics: --keep-daily N keeps
the newest copy of each of the last N days that have one; days, weeks and months in UTC, by the
backup's time on the server) and deletes the other copies this tool made. It never deletes the
newest copy, needs at least one --keep-*, and goes by what DEST holds, whatever the server still
lists. Objects not in DEST's manifest are never touched.
Asks on a terminal; without a terminal, --yes (or --dry-run) is required.
On stdout: the keys deleted (or, with --dry-run, that would be deleted), one a line.

--json: {\"dry_run\": false, \"kept\": [\"new.zip\"], \"deleted\": [\"old.zip\"]}

Examples:
  bosbase-backups offsite prune s3://backups/pb --keep-daily 7 --keep-weekly 4 --dry-run
  bosbase-backups offsite prune file:///mnt/offsite --keep-last 3 --yes";

#[derive(Args)]
pub struct PruneArgs {
    /// The destination: s3://bucket/prefix, gs://..., az://..., file:///path
    dest: String,
    #[command(flatten)]
    keep: KeepArgs,
    /// Only print what would be deleted
    #[arg(long)]
    dry_run: bool,
    /// Do not ask: needed when standard input is not a terminal
    #[arg(short, long)]
    yes: bool,
}

#[derive(Serialize)]
pub struct PruneJson {
    dry_run: bool,
    kept: Vec<String>,
    deleted: Vec<String>,
}

impl PruneJson {
    pub fn new(p: &Pruned) -> Self {
        Self {
            dry_run: p.dry_run,
            kept: p.kept.iter().map(|c| c.key.clone()).collect(),
            deleted: p.removed.iter().map(|c| c.key.clone()).collect(),
        }
    }
}

impl PruneArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let policy = self.keep.policy().ok_or_else(|| {
            CliError::usage(
                "give at least one of --keep-last, --keep-daily, --keep-weekly, --keep-monthly",
            )
        })?;
        if !self.dry_run {
            ensure_can_confirm(self.yes, "prune")?;
        }
        let dest = open_dest(&self.dest)?;
        let plan = dest.prune(&policy, true).await?;
        let pruned = if self.dry_run || plan.removed.is_empty() {
            plan
        } else {
            let keys: Vec<&str> = plan.removed.iter().map(|c| c.key.as_str()).collect();
            confirm(
                self.yes,
                &format!(
                    "delete {} copies from {}: {}?",
                    keys.len(),
                    dest.url(),
                    keys.join(", ")
                ),
                "nothing was deleted",
            )?;
            dest.prune(&policy, false).await?
        };
        print_pruned(g, &pruned)
    }
}

/// The keys deleted (or to be), one a line; or the JSON.
pub fn print_pruned(g: &Global, p: &Pruned) -> Result<(), CliError> {
    let verb = if p.dry_run { "would delete" } else { "deleted" };
    let copies = |n: usize| format!("{n} cop{}", if n == 1 { "y" } else { "ies" });
    note(
        g,
        &format!(
            "{verb} {}, keeping {}",
            copies(p.removed.len()),
            copies(p.kept.len())
        ),
    );
    if g.json {
        return print_json(&PruneJson::new(p)).map_err(io_out);
    }
    let text: String = p.removed.iter().map(|c| format!("{}\n", c.key)).collect();
    print(&text).map_err(io_out)
}

/// An error's message without the `error: ` of its line.
pub fn message(e: &CliError, g: &Global) -> String {
    let line = e.line(&g.server());
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}
