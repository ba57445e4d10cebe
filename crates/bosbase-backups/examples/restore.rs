//! Restore a backup: the twin of the Go SDK's "Restore Backup" example.
//!
//! CRITICAL: a restore replaces all the server's data with the backup's and restarts the server;
//! anything not in the backup is lost, and the server is unavailable for a moment.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example restore -- pb_backup_20230519162514.zip`

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
        .unwrap_or_else(|| "pb_backup_20230519162514.zip".into());
    run(&client, &key).await
}

pub async fn run(client: &Client, key: &str) -> Result<()> {
    // The server answers as soon as it accepted the restore, then restarts on the backup's data.
    client.backups().restore(key).await?;
    println!("restore of {key} accepted; the server restarts");
    Ok(())
}
