//! Project automation: `cargo xtask <command>`.

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  demo                the main job: build the CLI, start the pinned PocketBase with sample data and
                      drive the CLI through a whole backup lifecycle (fails if any step does)
  codegen [--check]   regenerate crates/bosbase-backups-api/src/generated.rs from spec/backups.yaml
                      (--check: fail with a diff when the committed file is stale)
  bench [--size MiB] [--runs N] [--list-backups N] [--list-calls N] [--verify-only | --offsite-only]
                      upload, download and list through the CLI (release) beside curl, on the
                      pinned PocketBase, and verify a server-made backup beside a download of it;
                      prints a Markdown table, writes target/bench/results.{md,json}
                      (defaults: --size 1024 --runs 3 --list-backups 200 --list-calls 20)
  man [DIR]           write the man pages of bosbase-backups (default: target/man/)
  spec-lint           Redocly's recommended lint ruleset on spec/backups.yaml: 0 errors, 0 warnings
  spec-check          prove spec/backups.yaml true to a real PocketBase (schemathesis) and usable
                      from Python and TypeScript (generated clients run the backup lifecycle)
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["demo"] => xtask::demo::run(),
        ["codegen"] => xtask::codegen::write().map_err(|e| e.to_string()),
        ["codegen", "--check"] => xtask::codegen::check().map_err(|e| e.to_string()),
        ["bench", rest @ ..] => xtask::bench::Options::parse(rest)
            .and_then(|o| xtask::bench::run(&o))
            .map_err(|e| e.to_string()),
        ["spec-check"] => xtask::spec_check::run(),
        ["man", dir @ ..] if dir.len() <= 1 => {
            let dir = dir
                .first()
                .map_or_else(xtask::man::default_dir, |d| d.into());
            xtask::man::write(&dir)
        }
        ["spec-lint"] => xtask::node::lint(),
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
