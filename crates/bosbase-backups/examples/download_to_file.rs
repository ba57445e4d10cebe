//! Download a backup to a file, streamed, with progress: what the Go SDK leaves to you.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example download_to_file -- KEY [PATH]`

use bosbase_backups::{Client, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let client = Client::new(
        std::env::var("BOSBASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8090".into()),
    )?;
    let email = std::env::var("BOSBASE_EMAIL").unwrap_or_else(|_| "admin@example.com".into());
    client
        .auth_with_password(
            &email,
            &std::env::var("BOSBASE_PASSWORD").expect("set BOSBASE_PASSWORD"),
        )
        .await?;
    let key = std::env::args()
        .nth(1)
        .expect("usage: download_to_file KEY [PATH]");
    let path = std::env::args().nth(2).unwrap_or_else(|| key.clone());
    run(&client, &key, std::path::Path::new(&path)).await
}

pub async fn run(client: &Client, key: &str, path: &std::path::Path) -> Result<()> {
    // Fetches its own file token; writes `PATH.part` and renames it to PATH once complete.
    let bytes = client
        .backups()
        .download(key)
        .progress(|p| eprint!("\r{} / {} bytes", p.transferred, p.total.unwrap_or(0)))
        .to_path(path)
        .await?;
    eprintln!();
    println!("saved {key} to {} ({bytes} bytes)", path.display());
    Ok(())
}
