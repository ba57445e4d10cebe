//! `bosbase-backups`: back up, move and restore BosBase and PocketBase servers from the command
//! line. `bosbase-backups --help` lists the commands, the credentials and the exit codes.
//!
//! A library too, for what is made from the same definitions: `cargo xtask man` writes the man
//! pages from [`command`].

pub mod cli;
mod cmd;
mod error;
mod output;
mod session;

use std::process::ExitCode;

use clap::Parser;

/// The command line's definition: every command, option and help text.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    cli::Cli::command()
}

/// Runs the command line of this process, and says how to exit.
pub fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version go to stdout with 0; usage errors to stderr with 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                error::code::USAGE
            } else {
                error::code::OK
            });
        }
    };
    let server = cli.global.server();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(error::code::OTHER);
        }
    };
    match runtime.block_on(cmd::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.line(&server));
            ExitCode::from(e.code())
        }
    }
}
