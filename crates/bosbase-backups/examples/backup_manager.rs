//! The twin of the Go SDK's "Backup Manager" example.
//!
//! Run: `BOSBASE_PASSWORD=... cargo run --example backup_manager`

use bosbase_backups::{BackupInfo, Client, Result};

/// Wraps a client with the operations of the Go example.
pub struct BackupManager {
    client: Client,
}

impl BackupManager {
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    pub async fn list(&self) -> Result<Vec<BackupInfo>> {
        self.client.backups().list().await
    }

    /// Creates `name`, or `backup_<yyyymmdd_hhmmss>.zip` when it is empty.
    pub async fn create(&self, name: &str) -> Result<String> {
        let name = if name.is_empty() {
            format!("backup_{}.zip", chrono::Utc::now().format("%Y%m%d_%H%M%S"))
        } else {
            name.to_string()
        };
        self.client.backups().create(&name).await?;
        Ok(name)
    }

    /// A download URL with a fresh file token.
    pub async fn download(&self, key: &str) -> Result<String> {
        let token = self.client.files().token().await?;
        self.client.backups().download_url(&token, key)
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        self.client.backups().delete(key).await
    }
}

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
    run(client).await
}

pub async fn run(client: Client) -> Result<()> {
    // Usage
    let manager = BackupManager::new(client);
    let backups = manager.list().await?;
    println!("{} backups", backups.len());
    manager.create("weekly_backup.zip").await?;
    let auto = manager.create("").await?;
    println!(
        "download {auto}: {}",
        manager
            .download(&auto)
            .await?
            .split("?token=")
            .next()
            .unwrap_or_default()
    );
    manager.delete(&auto).await?;
    Ok(())
}
