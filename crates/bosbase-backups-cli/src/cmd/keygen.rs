//! `bosbase-backups keygen -o FILE`: a new age identity for encrypted copies.

use std::io::Write;
use std::path::PathBuf;

use bosbase_backups::ExposeSecret;
use bosbase_backups::encryption::generate_identity;
use clap::Args;
use serde::Serialize;

use crate::cli::Global;
use crate::cmd::{io_out, note};
use crate::error::CliError;
use crate::output::{print, print_json};

#[derive(Args)]
#[command(after_help = HELP)]
pub struct KeygenArgs {
    /// Where to write the identity (created with mode 0600; an existing file is never replaced)
    #[arg(short, long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Serialize)]
struct KeygenJson<'a> {
    recipient: &'a str,
    identity_file: &'a std::path::Path,
}

impl KeygenArgs {
    pub fn run(self, g: &Global) -> Result<(), CliError> {
        let (identity, recipient) = generate_identity();
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let shown = self.output.display();
        let mut file = options.open(&self.output).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                CliError::usage(format!(
                    "{shown} exists: an identity is never overwritten (copies encrypted to it \
                     would be lost); choose another path"
                ))
            } else {
                CliError::io(format!("cannot create {shown}"), &e)
            }
        })?;
        file.write_all(identity.expose_secret().as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| CliError::io(format!("cannot write {shown}"), &e))?;
        note(
            g,
            &format!(
                "wrote a new identity to {shown}: keep it secret and keep a copy apart from your \
                 backups (without it, encrypted copies cannot be read)"
            ),
        );
        if g.json {
            print_json(&KeygenJson {
                recipient: &recipient,
                identity_file: &self.output,
            })
            .map_err(io_out)
        } else {
            print(&format!("{recipient}\n")).map_err(io_out)
        }
    }
}

const HELP: &str = "\
Prints the identity's recipient (age1...): give it to --encrypt-to. The file is in the format of
age-keygen, so the reference age tool reads it too (age -d -i FILE).

--json: {\"recipient\": \"age1...\", \"identity_file\": \"backup-key.txt\"}

Examples:
  bosbase-backups keygen -o ~/.config/bosbase/backup-key.txt
  bosbase-backups download nightly.zip --encrypt-to \"$(bosbase-backups keygen -o key.txt)\"";
