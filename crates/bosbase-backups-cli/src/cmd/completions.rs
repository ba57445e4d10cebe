//! `bosbase-backups completions SHELL`: the completion script, from the same definitions as the
//! parser (and `cargo xtask man` writes the man pages from them too).

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::cli::Cli;
use crate::cmd::io_out;
use crate::error::CliError;

#[derive(Args)]
#[command(after_help = HELP)]
pub struct CompletionsArgs {
    /// The shell
    shell: Shell,
}

impl CompletionsArgs {
    pub fn run(self) -> Result<(), CliError> {
        let mut out = Vec::new();
        clap_complete::generate(self.shell, &mut Cli::command(), "bosbase-backups", &mut out);
        crate::output::print(&String::from_utf8_lossy(&out)).map_err(io_out)
    }
}

const HELP: &str = "\
Needs no server and no credentials.

Examples:
  bosbase-backups completions bash > ~/.local/share/bash-completion/completions/bosbase-backups
  bosbase-backups completions zsh > ~/.zfunc/_bosbase-backups      # with fpath+=~/.zfunc
  bosbase-backups completions fish > ~/.config/fish/completions/bosbase-backups.fish
  bosbase-backups completions powershell >> $PROFILE";
