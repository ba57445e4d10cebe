//! Build a download URL with a file token: the twin of the Go SDK's "Download Backup" example.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example download_url -- pb_backup_20230519162514.zip`

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
    println!("Download URL: {}", run(&client, &key).await?);
    Ok(())
}

pub async fn run(client: &Client, key: &str) -> Result<String> {
    // Get a file token (valid for about 3 minutes), then build the URL.
    let token = client.files().token().await?;
    client.backups().download_url(&token, key)
}
