//! `bosbase-backups download KEY [-o PATH]`.

use std::path::PathBuf;

use bosbase_backups::Progress;
use bosbase_backups::encryption::{self, Recipients};
use clap::Args;

use crate::cli::Global;
use crate::cmd::{check_key, io_out, note, progress_bar, usage};
use crate::error::CliError;
use crate::output::{DownloadJson, human_size, print, print_json};
use crate::session::Session;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct DownloadArgs {
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
    #[command(flatten)]
    encrypt: EncryptArgs,
}

/// Encryption to age recipients: for copies that leave the machine.
#[derive(Args)]
pub struct EncryptArgs {
    /// Encrypt to this age recipient (age1..., repeatable); the file gets a .age suffix by default
    #[arg(long, value_name = "RECIPIENT")]
    encrypt_to: Vec<String>,
    /// Encrypt to the recipients in FILE (one age1... a line, # comments)
    #[arg(long, value_name = "FILE")]
    recipients_file: Option<PathBuf>,
}

impl EncryptArgs {
    /// The recipients, if any were given; checked before any request.
    pub fn recipients(&self) -> Result<Option<Recipients>, CliError> {
        let mut all: Option<Recipients> = None;
        if !self.encrypt_to.is_empty() {
            all = Some(Recipients::parse(&self.encrypt_to).map_err(usage)?);
        }
        if let Some(file) = &self.recipients_file {
            let more = Recipients::from_file(file).map_err(usage)?;
            match &mut all {
                Some(all) => all.extend(more),
                None => all = Some(more),
            }
        }
        Ok(all)
    }
}

enum Destination {
    File(PathBuf),
    Stdout,
}

impl DownloadArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let key = self.key.as_str();
        check_key(key)?;
        let recipients = self.encrypt.recipients()?;
        let name = match recipients {
            Some(_) => format!("{key}{}", encryption::SUFFIX),
            None => key.to_string(),
        };
        if recipients.is_some() && self.resume {
            return Err(CliError::usage(
                "--resume cannot go on with an encrypted download (an age stream cannot be \
                 continued): download it again",
            ));
        }
        let dest = match self.output {
            Some(p) if p.as_os_str() == "-" => Destination::Stdout,
            Some(p) if p.is_dir() => Destination::File(p.join(&name)),
            Some(p) => Destination::File(p),
            None => Destination::File(PathBuf::from(".").join(&name)),
        };
        match &dest {
            Destination::Stdout if g.json => {
                return Err(CliError::usage(
                    "--json and -o - both want stdout: write the backup to a file instead",
                ));
            }
            Destination::File(p) if p.exists() && !self.force => {
                return Err(CliError::usage(format!(
                    "{} exists; pass --force to overwrite it, or choose another path with -o",
                    p.display()
                )));
            }
            _ => {}
        }
        let s = Session::login(g).await?;
        let bar = progress_bar(g, "downloading", None);
        let mut request = s
            .client
            .backups()
            .download(key)
            .resume(self.resume)
            .fsync(!self.no_fsync);
        if let Some(recipients) = recipients {
            request = request.encrypt_to(recipients);
        }
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
        let Destination::File(path) = dest else {
            note(g, &format!("downloaded {key} ({})", human_size(size)));
            return Ok(());
        };
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

const HELP: &str = "\
The download goes to PATH.part and is renamed to PATH once complete, so a broken download
never looks like a backup. Both are readable by their owner only (mode 0600): a backup holds
every secret of the server. An existing PATH is kept unless --force.

With --encrypt-to (or --recipients-file) the file is encrypted with age as it arrives (the
default name is KEY.age); `bosbase-backups decrypt` or the reference `age -d` reads it back with
the identity. Encrypting needs no identity; anyone holding a recipient can make a file that
decrypts, so keep the SHA-256 of what you encrypted apart from the copy to tie it to its backup.

--json: {\"key\": \"nightly.zip\", \"path\": \"./nightly.zip\", \"size\": 225399}

Examples:
  bosbase-backups download nightly.zip
  bosbase-backups download nightly.zip -o /srv/backups/
  bosbase-backups download nightly.zip -o - | sha256sum
  bosbase-backups download nightly.zip --encrypt-to age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
