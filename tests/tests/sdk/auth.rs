use std::time::Duration;

use bosbase_backups::{Client, Error, ExposeSecret};
use bosbase_backups_tests::{EMAIL, PASSWORD, TestServer};

use crate::{keys, login};

#[tokio::test]
async fn login_returns_the_superuser() {
    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    let me = client.auth_with_password(EMAIL, PASSWORD).await.unwrap();
    assert_eq!(me.email, EMAIL);
    assert!(!me.id.is_empty());
    assert!(client.token().await.is_some());
    assert!(keys(&client).await.is_empty());
}

#[tokio::test]
async fn a_wrong_password_is_unauthorized() {
    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    let err = client
        .auth_with_password(EMAIL, "not-the-password")
        .await
        .unwrap_err();
    assert!(
        matches!(err, Error::Unauthorized { status: 400, .. }),
        "{err:?}"
    );
    assert!(client.token().await.is_none());
}

#[tokio::test]
async fn an_existing_token_works_and_clones_share_it() {
    let server = TestServer::start();
    let token = login(&server).await.token().await.unwrap();
    let client = Client::builder(server.url())
        .token(token.expose_secret())
        .build()
        .unwrap();
    let clone = client.clone();
    let task = tokio::spawn(async move { clone.backups().create("from_a_task.zip").await });
    task.await.unwrap().unwrap();
    assert_eq!(keys(&client).await, ["from_a_task.zip"]);
}

#[tokio::test]
async fn no_token_is_unauthorized_with_a_hint() {
    let server = TestServer::start();
    let client = Client::new(server.url()).unwrap();
    let err = client.backups().list().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                status: 401,
                can_login: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("auth_with_password"), "{err}");
}

#[tokio::test]
async fn a_regular_user_is_forbidden() {
    let server = TestServer::start();
    let user = Client::builder(server.url())
        .token(server.regular_user_token())
        .build()
        .unwrap();
    let err = user.backups().list().await.unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
}

/// Makes superuser tokens expire after `seconds`.
async fn set_token_duration(server: &TestServer, client: &Client, seconds: u64) {
    let token = client.token().await.unwrap();
    let response = reqwest::Client::new()
        .patch(format!("{}/api/collections/_superusers", server.url()))
        .header("Authorization", token.expose_secret())
        .json(&serde_json::json!({ "authToken": { "duration": seconds } }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
}

#[tokio::test]
async fn a_token_about_to_expire_is_refreshed_before_use() {
    let server = TestServer::start();
    let setup = login(&server).await;
    // Shorter than the refresh margin: every token is "about to expire".
    set_token_duration(&server, &setup, 60).await;

    // A token without a password: refreshed with auth-refresh.
    let short = login(&server).await.token().await.unwrap();
    let client = Client::builder(server.url())
        .token(short.expose_secret())
        .build()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // a new `exp` second, so a new token
    client.backups().list().await.unwrap();
    let now = client.token().await.unwrap();
    assert_ne!(
        now.expose_secret(),
        short.expose_secret(),
        "the token was refreshed"
    );

    // With a password: the same.
    let client = login(&server).await;
    let before = client.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await; // a new `exp` second
    client.backups().list().await.unwrap();
    assert_ne!(
        client.token().await.unwrap().expose_secret(),
        before.expose_secret()
    );
}

#[tokio::test]
async fn an_expired_token_without_a_password_says_to_log_in() {
    let server = TestServer::start();
    let setup = login(&server).await;
    set_token_duration(&server, &setup, 10).await; // the server's minimum
    let short = login(&server).await.token().await.unwrap();
    tokio::time::sleep(Duration::from_millis(10_500)).await;
    let client = Client::builder(server.url())
        .token(short.expose_secret())
        .build()
        .unwrap();
    let err = client.backups().list().await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                can_login: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("expired"), "{err}");
}

#[tokio::test]
async fn after_a_restore_replaced_the_superusers_the_client_logs_in_again() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("before.zip").await.unwrap();
    // Setting the password again gives the superuser a new token key: tokens issued from now on
    // are refused once the restore brings the old record back.
    server.add_superuser(EMAIL, PASSWORD);
    let client = login(&server).await;
    let stale = client.token().await.unwrap();

    client.backups().restore("before.zip").await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;
    server.wait_healthy(Duration::from_secs(60)).unwrap();

    // The old token really is refused now...
    let raw = Client::builder(server.url())
        .token(stale.expose_secret())
        .build()
        .unwrap();
    assert!(matches!(
        raw.backups().list().await,
        Err(Error::Unauthorized { .. })
    ));
    // ...and the client that holds the password logs in again and carries on: an upload (its
    // own request, built by hand) takes the same path as every other call.
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("after.zip");
    crate::write_backup_zip(&zip, b"x");
    client.backups().upload_file(&zip).await.unwrap();
    assert_eq!(keys(&client).await, ["after.zip", "before.zip"]);
    assert_ne!(
        client.token().await.unwrap().expose_secret(),
        stale.expose_secret()
    );
}
