//! Log in as a superuser: the twin of the Go SDK's "Authentication" example.
//!
//! Run: `BOSBASE_URL=http://127.0.0.1:8090 BOSBASE_EMAIL=admin@example.com BOSBASE_PASSWORD=... cargo run --example auth`

use bosbase_backups::{Client, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let url = std::env::var("BOSBASE_URL").unwrap_or_else(|_| "http://127.0.0.1:8090".into());
    let email = std::env::var("BOSBASE_EMAIL").unwrap_or_else(|_| "admin@example.com".into());
    let password = std::env::var("BOSBASE_PASSWORD").expect("set BOSBASE_PASSWORD");
    let client = Client::new(url)?;
    run(&client, &email, &password).await
}

pub async fn run(client: &Client, email: &str, password: &str) -> Result<()> {
    // Authenticate as superuser. The client keeps the password to log in again when it must.
    let superuser = client.auth_with_password(email, password).await?;
    println!("logged in as {} ({})", superuser.email, superuser.id);
    Ok(())
}
