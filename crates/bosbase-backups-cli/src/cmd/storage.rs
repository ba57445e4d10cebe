//! `bosbase-backups storage`: where the server keeps its backups, its disk or an S3 bucket.

use std::io::{BufRead, IsTerminal};

use bosbase_backups::{BackupSettings, BackupStorage, S3Config, S3Location, SecretString};
use clap::{Args, Subcommand};
use serde::Serialize;

use crate::cli::Global;
use crate::cmd::is_backup_zip;
use crate::cmd::{io_out, note};
use crate::error::{CliError, code};
use crate::output::{print, print_json};
use crate::session::Session;

/// The environment variable the S3 secret is read from (else standard input).
const SECRET_ENV: &str = "BOSBASE_S3_SECRET";

/// Show or change where the server keeps its backups (its disk or an S3 bucket)
#[derive(Args)]
#[command(after_help = HELP)]
pub struct StorageArgs {
    #[command(subcommand)]
    action: Option<Action>,
}

#[derive(Subcommand)]
enum Action {
    /// Keep the backups in an S3 bucket (the secret from BOSBASE_S3_SECRET or standard input)
    #[command(after_help = S3_HELP)]
    S3 {
        /// The S3 endpoint, e.g. https://s3.eu-central-1.amazonaws.com
        #[arg(long, value_name = "URL")]
        endpoint: String,
        /// The bucket
        #[arg(long, value_name = "BUCKET")]
        bucket: String,
        /// The bucket's region, e.g. eu-central-1
        #[arg(long, value_name = "REGION")]
        region: String,
        /// The access key id (its secret comes from BOSBASE_S3_SECRET or standard input)
        #[arg(long, value_name = "KEY")]
        access_key: String,
        /// Address the bucket in the path (endpoint/bucket/key), as MinIO and most S3-compatible
        /// servers want
        #[arg(long)]
        force_path_style: bool,
    },
    /// Keep the backups on the server's disk again (the S3 settings stay saved, disabled)
    Local,
    /// Test the saved S3 settings: the server writes a file into the bucket and deletes it
    Test,
}

const HELP: &str = "\
While the backups are kept on S3, every backup command works on the bucket: the backups on the
server's disk are not listed (nor deleted), and the other way round. Switching says how many
backups the other side holds. A bucket shared with other files lists them too: `list` and
`prune` skip whatever is not a backup zip, with a note.

--json: {\"kind\": \"local\"}
        {\"kind\": \"s3\", \"endpoint\": \"https://...\", \"bucket\": \"b\", \"region\": \"r\",
         \"access_key\": \"AKIA...\", \"force_path_style\": false}     (never the secret)
        `storage s3` and `storage local` add \"no_longer_listed\": N (null when unknown);
        `storage test` prints {\"ok\": true}

Examples:
  bosbase-backups storage
  BOSBASE_S3_SECRET=... bosbase-backups storage s3 --endpoint https://s3.eu-central-1.amazonaws.com \\
      --bucket acme-backups --region eu-central-1 --access-key AKIA...
  bosbase-backups storage test
  bosbase-backups storage local";

const S3_HELP: &str = "\
The secret is never taken from the command line (other users can see command lines): it comes
from BOSBASE_S3_SECRET, or else from the first line of standard input (not a terminal; not with
--password-stdin). The server does not test the bucket when it saves the settings: run
`bosbase-backups storage test` next.

Examples:
  secret-tool lookup s3 acme | bosbase-backups storage s3 --endpoint http://127.0.0.1:9000 \\
      --bucket backups --region us-east-1 --access-key minio --force-path-style";

#[derive(Serialize)]
struct StorageJson<'a> {
    kind: &'static str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    s3: Option<S3Json<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_longer_listed: Option<Option<usize>>,
}

#[derive(Serialize)]
struct S3Json<'a> {
    endpoint: &'a str,
    bucket: &'a str,
    region: &'a str,
    access_key: &'a str,
    force_path_style: bool,
}

impl StorageArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let s3 = match &self.action {
            Some(Action::S3 {
                endpoint,
                bucket,
                region,
                access_key,
                force_path_style,
            }) => Some(
                S3Config::new(endpoint, bucket, region, access_key, read_secret(g)?)
                    .force_path_style(*force_path_style),
            ),
            _ => None,
        };
        let s = Session::login(g).await?;
        let settings = s.client.settings();
        match self.action {
            None => show(g, &settings.backups().await?, None),
            Some(Action::Test) => test(g, &s).await,
            Some(Action::Local) | Some(Action::S3 { .. }) => {
                let before = settings.backups().await?;
                let target = s3.as_ref().map(S3Config::location);
                let moving = match (&before.storage, target) {
                    (BackupStorage::S3(from), Some(to)) => !same_bucket(from, to),
                    (BackupStorage::Local { .. }, None) => false,
                    _ => true,
                };
                // Counted before the switch: afterwards the server lists the other side.
                let left = if moving {
                    Some(backups_here(&s).await)
                } else {
                    None
                };
                let update = settings.update_backups();
                let after = match s3 {
                    Some(s3) => update.s3(s3).await?,
                    None => update.local().await?,
                };
                if let Some(left) = left {
                    note(g, &left_behind(&before.storage, left));
                }
                if matches!(after.storage, BackupStorage::S3(_)) && !g.json {
                    note(
                        g,
                        "next: `bosbase-backups storage test` checks that the bucket works",
                    );
                }
                show(g, &after, Some(left.flatten()))
            }
        }
    }
}

