//! Every example runs against a real server: the examples are code, and must work.

#![allow(dead_code)]

#[path = "../examples/auth.rs"]
mod auth;
#[path = "../examples/backup_manager.rs"]
mod backup_manager;
#[path = "../examples/create.rs"]
mod create;
#[path = "../examples/delete.rs"]
mod delete;
#[path = "../examples/download_to_file.rs"]
mod download_to_file;
#[path = "../examples/download_url.rs"]
mod download_url;
#[path = "../examples/list.rs"]
mod list;
#[path = "../examples/restore.rs"]
mod restore;
#[path = "../examples/upload.rs"]
mod upload;

use std::time::Duration;

use bosbase_backups::Client;
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

#[tokio::test]
async fn every_example_works() {
    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    auth::run(&client, EMAIL, PASSWORD).await.unwrap();

    create::run(&client).await.unwrap();
    list::run(&client).await.unwrap();
    let keys = bosbase_backups_tests::keys(&client).await;
    assert_eq!(keys.len(), 2);
    assert!(keys.contains(&"my_backup_2024.zip".to_string()));

    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.zip");
    download_to_file::run(&client, "my_backup_2024.zip", &copy)
        .await
        .unwrap();
    upload::run(&client, &copy).await.unwrap();
    assert!(
        bosbase_backups_tests::keys(&client)
            .await
            .contains(&"copy.zip".to_string())
    );

    let url = download_url::run(&client, "copy.zip").await.unwrap();
    assert_eq!(reqwest::get(url).await.unwrap().status(), 200);

    delete::run(&client, "copy.zip").await.unwrap();
    backup_manager::run(client.clone()).await.unwrap();
    assert!(
        bosbase_backups_tests::keys(&client)
            .await
            .contains(&"weekly_backup.zip".to_string())
    );

    restore::run(&client, "my_backup_2024.zip").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.wait_healthy(Duration::from_secs(60)).unwrap();
    list::run(&client).await.unwrap();
}
