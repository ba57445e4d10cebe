//! Project automation: `cargo xtask <command>`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]   regenerate crates/bosbase-backups-api/src/generated.rs from spec/backups.yaml
                      (--check: fail with a diff when the committed file is stale)
  spec-check          prove spec/backups.yaml true to a real PocketBase (schemathesis) and usable
                      from Python (a generated client runs the backup lifecycle)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["codegen"] => xtask::codegen::write().map_err(|e| e.to_string()),
        ["codegen", "--check"] => xtask::codegen::check().map_err(|e| e.to_string()),
        ["spec-check"] => xtask::spec_check::run(),
        _ => {
            eprint!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
