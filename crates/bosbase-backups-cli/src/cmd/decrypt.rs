//! `bosbase-backups decrypt FILE.age`: a copy encrypted with --encrypt-to (or by age), back to
//! the backup zip.

use std::path::PathBuf;

use bosbase_backups::encryption::{self, Identities};
use clap::Args;

use crate::cli::Global;
use crate::cmd::{io_out, note, usage};
use crate::error::CliError;
use crate::output::{DecryptJson, human_size, print, print_json};

/// Where the identity comes from: an option or the environment, never its text on the command
/// line.
#[derive(Args)]
pub struct IdentityArgs {
    /// The age identity file (AGE-SECRET-KEY-1... lines, as `keygen` or age-keygen write it)
    #[arg(
        long,
        env = "BOSBASE_AGE_IDENTITY",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub identity: PathBuf,
}

impl IdentityArgs {
    pub fn load(&self) -> Result<Identities, CliError> {
        Identities::from_file(&self.identity).map_err(usage)
    }
}

/// An identity for what may be encrypted: `pull` and `offsite verify` of `.age` copies.
#[derive(Args)]
pub struct OptionalIdentityArgs {
    /// The age identity file, for copies made with --encrypt-to (AGE-SECRET-KEY-1... lines)
    #[arg(
        long,
        env = "BOSBASE_AGE_IDENTITY",
        hide_env_values = true,
        value_name = "FILE"
    )]
    pub identity: Option<PathBuf>,
}

impl OptionalIdentityArgs {
    pub fn load(&self) -> Result<Option<Identities>, CliError> {
        self.identity
            .as_ref()
            .map(|path| Identities::from_file(path).map_err(usage))
            .transpose()
    }
}

#[derive(Args)]
#[command(after_help = HELP)]
pub struct DecryptArgs {
    /// The encrypted file
    file: PathBuf,
    /// Where to write the backup [default: FILE without .age]
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
    /// Overwrite PATH if it exists
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    identity: IdentityArgs,
}

impl DecryptArgs {
    pub async fn run(self, g: &Global) -> Result<(), CliError> {
        let identities = self.identity.load()?;
        let output = match self.output {
            Some(p) => p,
            None => {
                let name = self.file.to_string_lossy();
                match name.strip_suffix(encryption::SUFFIX) {
                    Some(stem) if !stem.is_empty() => PathBuf::from(stem),
                    _ => {
                        return Err(CliError::usage(format!(
                            "{} does not end in .age: say where to write the backup with -o",
                            self.file.display()
                        )));
                    }
                }
            }
        };
        if output.exists() && !self.force {
            return Err(CliError::usage(format!(
                "{} exists; pass --force to overwrite it, or choose another path with -o",
                output.display()
            )));
        }
        let size = encryption::decrypt_file(&self.file, &output, &identities).await?;
        note(
            g,
            &format!(
                "decrypted {} ({}) to {}",
                self.file.display(),
                human_size(size),
                output.display()
            ),
        );
        if g.json {
            print_json(&DecryptJson {
                path: &output,
                size,
            })
            .map_err(io_out)
        } else {
            print(&format!("{}\n", output.display())).map_err(io_out)
        }
    }
}

const HELP: &str = "\
Streams the file through age: every 64 KiB chunk is authenticated, and the backup appears at
PATH (mode 0600) only when the whole file decrypted. A file cut short or altered is refused
(exit code 10), as is an identity it was not encrypted to (exit code 3).
Needs no server and no credentials.

--json: {\"path\": \"nightly.zip\", \"size\": 225399}

Examples:
  bosbase-backups decrypt nightly.zip.age --identity ~/.config/bosbase/backup-key.txt
  BOSBASE_AGE_IDENTITY=key.txt bosbase-backups decrypt copy.age -o restored.zip";