/// Reads the secret from the environment, else from a piped standard input.
fn read_secret(g: &Global) -> Result<SecretString, CliError> {
    if let Ok(secret) = std::env::var(SECRET_ENV) {
        if secret.is_empty() {
            return Err(CliError::usage(format!(
                "{SECRET_ENV} is empty: set it to the S3 secret"
            )));
        }
        return Ok(SecretString::from(secret));
    }
    let how = format!("set {SECRET_ENV}, or pipe the secret into the command");
    if g.password_stdin {
        return Err(CliError::usage(format!(
            "standard input carries the password (--password-stdin): {how} via {SECRET_ENV}"
        )));
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(CliError::usage(format!(
            "no S3 secret: {how} (it is never taken from the command line)"
        )));
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io("cannot read the S3 secret from stdin", &e))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(CliError::usage(format!(
            "standard input gave an empty S3 secret: {how}"
        )));
    }
    Ok(SecretString::from(secret))
}

fn same_bucket(a: &S3Location, b: &S3Location) -> bool {
    a.endpoint.trim_end_matches('/') == b.endpoint.trim_end_matches('/') && a.bucket == b.bucket
}

/// How many backups the server lists now; `None` when it cannot list them (an S3 bucket that does
/// not answer must not stop a switch back to the disk).
async fn backups_here(s: &Session) -> Option<usize> {
    let list = s.client.backups().list().await.ok()?;
    Some(list.iter().filter(|b| is_backup_zip(&b.key)).count())
}

fn left_behind(from: &BackupStorage, count: Option<usize>) -> String {
    let (place, back) = match from {
        BackupStorage::S3(l) => (
            format!("the S3 bucket {}", l.bucket),
            "`bosbase-backups storage s3 ...` with that bucket".to_string(),
        ),
        BackupStorage::Local { .. } => (
            "the server's disk".to_string(),
            "`bosbase-backups storage local`".to_string(),
        ),
    };
    match count {
        Some(n) => format!(
            "warning: {n} backup(s) on {place} are no longer listed; they stay there ({back} lists them again)"
        ),
        None => format!(
            "warning: the backups on {place} (could not count them) are no longer listed; they stay there ({back} lists them again)"
        ),
    }
}

async fn test(g: &Global, s: &Session) -> Result<(), CliError> {
    let settings = s.client.settings();
    match settings.test_s3().await {
        Ok(()) => {}
        Err(bosbase_backups::Error::Api {
            status: 400,
            message,
            ..
        }) => {
            return Err(CliError::new(
                code::SERVER,
                format!(
                    "the S3 storage of {} does not work: {}; fix it with `bosbase-backups storage s3 ...` \
                     or go back with `bosbase-backups storage local`",
                    g.server(),
                    message
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ")
                        .trim_end_matches('.')
                ),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    if g.json {
        print_json(&serde_json::json!({"ok": true})).map_err(io_out)
    } else {
        print("ok: the server wrote a test file into its S3 bucket and deleted it\n")
            .map_err(io_out)
    }
}

fn show(g: &Global, now: &BackupSettings, left: Option<Option<usize>>) -> Result<(), CliError> {
    let s3 = match &now.storage {
        BackupStorage::S3(l) => Some(l),
        BackupStorage::Local { .. } => None,
    };
    if g.json {
        return print_json(&StorageJson {
            kind: if s3.is_some() { "s3" } else { "local" },
            s3: s3.map(|l| S3Json {
                endpoint: &l.endpoint,
                bucket: &l.bucket,
                region: &l.region,
                access_key: &l.access_key,
                force_path_style: l.force_path_style,
            }),
            no_longer_listed: left,
        })
        .map_err(io_out);
    }
    let text = match s3 {
        Some(l) => format!(
            "s3: bucket {} at {} (region {}, access key {}{})\n",
            l.bucket,
            l.endpoint,
            l.region,
            l.access_key,
            if l.force_path_style {
                ", path-style"
            } else {
                ""
            }
        ),
        None => "local: on the server's disk (pb_data/backups)\n".to_string(),
    };
    print(&text).map_err(io_out)
}
