//! Writes the man pages into the directory given (default `target/man`): what `cargo xtask man`
//! runs.

fn main() -> std::process::ExitCode {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/man".into());
    match bosbase_backups_cli::write_man_pages(std::path::Path::new(&dir)) {
        Ok(pages) => {
            for page in pages {
                println!("{}", page.display());
            }
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
