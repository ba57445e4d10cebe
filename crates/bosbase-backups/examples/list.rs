//! List backups: the twin of the Go SDK's "List Backups" example.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example list`

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
    run(&client).await
}

pub async fn run(client: &Client) -> Result<()> {
    // Get all backups, newest first, with typed sizes and timestamps.
    let backups = client.backups().list().await?;
    for backup in &backups {
        println!(
            "Backup: {}, Size: {:.2} MB, Modified: {}",
            backup.key,
            backup.size as f64 / 1024.0 / 1024.0,
            backup.modified
        );
    }
    Ok(())
}
