//! Upload a backup zip, streamed: the twin of the Go SDK's "Upload Backup" example.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example upload -- backup.zip`

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
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "backup.zip".into());
    run(&client, std::path::Path::new(&path)).await
}

pub async fn run(client: &Client, path: &std::path::Path) -> Result<()> {
    // The file streams from disk: memory stays flat whatever its size.
    let key = client
        .backups()
        .upload_file(path)
        .progress(|p| eprint!("\r{} / {} bytes", p.transferred, p.total.unwrap_or(0)))
        .await?;
    eprintln!();
    println!("uploaded {key}");
    Ok(())
}
