//! `bosbase-backups download KEY [-o PATH]`.

use std::path::PathBuf;

use bosbase_backups::Progress;
use clap::Args;

use crate::cli::Global;
use crate::cmd::{check_key, io_out, note, progress_bar};
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
}

enum Destination {
    File(PathBuf),
    Stdout,
}

impl DownloadArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let key = self.key.as_str();
        check_key(key)?;
        let dest = match self.output {
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
never looks like a backup. An existing PATH is kept unless --force.

--json: {\"key\": \"nightly.zip\", \"path\": \"./nightly.zip\", \"size\": 225399}

Examples:
  bosbase-backups download nightly.zip
  bosbase-backups download nightly.zip -o /srv/backups/
  bosbase-backups download nightly.zip -o - | sha256sum";
