//! The ergonomic `bosbase-backups` crate against real PocketBase servers.

mod auth;
mod backups;
mod errors;
mod names;
mod schema;
mod secrets;

use bosbase_backups::Client;
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

/// A client logged in as the test server's superuser.
async fn login(server: &TestServer) -> Client {
    let client = Client::new(server.url()).unwrap();
    client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    client
}

/// The keys on the server, sorted.
async fn keys(client: &Client) -> Vec<String> {
    let mut keys: Vec<String> = client
        .backups()
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|b| b.key)
        .collect();
    keys.sort();
    keys
}

/// Creates a regular (non-superuser) user and returns its auth token.
async fn regular_user_token(server: &TestServer, client: &Client) -> String {
    use bosbase_backups::ExposeSecret;
    let http = reqwest::Client::new();
    let token = client.token().await.unwrap();
    let created = http
        .post(format!("{}/api/collections/users/records", server.url()))
        .header("Authorization", token.expose_secret())
        .json(&serde_json::json!({
            "email": "user@example.com", "password": "user-password", "passwordConfirm": "user-password"
        }))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let auth: serde_json::Value = http
        .post(format!(
            "{}/api/collections/users/auth-with-password",
            server.url()
        ))
        .json(&serde_json::json!({"identity": "user@example.com", "password": "user-password"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    auth["token"].as_str().unwrap().to_string()
}

/// Writes a small valid-looking backup zip (with a `data.db`) to `path`.
fn write_backup_zip(path: &std::path::Path, extra: &[u8]) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("data.db", opts).unwrap();
    zip.write_all(b"SQLite format 3\0").unwrap();
    zip.start_file("extra.bin", opts).unwrap();
    zip.write_all(extra).unwrap();
    zip.finish().unwrap();
}
