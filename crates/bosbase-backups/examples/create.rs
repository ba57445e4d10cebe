//! Create backups, named and auto-named: the twin of the Go SDK's "Create Backup" example.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example create`

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
    // Create a backup with a custom name (checked against the name rule before sending).
    client.backups().create("my_backup_2024.zip").await?;

    // Create a backup with an auto-generated name; unlike the Go SDK, learn which.
    let auto = client.backups().create_auto().await?;
    println!("created my_backup_2024.zip and {}", auto.key);
    Ok(())
}
