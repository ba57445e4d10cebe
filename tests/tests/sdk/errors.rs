//! Every error case of the server (each status and message the spec lists), typed, and their messages.

use std::time::Duration;

use bosbase_backups::{Client, Error};
use bosbase_backups_tests::TestServer;

use crate::{login, write_backup_zip};

#[tokio::test]
async fn create_and_restore_while_a_backup_runs_are_busy() {
    let server = TestServer::start();
    server.make_backups_slow(400);
    let client = login(&server).await;
    let running = {
        let client = client.clone();
        tokio::spawn(async move { client.backups().create("slow.zip").await })
    };
    // Wait until the server says a backup runs.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while client.health().await.unwrap().can_backup() != Some(false) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the backup never showed as running"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let err = client.backups().create("second.zip").await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert!(err.to_string().contains("try again"), "{err}");
    let err = client.backups().restore("slow.zip").await.unwrap_err();
    // The running backup is not listed yet, so the server may say it is missing; both are refusals.
    assert!(
        matches!(err, Error::Busy { .. } | Error::NotFound { .. }),
        "{err:?}"
    );
    running.await.unwrap().unwrap();
    assert_eq!(client.health().await.unwrap().can_backup(), Some(true));
}

#[tokio::test]
async fn missing_keys_are_not_found() {
    let server = TestServer::start();
    let client = login(&server).await;
    for err in [
        client.backups().delete("missing.zip").await.unwrap_err(),
        client.backups().restore("missing.zip").await.unwrap_err(),
        client
            .backups()
            .download("missing.zip")
            .to_writer(&mut Vec::new())
            .await
            .unwrap_err(),
    ] {
        assert!(
            matches!(&err, Error::NotFound { key, .. } if key == "missing.zip"),
            "{err:?}"
        );
        // The server's delete message names its data directory: not passed on.
        assert!(
            !err.to_string()
                .contains(server.data_dir().to_str().unwrap()),
            "{err}"
        );
    }
}

#[tokio::test]
async fn a_failed_download_leaves_no_file() {
    let server = TestServer::start();
    let client = login(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("x.zip");
    let err = client
        .backups()
        .download("missing.zip")
        .to_path(&dest)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[tokio::test]
async fn name_and_upload_refusals_carry_the_field_codes() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("taken.zip").await.unwrap();
    // The server's refusal and the client's own are the same typed error.
    let err = client.backups().create("taken.zip").await.unwrap_err();
    assert!(
        matches!(&err, Error::NameTaken { name } if name == "taken.zip"),
        "{err:?}"
    );

    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("taken.zip");
    write_backup_zip(&zip, b"x");
    // The client finds the name taken before it sends the whole file.
    let err = client.backups().upload_file(&zip).await.unwrap_err();
    assert!(
        matches!(&err, Error::NameTaken { name } if name == "taken.zip"),
        "{err:?}"
    );
    assert!(err.to_string().contains("already exists"), "{err}");

    let text = dir.path().join("text.zip");
    std::fs::write(&text, "not a zip at all").unwrap();
    // Past the client's own check, the server sniffs the content.
    let err = client
        .backups()
        .upload_file(&text)
        .force(true)
        .await
        .unwrap_err();
    match &err {
        Error::Api {
            status: 400,
            fields,
            ..
        } => assert_eq!(fields["file"].code, "validation_invalid_mime_type"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn download_url_without_a_valid_file_token_is_forbidden() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("a.zip").await.unwrap();
    let url = client
        .backups()
        .download_url(&bosbase_backups::FileToken::new("not-a-token"), "a.zip")
        .unwrap();
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn nothing_is_sent_for_bad_input() {
    // No server at all: these must fail before connecting.
    let client = Client::new("http://127.0.0.1:9").unwrap();
    assert!(matches!(
        client.backups().create("Bad.zip").await,
        Err(Error::InvalidName(_))
    ));
    assert!(matches!(
        client.backups().delete("../data.db").await,
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        client.backups().restore("..").await,
        Err(Error::InvalidKey(_))
    ));
    assert!(matches!(
        client
            .backups()
            .download("a/b.zip")
            .to_writer(&mut Vec::new())
            .await,
        Err(Error::InvalidKey(_))
    ));
    let err = client.backups().list().await.unwrap_err();
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
}

/// The messages users read, from real failures wherever the server can produce them.
#[tokio::test]
async fn error_messages() {
    let server = TestServer::start();
    let client = login(&server).await;
    client.backups().create("taken.zip").await.unwrap();
    let guest = Client::new(server.url()).unwrap();
    let user = Client::builder(server.url())
        .token(server.regular_user_token())
        .build()
        .unwrap();
    let dead = Client::new("http://127.0.0.1:9").unwrap();

    let cases = [
        (
            "invalid name",
            client.backups().create("Weekly.zip").await.unwrap_err(),
        ),
        (
            "too long",
            client
                .backups()
                .create(format!("{}.zip", "a".repeat(147)))
                .await
                .unwrap_err(),
        ),
        (
            "no .zip",
            client.backups().create("backup.tar").await.unwrap_err(),
        ),
        (
            "invalid key",
            client.backups().delete("../data.db").await.unwrap_err(),
        ),
        (
            "name taken",
            client.backups().create("taken.zip").await.unwrap_err(),
        ),
        ("no token", guest.backups().list().await.unwrap_err()),
        (
            "wrong password",
            guest
                .auth_with_password("admin@example.com", "nope")
                .await
                .unwrap_err(),
        ),
        ("not a superuser", user.backups().list().await.unwrap_err()),
        (
            "delete missing",
            client.backups().delete("missing.zip").await.unwrap_err(),
        ),
        (
            "restore missing",
            client.backups().restore("missing.zip").await.unwrap_err(),
        ),
        (
            "download missing",
            client
                .backups()
                .download("missing.zip")
                .to_writer(&mut Vec::new())
                .await
                .unwrap_err(),
        ),
        (
            "https without TLS",
            Client::new("https://example.com").unwrap_err(),
        ),
        ("not a URL", Client::new("127.0.0.1:8090").unwrap_err()),
        ("no server", dead.backups().list().await.unwrap_err()),
    ];
    let text: String = cases
        .iter()
        .map(|(what, err)| format!("{what}:\n  {err}\n"))
        .collect();
    insta::assert_snapshot!(text);
}
