//! The `bosbase-backups` binary: see the library for everything.

fn main() -> std::process::ExitCode {
    bosbase_backups_cli::main()
}
